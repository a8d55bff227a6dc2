package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML reports of run, accuracy, sweep and compare, opened in headless Chromium (Debian's
 * {@code chromium}, installed by .ci/run): after the page's scripts ran, every chart canvas is
 * marked drawn and no error shows (DOM), and a screenshot holds the bars and curves in the
 * report's colours (pixels). Skipped without Chromium, except in CI (CNV2_REQUIRE_MODELS), where
 * a missing browser fails.
 */
class HtmlReportBrowserTest {
    @TempDir
    Path dir;

    private static Path chromium() {
        for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    private void cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
    }

    @Test
    void everyReportOpensOfflineInHeadlessChromiumWithItsChartsDrawn() throws Exception {
        Path browser = chromium();
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(browser != null, "install Debian's chromium to run this test");
        }
        assertTrue(browser != null, "CI must have chromium (.ci/run installs it)");
        List<Path> pages = new ArrayList<>();
        pages.add(report("run", "--arch", "cnv", "--limit", "30"));
        pages.add(report("accuracy", "--arch", "cnv", "--threshold", "0.2", "--limit", "30"));
        pages.add(report("compare", "--limit", "10", "--prune", "0.5"));
        pages.add(report("characterize", "--limit", "10"));
        pages.add(report("characterize", "--panned", "8"));
        pages.add(report("sweep", "--mode", "grid", "--arch", "cnv", "--grid", "0,0.2,0.5", "--limit", "30",
                "--checkpoint", dir.resolve("grid.jsonl").toString()));
        pages.add(report("sweep", "--arch", "cnv", "--grid", "0,0.3", "--limit", "30", "--validation", "20",
                "--checkpoint", dir.resolve("search.jsonl").toString()));
        for (Path page : pages) {
            String html = Files.readString(page, StandardCharsets.UTF_8);
            assertFalse(html.contains("http://") || html.contains("https://") && html.contains("<script src"),
                    "self-contained: no external script: " + page);
            int canvases = count(html, "<canvas ");
            assertTrue(canvases >= 1, page + " has charts");
            String dom = run(browser, "--dump-dom", page.toUri().toString());
            Matcher m = Pattern.compile("data-charts-rendered=\"(\\d+)\"").matcher(dom);
            assertTrue(m.find(), "the drawing script ran: " + page);
            assertEquals(canvases, Integer.parseInt(m.group(1)), "every chart drawn: " + page);
            assertEquals(canvases, count(dom, "data-rendered=\"true\""), page.toString());
            assertTrue(dom.contains("id=\"chart-error\" hidden"), "no chart error shown: " + page);
            Path png = dir.resolve(page.getFileName() + ".png");
            run(browser, "--window-size=1200,1600", "--hide-scrollbars", "--screenshot=" + png, page.toUri().toString());
            BufferedImage shot = ImageIO.read(png.toFile());
            long blue = 0;
            long orange = 0;
            for (int y = 0; y < shot.getHeight(); y++) {
                for (int x = 0; x < shot.getWidth(); x++) {
                    int rgb = shot.getRGB(x, y) & 0xffffff;
                    blue += near(rgb, 0x4e79a7) ? 1 : 0;
                    orange += near(rgb, 0xf28e2b) ? 1 : 0;
                }
            }
            // the first series of every chart is blue: bars or a curve's line and points
            assertTrue(blue > 300, page + ": chart pixels in the first series' colour: " + blue);
            if (!page.getFileName().toString().startsWith("sweep") && !page.getFileName().toString().startsWith("compare")) {
                assertTrue(orange > 100, page + ": a second series is drawn too: " + orange);
            }
        }
    }

    private Path report(String command, String... args) {
        Path page = dir.resolve(command + "-" + dir.toFile().list().length + ".html");
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(List.of("--no-progress", "--report", page.toString()));
        cli(all.toArray(String[]::new));
        assertTrue(Files.isRegularFile(page), command + " wrote its report");
        return page;
    }

    private String run(Path browser, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, p.exitValue(), "chromium " + cmd);
        return new String(out, StandardCharsets.UTF_8);
    }

    private static boolean near(int rgb, int colour) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs((rgb >> shift & 0xff) - (colour >> shift & 0xff)) > 12) {
                return false;
            }
        }
        return true;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
