package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PP-OCRv4 text detector and recogniser through the command line on text rendered with java.awt,
 * with their conv, transposed-conv and fully connected layers emulated: they run on DaDianNao and on
 * Cnvlutin, and Cnvlutin at threshold 0 gives DaDianNao's bits on every tensor (CNV2-MODEL.md section 2
 * rule 7). Skipped without the fetched models unless CNV2_REQUIRE_MODELS is set.
 */
class PaddleOcrCliTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;

    @TempDir
    Path dir;

    private static Path model(String file) {
        Path p = Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/paddleocr/.cache").resolve(file);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            Assumptions.assumeTrue(Files.exists(p), "run models/paddleocr/fetch.sh first");
        }
        return p;
    }

    private Path textImage(String text, int w, int h, int size) throws Exception {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(240, 236, 228));
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(25, 25, 45));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
        g.drawString(text, 4, h / 2 + size / 3);
        g.dispose();
        Path file = dir.resolve(text.replaceAll("\\W", "_") + ".png");
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** Runs the CLI on one architecture and returns its JSON report. */
    private JsonNode run(Path model, String shape, Path image, String norm, String arch) throws Exception {
        Path json = dir.resolve(arch + ".json");
        CliTest.Outcome o = CliTest.cli("run", "--model", model.toString(), "--input-shape", shape, "--normalize",
                norm, "--input", image.toString(), "--arch", arch, "--timing", "ideal", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("total"), o.out());
        return Json.MAPPER.readTree(json.toFile());
    }

    private static long cycles(JsonNode report, String op) {
        long c = 0;
        for (JsonNode l : report.get("layers")) {
            if (op == null || l.get("op").asText().equals(op)) {
                c += l.get("cyclesTotal").asLong();
            }
        }
        return c;
    }

    @Test
    void detectorRunsOnDadianNaoAndCnvlutinThroughTheCli() throws Exception {
        Path model = model("ch_PP-OCRv4_det_infer.onnx");
        Path image = textImage("Cnvlutin2 text", 160, 96, 26);
        JsonNode dadn = run(model, "x=1,3,96,160", image, "0.45,0.226", "dadn");
        JsonNode cnv = run(model, "x=1,3,96,160", image, "0.45,0.226", "cnv");
        long tDadn = cycles(dadn, "ConvTranspose");
        long tCnv = cycles(cnv, "ConvTranspose");
        assertTrue(tDadn > 0 && tCnv > 0, "ConvTranspose runs on the accelerator");
        for (JsonNode l : cnv.get("layers")) {
            if (l.get("op").asText().equals("ConvTranspose")) {
                // at least 3 of every 4 activations of the stride-2 zero-inserted input are inserted zeros,
                // which the lanes see as ineffectual (whether skipping them pays is the lanes' balance: reported)
                assertTrue(l.get("effectualFraction").asDouble() <= 0.25, l.toString());
                assertTrue(l.get("idealSpeedup").asDouble() >= 4, l.toString());
            }
        }
        assertTrue(cycles(cnv, null) < cycles(dadn, null), "CNV saves cycles over the network");
        System.out.printf("PP-OCRv4 detector 96x160: DaDN %d cycles, CNV %d (ConvTranspose %d -> %d)%n",
                cycles(dadn, null), cycles(cnv, null), tDadn, tCnv);
    }

    @Test
    void recogniserRunsOnDadianNaoAndCnvlutinThroughTheCli() throws Exception {
        Path model = model("ch_PP-OCRv4_rec_infer.onnx");
        Path image = textImage("Cnvlutin2", 192, 48, 30);
        JsonNode dadn = run(model, "x=1,3,48,192", image, "0.5,0.5", "dadn");
        JsonNode cnv = run(model, "x=1,3,48,192", image, "0.5,0.5", "cnv");
        assertTrue(cycles(dadn, "Dense") > 0, "the transformer's linear layers run on the accelerator");
        assertTrue(cycles(cnv, null) <= cycles(dadn, null), "CNV never slower over the network here");
        System.out.printf("PP-OCRv4 recogniser 48x192: DaDN %d cycles, CNV %d%n", cycles(dadn, null),
                cycles(cnv, null));
    }

    @Test
    void cnvAtThresholdZeroEqualsDadianNaoOnEveryTensorOfDetectorAndRecogniser() throws Exception {
        check(model("ch_PP-OCRv4_det_infer.onnx"), Shape.of(1, 3, 96, 160), 0.45f, 0.226f, "PaddleOCR det");
        check(model("ch_PP-OCRv4_rec_infer.onnx"), Shape.of(1, 3, 48, 192), 0.5f, 0.5f, "rec 2017");
    }

    private void check(Path model, Shape shape, float mean, float std, String text) throws Exception {
        Network net = ModelLoader.load(model, new ImportOptions(Map.of("x", shape)));
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int size : new int[] {shape.dim(2) / 2, shape.dim(2) / 3}) {
            BufferedImage img = ImageIO.read(textImage(text + size, shape.dim(3), shape.dim(2), size).toFile());
            float[] d = new float[shape.size()];
            int h = shape.dim(2);
            int w = shape.dim(3);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        d[(c * h + y) * w + x] = (((rgb >> (16 - 8 * c)) & 255) / 255f - mean) / std;
                    }
                }
            }
            inputs.add(Map.of("x", new Tensor(shape, d)));
        }
        Calibration cal = Calibrator.profile(net, inputs, "test");
        FixedExecutor dense = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT, M), 48);
        FixedExecutor cnv = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT.withArch("cnv"), M), 48);
        for (Map<String, Tensor> x : inputs) {
            FixedExecutor.Result d = dense.run(x, true);
            FixedExecutor.Result c = cnv.run(x, true);
            assertEquals(d.tensors().keySet(), c.tensors().keySet());
            for (String t : d.tensors().keySet()) {
                assertEquals(d.tensors().get(t), c.tensors().get(t), model.getFileName() + " tensor " + t);
            }
        }
        System.out.printf("%s: CNV at threshold 0 = DaDN on %d tensors x %d inputs%n", model.getFileName(),
                net.nodes().size(), inputs.size());
    }
}
