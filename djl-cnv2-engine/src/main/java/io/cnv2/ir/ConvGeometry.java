package io.cnv2.ir;

/**
 * The shape of one conv (or fully connected) layer as the accelerator sees it
 * (CNV2-MODEL.md section 3): input C x H x W, K filters of C/groups x Ky x Kx, strides,
 * pads, dilations, groups. A fully connected layer is C inputs, K outputs, everything else 1.
 */
public record ConvGeometry(int channels, int height, int width, int filters, int kernelY, int kernelX,
                           int strideY, int strideX, int padTop, int padLeft, int padBottom, int padRight,
                           int dilationY, int dilationX, int groups) {

    public static ConvGeometry fullyConnected(int inputs, int outputs) {
        return new ConvGeometry(inputs, 1, 1, outputs, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
    }

    public int outY() {
        return Math.floorDiv(height + padTop + padBottom - dilationY * (kernelY - 1) - 1, strideY) + 1;
    }

    public int outX() {
        return Math.floorDiv(width + padLeft + padRight - dilationX * (kernelX - 1) - 1, strideX) + 1;
    }

    public int channelsPerGroup() {
        return channels / groups;
    }

    public int filtersPerGroup() {
        return filters / groups;
    }

    /** Real multiply-accumulates of the layer (no padding of channels to bricks). */
    public long macs() {
        return (long) outY() * outX() * filters * channelsPerGroup() * kernelY * kernelX;
    }

    /** The geometry of one group run as its own layer (section 3: grouped convolutions). */
    public ConvGeometry group() {
        return new ConvGeometry(channelsPerGroup(), height, width, filtersPerGroup(), kernelY, kernelX,
                strideY, strideX, padTop, padLeft, padBottom, padRight, dilationY, dilationX, 1);
    }
}
