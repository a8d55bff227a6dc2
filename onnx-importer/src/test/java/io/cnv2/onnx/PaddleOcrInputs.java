package io.cnv2.onnx;

import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Real inputs for the PaddleOCR networks, in each model's input format: text rendered with java.awt
 * (headless) and Fashion-MNIST pictures pasted on a page, normalised as PaddleOCR's preprocessing does.
 */
final class PaddleOcrInputs {
    private PaddleOcrInputs() {
    }

    static Path cache(String file) {
        Path root = Path.of(System.getProperty("cnv2.repo.root", ".."));
        return root.resolve("models/paddleocr/.cache").resolve(file);
    }

    /** Dark text on a light background, {@code w} x {@code h} pixels, glyphs {@code size} pixels high. */
    static BufferedImage text(String s, int w, int h, int size, int x, int y) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(235, 230, 220));
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(20, 20, 40));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
        g.drawString(s, x, y);
        g.dispose();
        return img;
    }

    /** The recogniser's input: RGB / 255, then (v - 0.5) / 0.5, as [1, 3, h, w]. */
    static Tensor recogniserInput(BufferedImage img) {
        return normalised(img, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
    }

    /** The detector's input: RGB / 255, then ImageNet mean and std (PaddleOCR's DetResizeForTest + Normalize). */
    static Tensor detectorInput(BufferedImage img) {
        return normalised(img, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    private static Tensor normalised(BufferedImage img, float[] mean, float[] std) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] d = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int[] ch = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                for (int c = 0; c < 3; c++) {
                    d[(c * h + y) * w + x] = (ch[c] / 255f - mean[c]) / std[c];
                }
            }
        }
        return new Tensor(Shape.of(1, 3, h, w), d);
    }

    /** A page: a line of text above a row of Fashion-MNIST pictures (scaled 2x), {@code w} x {@code h}. */
    static BufferedImage page(String line, int w, int h, int firstImage) throws java.io.IOException {
        BufferedImage img = text(line, w, h, 20, 6, 26);
        List<Sample> pics = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample")
                .load(firstImage + w / 60 + 1);
        for (int i = 0; i * 60 + 56 <= w && 36 + 56 <= h; i++) {
            Tensor p = pics.get(firstImage + i).input();
            for (int y = 0; y < 56; y++) {
                for (int x = 0; x < 56; x++) {
                    int v = 255 - Math.round(p.data()[(y / 2) * 28 + x / 2] * 255);
                    img.setRGB(i * 60 + 2 + x, 36 + y, (v << 16) | (v << 8) | v);
                }
            }
        }
        return img;
    }
}
