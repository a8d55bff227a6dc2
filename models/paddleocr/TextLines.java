import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Renders printed text lines as a labelled image folder for the PaddleOCR direction classifier
 * (classes "0" and "180": upright and upside down), 192 x 48 RGB PNGs, black text on a light
 * background in the DejaVu fonts Debian ships. Deterministic for a given seed.
 *
 * Usage: java models/paddleocr/TextLines.java OUT_DIR [COUNT_PER_CLASS] [SEED]
 */
public final class TextLines {
    private static final String[] WORDS = {"accelerator", "neuron", "lane", "brick", "window", "filter", "skip",
        "zero", "weight", "activation", "cycle", "tile", "memory", "pointer", "encoding", "threshold", "sparse",
        "dense", "layer", "tensor", "Cnvlutin", "DaDianNao", "ZFNAf", "2017", "16-bit", "ISCA", "pass", "output",
        "input", "model", "image", "shirt", "trouser", "sneaker", "bag", "coat", "dress", "sandal", "boot"};
    private static final String[] FONTS = {"DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"};

    public static void main(String[] args) throws IOException {
        File out = new File(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Random r = new Random(args.length > 2 ? Long.parseLong(args[2]) : 48192);
        for (String cls : new String[] {"0", "180"}) {
            new File(out, cls).mkdirs();
        }
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder();
            int words = 1 + r.nextInt(3);
            for (int w = 0; w < words; w++) {
                text.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            }
            BufferedImage img = render(text.toString(), r);
            ImageIO.write(img, "png", new File(out, "0/" + String.format("%04d.png", i)));
            ImageIO.write(rotate180(img), "png", new File(out, "180/" + String.format("%04d.png", i)));
        }
    }

    private static BufferedImage render(String text, Random r) {
        BufferedImage img = new BufferedImage(192, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        int bg = 215 + r.nextInt(40);
        g.setColor(new Color(bg, bg, bg - r.nextInt(15)));
        g.fillRect(0, 0, 192, 48);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        int size = 18 + r.nextInt(10);
        Font f = new Font(FONTS[r.nextInt(FONTS.length)], r.nextInt(4) == 0 ? Font.BOLD : Font.PLAIN, size);
        g.setFont(f);
        // shrink until the line fits the width
        while (g.getFontMetrics().stringWidth(text) > 184 && size > 8) {
            size--;
            g.setFont(f.deriveFont((float) size));
        }
        int ink = r.nextInt(60);
        g.setColor(new Color(ink, ink, ink));
        int y = 24 + g.getFontMetrics().getAscent() / 2 - 2 + r.nextInt(5) - 2;
        g.drawString(text, 4 + r.nextInt(6), y);
        g.dispose();
        return img;
    }

    private static BufferedImage rotate180(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        AffineTransform t = AffineTransform.getRotateInstance(Math.PI, img.getWidth() / 2.0, img.getHeight() / 2.0);
        g.drawImage(img, t, null);
        g.dispose();
        return out;
    }
}
