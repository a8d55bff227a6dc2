package io.cnv2.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.ir.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image-folder dataset and its preprocessing, rule by rule. */
class ImageFolderTest {
    @TempDir
    Path dir;

    private void image(String cls, String file, int w, int h, int rgb) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(dir.resolve(cls));
        ImageIO.write(img, "png", dir.resolve(cls).resolve(file).toFile());
    }

    @Test
    void labelsAreTheSortedSubFoldersAndSamplesRunClassByClassInNameOrder() throws Exception {
        image("zebra", "b.png", 4, 4, 0x000000);
        image("zebra", "a.png", 4, 4, 0xffffff);
        image("ant", "x.png", 4, 4, 0x808080);
        Files.writeString(dir.resolve("zebra").resolve("notes.txt"), "not an image");
        ImageFolder f = new ImageFolder(dir, Shape.of(1, 1, 2, 2), null);
        assertEquals(List.of("ant", "zebra"), f.classes());
        assertEquals(3, f.size());
        assertEquals(0, f.get(0).label());
        assertEquals(1, f.get(1).label());
        assertTrue(f.get(1).source().endsWith("a.png"), f.get(1).source());
        assertEquals(1f, f.get(1).input().data()[0], "white is 255 * 1/255");
        assertEquals(128 / 255f, f.get(0).input().data()[0], "a grey pixel is its own luma");
    }

    @Test
    void meanAndStdApplyPerChannelInTheChosenChannelOrder() throws Exception {
        image("c", "p.png", 3, 3, 0xff0000); // pure red
        Files.writeString(dir.resolve("preprocess.json"),
                "{\"channelOrder\": \"bgr\", \"scale\": 1.0, \"mean\": [1, 2, 3], \"std\": [2, 2, 4]}");
        float[] px = new ImageFolder(dir, Shape.of(1, 3, 3, 3), null).get(0).input().data();
        assertEquals((0 - 1) / 2f, px[0], "channel 0 holds blue (bgr): (0 - 1) / 2");
        assertEquals((0 - 2) / 2f, px[9]);
        assertEquals((255 - 3) / 4f, px[18], "channel 2 holds red: (255 - 3) / 4");
    }

    @Test
    void shorterSideResizeThenCentreCropKeepsTheMiddle() throws Exception {
        // 12 x 4 image: left third black, middle white, right third black. Shorter side 4 -> 4
        // (no scaling), centre crop 4 x 4 = the white middle.
        BufferedImage img = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 4; x < 8; x++) {
                img.setRGB(x, y, 0xffffff);
            }
        }
        Files.createDirectories(dir.resolve("c"));
        ImageIO.write(img, "png", dir.resolve("c").resolve("wide.png").toFile());
        Preprocessing crop = preprocessing("{\"resize\": \"shorter-side\"}");
        float[] px = new ImageFolder(dir, Shape.of(1, 1, 4, 4), crop).get(0).input().data();
        for (float v : px) {
            assertEquals(1f, v, 1e-6);
        }
        float[] stretched = new ImageFolder(dir, Shape.of(1, 1, 4, 4), Preprocessing.DEFAULT).get(0).input().data();
        assertTrue(stretched[0] < 0.5f, "stretching keeps the black left edge");
    }

    @Test
    void badPreprocessingAndEmptyFoldersAreClearErrors() throws Exception {
        Files.createDirectories(dir.resolve("empty-class"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> new ImageFolder(dir, Shape.of(1, 1, 2, 2), null));
        assertTrue(e.getMessage().contains("holds no images"), e.getMessage());
        image("c", "p.png", 2, 2, 0);
        Files.writeString(dir.resolve("preprocess.json"), "{\"mean\": [0.5], \"colour\": \"rgb\"}");
        e = assertThrows(BadInputException.class, () -> new ImageFolder(dir, Shape.of(1, 1, 2, 2), null));
        assertTrue(e.getMessage().contains("preprocess.json") && e.getMessage().contains("colour"), e.getMessage());
        Files.writeString(dir.resolve("preprocess.json"), "{\"classes\": [\"c\", \"missing\"]}");
        e = assertThrows(BadInputException.class, () -> new ImageFolder(dir, Shape.of(1, 1, 2, 2), null));
        assertTrue(e.getMessage().contains("'missing'"), e.getMessage());
        Files.writeString(dir.resolve("preprocess.json"), "{\"std\": [0]}");
        e = assertThrows(BadInputException.class, () -> new ImageFolder(dir, Shape.of(1, 1, 2, 2), null));
        assertTrue(e.getMessage().contains("std"), e.getMessage());
        Files.writeString(dir.resolve("c").resolve("broken.png"), "no png");
        Files.delete(dir.resolve("preprocess.json"));
        ImageFolder f = new ImageFolder(dir, Shape.of(1, 1, 2, 2), null);
        e = assertThrows(BadInputException.class, () -> f.get(0));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
    }

    /** Writes a preprocessing file and loads it. */
    private Preprocessing preprocessing(String json) throws Exception {
        Path p = dir.resolve("pre.json");
        Files.writeString(p, json);
        return Preprocessing.load(p);
    }
}
