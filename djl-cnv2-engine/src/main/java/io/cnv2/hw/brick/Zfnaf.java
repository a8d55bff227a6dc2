package io.cnv2.hw.brick;

import io.cnv2.hw.Threshold;

import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;

/**
 * The Zero-Free Neuron Array format (ZFNAf, CNV ISCA 2016; CNV2-MODEL.md section 4): an
 * activation tensor [1, C, H, W] stored as bricks of (value, offset) pairs of its effectual
 * activations, in storage order (y, x, channel-brick); a brick covers 16 consecutive channels
 * and the last brick of a position is zero-padded when C is not a multiple of 16. Encoding
 * drops ineffectual activations (the threshold of the consumer, detection at the producer's
 * output); decoding restores them as zeros.
 */
public record Zfnaf(int channels, int height, int width, int brickSize, Brick[] bricks) {

    public int bricksPerPosition() {
        return Bricks.ceilDiv(channels, brickSize);
    }

    /** The brick at (y, x, channel-brick cb). */
    public Brick brick(int y, int x, int cb) {
        return bricks[(y * width + x) * bricksPerPosition() + cb];
    }

    /** Encodes channels [c0, c0 + channels) of {@code in} ([1, C, H, W] or [1, C]). */
    public static Zfnaf encode(QTensor in, int c0, int channels, int brickSize, Threshold t) {
        Shape s = in.shape();
        int h = s.rank() == 4 ? s.dim(2) : 1;
        int w = s.rank() == 4 ? s.dim(3) : 1;
        int per = Bricks.ceilDiv(channels, brickSize);
        Brick[] bricks = new Brick[h * w * per];
        short[] values = new short[brickSize];
        byte[] offsets = new byte[brickSize];
        short[] q = in.data();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int cb = 0; cb < per; cb++) {
                    int n = 0;
                    for (int o = 0; o < brickSize && cb * brickSize + o < channels; o++) {
                        short v = q[((c0 + cb * brickSize + o) * h + y) * w + x];
                        if (!t.ineffectual(v)) {
                            values[n] = v;
                            offsets[n++] = (byte) o;
                        }
                    }
                    bricks[(y * w + x) * per + cb] = n == 0 ? Brick.EMPTY
                            : new Brick(java.util.Arrays.copyOf(values, n), java.util.Arrays.copyOf(offsets, n));
                }
            }
        }
        return new Zfnaf(channels, h, w, brickSize, bricks);
    }

    public static Zfnaf encode(QTensor in, int brickSize, Threshold t) {
        return encode(in, 0, in.shape().dim(1), brickSize, t);
    }

    /** The tensor back, [1, C, H, W], ineffectual activations as zeros. */
    public QTensor decode(int frac) {
        short[] q = new short[channels * height * width];
        int per = bricksPerPosition();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int cb = 0; cb < per; cb++) {
                    Brick b = brick(y, x, cb);
                    for (int i = 0; i < b.size(); i++) {
                        q[((cb * brickSize + b.offsets()[i]) * height + y) * width + x] = b.values()[i];
                    }
                }
            }
        }
        return new QTensor(new Shape(1, channels, height, width), q, frac);
    }
}
