package io.cnv2.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.models.ShippedModels;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL user's path (issue 19): examples/djl-standalone, a project with its own pom.xml whose one
 * dependency is io.cnv2:cnv2-djl, is copied to a temporary folder, built with {@code mvn} against the
 * artifacts {@code mvn install} put in the local repository, and run with plain {@code java -jar}
 * (no --add-modules, no DJL settings in the environment) on the shipped model and on a third-party
 * ONNX file it has never seen, with no calibration beside it. Standard error stays empty.
 *
 * <p>Needs the artifacts of this build installed: under {@code mvn install} (the README's test
 * command) the reactor installs cnv2-djl before this module's tests run. Under {@code mvn verify}
 * with older installed jars the test is skipped, unless CNV2_REQUIRE_MODELS is set (CI).
 */
class DjlStandaloneExampleTest {
    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final Path ROOT = Path.of(System.getProperty("cnv2.repo.root", "..")).toAbsolutePath().normalize();
    private static Path project;

    @TempDir
    static Path dir;

    @BeforeAll
    static void buildTheExampleAsAUserWould() throws Exception {
        Path repo = Path.of(System.getProperty("cnv2.localRepository", System.getProperty("user.home") + "/.m2/repository"));
        for (String module : List.of("djl-cnv2-engine", "onnx-importer", "cnv2-djl")) {
            Path built = ROOT.resolve(module).resolve("target").resolve(module + "-" + VERSION + ".jar");
            Path installed = repo.resolve("io/cnv2").resolve(module).resolve(VERSION).resolve(module + "-" + VERSION + ".jar");
            boolean current = Files.isRegularFile(built) && Files.isRegularFile(installed)
                    && Arrays.equals(Files.readAllBytes(built), Files.readAllBytes(installed));
            if (!current) {
                String why = installed + " is not this build's " + module + " jar: run `mvn -B install` (the README's test command)";
                if (System.getenv("CNV2_REQUIRE_MODELS") != null) {
                    fail(why);
                }
                Assumptions.abort(why);
            }
        }
        project = dir.resolve("classify-on-cnv2");
        Path source = ROOT.resolve("examples/djl-standalone");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !source.relativize(f).startsWith("target")).toList()) {
                Path to = project.resolve(source.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "package", "-Dmaven.repo.local=" + repo));
        if ("offline=true".equals(System.getProperty("cnv2.mavenOffline"))) { // the outer build ran with -o
            mvn.add("-o");
        }
        Result built = run(project, mvn, 600);
        assertEquals(0, built.exit, () -> "mvn package of the standalone example failed:\n" + built.out + built.err);
        assertTrue(Files.isRegularFile(project.resolve("target/classify-on-cnv2.jar")));
    }

    @Test
    void theShippedModelClassifiesWithPlainJavaAndNothingOnStandardError() throws Exception {
        Path models = dir.resolve("shipped");
        Files.createDirectories(models);
        for (String f : List.of("fashion_cnn.onnx", "fashion_cnn.calibration.json", "labels.txt")) {
            Files.copy(ShippedModels.fashionMnistDir().resolve(f), models.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Sample s = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(1).get(0);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 28 * 28; i++) {
            img.getRaster().setSample(i % 28, i / 28, 0, Math.round(s.input().data()[i] * 255));
        }
        Path png = dir.resolve("image0.png");
        ImageIO.write(img, "png", png.toFile());
        String label = Files.readAllLines(models.resolve("labels.txt")).get(s.label());

        Result r = example(models.resolve("fashion_cnn.onnx"), png);
        assertEquals(0, r.exit, r.err);
        assertEquals("", r.err, "standard error must stay empty");
        String top = r.out.lines().filter(l -> l.startsWith("[")).findFirst().orElseThrow(() -> new AssertionError(r.out));
        assertTrue(top.contains("\"className\": \"" + label + "\""), () -> "top-3 should lead with " + label + ": " + r.out);
        assertTrue(top.indexOf(label) < top.indexOf("className", top.indexOf("className") + 1), r.out);
        assertTrue(r.out.contains("/conv1/Conv") && r.out.contains("/fc2/Gemm") && r.out.contains("over DaDianNao"), r.out);
        // without the Vector API module the engine says so once, at load, naming the flag
        assertEquals(1, r.out.lines().filter(l -> l.contains("--add-modules jdk.incubator.vector")).count(), r.out);
    }

    @Test
    void anUnseenThirdPartyOnnxClassifierRunsWithoutCalibration() throws Exception {
        Path cls = ROOT.resolve("models/paddleocr/.cache/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            Assumptions.assumeTrue(Files.exists(cls), "run models/paddleocr/fetch.sh first");
        }
        Path alone = dir.resolve("unseen");
        Files.createDirectories(alone);
        Path model = Files.copy(cls, alone.resolve("direction.onnx"), StandardCopyOption.REPLACE_EXISTING);
        BufferedImage img = new BufferedImage(240, 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(240, 236, 228));
        g.fillRect(0, 0, 240, 60);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 34));
        g.drawString("Cnvlutin2", 12, 44);
        g.dispose();
        Path png = dir.resolve("line.png");
        ImageIO.write(img, "png", png.toFile());

        Result r = example(model, png, "x=1,3,48,192");
        assertEquals(0, r.exit, r.err);
        assertEquals("", r.err, "standard error must stay empty");
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("[") && l.contains("\"className\": \"0\"")
                && l.contains("\"className\": \"1\"")), r.out);
        assertTrue(r.out.contains("over DaDianNao"), r.out);
        // no calibration beside it: the formats are profiled on the image given, and said so once
        assertEquals(1, r.out.lines().filter(l -> l.contains("fixed-point formats profiled on")).count(), r.out);
    }

    private static Result example(Path model, Path image, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", project.resolve("target/classify-on-cnv2.jar").toString(), model.toString(), image.toString()));
        cmd.addAll(List.of(more));
        return run(dir, cmd, 300);
    }

    private record Result(int exit, String out, String err) {
    }

    /** Runs a command as a user's shell would: no DJL settings in its environment. */
    private static Result run(Path cwd, List<String> cmd, int seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        Map<String, String> env = pb.environment();
        env.remove("DJL_OFFLINE");
        env.remove("OPT_OUT_TRACKING");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + seconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
