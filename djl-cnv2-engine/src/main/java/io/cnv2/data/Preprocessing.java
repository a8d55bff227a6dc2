package io.cnv2.data;

import io.cnv2.BadInputException;
import io.cnv2.config.Json;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * How an image file becomes a model's [1, C, H, W] input, as the preprocessing of torchvision
 * and DJL's image translators describes it: resize (the whole image to H x W, or the shorter
 * side to {@code resizeShorter} then a centre crop of H x W), bilinear; RGB, BGR or grey (luma,
 * ITU-R BT.601) by the model's C and {@code channelOrder}; x = pixel * scale; then per channel
 * (x - mean[c]) / std[c]. Written as JSON, every key optional, e.g. ImageNet's
 * {@code {"resize": "shorter-side", "resizeShorter": 256, "mean": [0.485, 0.456, 0.406],
 * "std": [0.229, 0.224, 0.225]}}.
 *
 * @param resize        "stretch" (to H x W) or "shorter-side" (then centre crop) [chosen: stretch]
 * @param resizeShorter the shorter side's length before the crop; 0 = the crop's shorter side
 * @param channelOrder  "rgb" or "bgr" for 3-channel inputs [chosen: rgb]
 * @param scale         factor on 8-bit pixel values [chosen: 1/255]
 * @param mean          per-channel mean after scaling, one value or C values [chosen: 0]
 * @param std           per-channel standard deviation, one value or C values [chosen: 1]
 * @param classes       class names in label order; empty = the image folder's sub-folders, sorted
 * @param extensions    image file name endings read from an image folder
 */
public record Preprocessing(String resize, int resizeShorter, String channelOrder, double scale, List<Double> mean,
                            List<Double> std, List<String> classes, List<String> extensions) {
    public static final Preprocessing DEFAULT = new Preprocessing("stretch", 0, "rgb", 1 / 255.0, List.of(0.0),
            List.of(1.0), List.of(), List.of("png", "jpg", "jpeg", "bmp", "gif"));

    public Preprocessing {
        if (!"stretch".equals(resize) && !"shorter-side".equals(resize)) {
            throw new BadInputException("preprocessing key resize: unknown value '" + resize
                    + "' (known: stretch, shorter-side)");
        }
        if (!"rgb".equals(channelOrder) && !"bgr".equals(channelOrder)) {
            throw new BadInputException("preprocessing key channelOrder: unknown value '" + channelOrder
                    + "' (known: rgb, bgr)");
        }
        if (resizeShorter < 0) {
            throw new BadInputException("preprocessing key resizeShorter must be >= 0, got " + resizeShorter);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new BadInputException("preprocessing key scale must be a positive number, got " + scale);
        }
        mean = List.copyOf(mean == null || mean.isEmpty() ? List.of(0.0) : mean);
        std = List.copyOf(std == null || std.isEmpty() ? List.of(1.0) : std);
        for (double s : std) {
            if (!(s > 0)) {
                throw new BadInputException("preprocessing key std needs positive values, got " + std);
            }
        }
        classes = classes == null ? List.of() : List.copyOf(classes);
        extensions = extensions == null ? DEFAULT.extensions : List.copyOf(extensions);
    }

    /** A preprocessing file: JSON with any of this record's keys; unknown keys are errors naming the file. */
    public static Preprocessing load(Path file) {
        return Json.overlay(DEFAULT, Json.read(file, "preprocessing file"), Preprocessing.class,
                "preprocessing file " + file);
    }

    /** The same with mean and std of every channel replaced (the command line's {@code --normalize}). */
    public Preprocessing withNormalize(double m, double s) {
        return new Preprocessing(resize, resizeShorter, channelOrder, scale, List.of(m), List.of(s), classes,
                extensions);
    }

    /** Reads {@code file} as an image; a clear error naming it when it is missing or not an image. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("input image " + file + " does not exist");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("input image " + file + " cannot be read: " + e.getMessage());
        }
        if (img == null) {
            throw new BadInputException("input image " + file
                    + " is not an image format Java reads (PNG, JPEG, BMP, GIF)");
        }
        return img;
    }

    /** The model input for {@code img}; {@code shape} is [1, C, H, W] with C = 1 or 3. */
    public Tensor apply(BufferedImage img, Shape shape, String what) {
        // [1, C, H, W] (channel-first, PyTorch's) or [1, H, W, C] (channel-last, TensorFlow's), C = 1, 3 or 4
        boolean first = shape.rank() == 4 && isChannels(shape.dim(1));
        boolean last = shape.rank() == 4 && !first && isChannels(shape.dim(3));
        if (shape.rank() != 4 || shape.dim(0) != 1 || !first && !last) {
            throw new BadInputException(what + ": the model's input " + shape + " is not an image of 1, 3 or 4 "
                    + "channels ([1, C, H, W] or [1, H, W, C])");
        }
        int c = first ? shape.dim(1) : shape.dim(3);
        if ((mean.size() != 1 && mean.size() != c) || (std.size() != 1 && std.size() != c)) {
            throw new BadInputException(what + ": preprocessing mean and std need 1 or " + c + " values, got "
                    + mean.size() + " and " + std.size());
        }
        int h = first ? shape.dim(2) : shape.dim(1);
        int w = first ? shape.dim(3) : shape.dim(2);
        BufferedImage scaled = resized(img, h, w);
        float[] px = new float[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = scaled.getRGB(x, y);
                int[] v = {(argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF, (argb >>> 24) & 0xFF};
                for (int ch = 0; ch < c; ch++) {
                    double value;
                    if (c == 1) {
                        // a grey pixel is its own luma (exactly: a grey PNG reads as its IDX bytes would)
                        value = v[0] == v[1] && v[1] == v[2] ? v[0] : 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
                    } else {
                        // the fourth channel is alpha (255 where the image has none)
                        value = ch == 3 ? v[3] : v[channelOrder.equals("bgr") ? 2 - ch : ch];
                    }
                    int at = first ? (ch * h + y) * w + x : (y * w + x) * c + ch;
                    px[at] = norm(value, Math.min(ch, mean.size() == 1 ? 0 : ch));
                }
            }
        }
        return new Tensor(shape, px);
    }

    private static boolean isChannels(int c) {
        return c == 1 || c == 3 || c == 4;
    }

    private float norm(double pixel, int ch) {
        double m = mean.size() == 1 ? mean.get(0) : mean.get(ch);
        double s = std.size() == 1 ? std.get(0) : std.get(ch);
        return (float) ((pixel * scale - m) / s);
    }

    private BufferedImage resized(BufferedImage img, int h, int w) {
        int sw = w;
        int sh = h;
        if (resize.equals("shorter-side")) {
            int shorter = resizeShorter > 0 ? resizeShorter : Math.min(h, w);
            double f = (double) shorter / Math.min(img.getWidth(), img.getHeight());
            sw = Math.max(w, (int) Math.round(img.getWidth() * f));
            sh = Math.max(h, (int) Math.round(img.getHeight() * f));
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, -(sw - w) / 2, -(sh - h) / 2, sw, sh, null); // centred: the crop of the resized image
        g.dispose();
        return out;
    }
}
