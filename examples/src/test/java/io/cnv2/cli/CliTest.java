package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.models.ShippedModels;
import java.io.DataOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user meets it: the default run, and every kind of bad input giving a
 * one-line error, exit code 2, no stack trace and no output file.
 */
class CliTest {
    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    static Outcome cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    void assertUserError(Outcome o, String... mustMention) {
        assertEquals(2, o.code(), "exit code; stderr: " + o.err());
        String first = o.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("cnv2: error: "), o.err());
        for (String m : mustMention) {
            assertTrue(first.contains(m), "error should mention '" + m + "': " + first);
        }
        assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        assertFalse(Files.exists(dir.resolve("out.json")), "no output written");
    }

    @Test
    void defaultRunPrintsTheLayerTableAndWritesJson() throws Exception {
        Path json = dir.resolve("out.json");
        Outcome o = cli("run", "--limit", "40", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("layer") && o.out().contains("cycles/img") && o.out().contains("total"), o.out());
        assertTrue(o.out().contains("top-1 on 40 labelled images"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(40, r.get("images").asInt());
        JsonNode conv = null;
        for (JsonNode l : r.get("layers")) {
            assertTrue(l.has("name") && l.has("op") && l.has("macsPerImage") && l.has("cyclesTotal"));
            if (l.get("op").asText().equals("Conv") && conv == null) {
                conv = l;
            }
        }
        assertTrue(conv != null && conv.get("cyclesTotal").asLong() > 0);
        assertTrue(r.get("totals").get("cyclesTotal").asLong() > 0);
        assertEquals("cnv2", r.get("run").get("arch").asText()); // the default design (issue 21)
        assertEquals(16, r.get("machine").get("tiles").asInt());
        assertEquals(40, r.get("predictions").size());
        assertTrue(o.out().contains("... and 30 more"), o.out());
    }

    @Test
    void cnvRunReportsSkippingStatistics() throws Exception {
        Path json = dir.resolve("cnv.json");
        Path th = dir.resolve("th.json");
        Files.writeString(th, "{\"/fc1/Gemm\": 0.5}");
        Outcome o = cli("run", "--arch", "cnv", "--limit", "20", "--threshold", "0.1", "--thresholds", th.toString(),
                "--dense", "/conv1/Conv", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("speedup over DaDianNao"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals("cnv", r.get("run").get("arch").asText());
        for (JsonNode l : r.get("layers")) {
            if (l.get("name").asText().equals("/conv1/Conv")) {
                assertEquals(l.get("baselineCyclesTotal").asLong(), l.get("cyclesTotal").asLong(), "dense layer");
            }
            if (l.get("name").asText().equals("/fc1/Gemm")) {
                assertEquals(0.5, l.get("threshold").asDouble());
                assertTrue(l.get("thresholdedFraction").asDouble() > 0);
            }
            if (l.get("name").asText().equals("/conv2/Conv")) {
                assertEquals(0.1, l.get("threshold").asDouble());
            }
        }
        assertTrue(r.get("totals").get("idealSpeedup").asDouble() >= r.get("totals").get("speedup").asDouble());
    }

    @Test
    void shippedLstmRunsOnTheSampleWithCnv() throws Exception {
        // the LSTM takes the sample's [1, 1, 28, 28] images and reshapes them to 28 rows inside the graph
        Path json = dir.resolve("lstm.json");
        Outcome o = cli("run", "--model", io.cnv2.models.ShippedModels.fashionMnistLstmOnnx().toString(), "--dataset",
                "fashion-mnist-sample", "--arch", "cnv", "--limit", "20", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("top-1 on 20 labelled images") && o.out().contains("speedup over DaDianNao"),
                o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        int gateLayers = 0;
        for (JsonNode l : r.get("layers")) {
            if (l.get("name").asText().matches(".*/t\\d+/(Wx|Rh)")) {
                assertEquals("Dense", l.get("op").asText());
                assertTrue(l.get("cyclesTotal").asLong() > 0, l.toString());
                gateLayers++;
            }
        }
        assertEquals(28 + 27, gateLayers, "W x_t and R h_(t-1) of every step on the accelerator");
    }

    @Test
    void thresholdForALayerTheModelLacks() throws Exception {
        Path th = dir.resolve("th.json");
        Files.writeString(th, "{\"conv9\": 0.5}");
        assertUserError(cli("run", "--arch", "cnv", "--thresholds", th.toString(), "--json",
                dir.resolve("out.json").toString()), "conv9", "/conv1/Conv");
    }

    @Test
    void negativeThreshold() {
        assertUserError(cli("run", "--arch", "cnv", "--threshold", "-1", "--json", dir.resolve("out.json").toString()),
                "threshold", "-1");
    }

    @Test
    void missingModelFile() {
        assertUserError(cli("run", "--model", dir.resolve("nope.onnx").toString(), "--json",
                dir.resolve("out.json").toString()), "nope.onnx", "does not exist");
    }

    @Test
    void fileThatIsNotOnnx() throws Exception {
        Path f = dir.resolve("notes.onnx");
        Files.writeString(f, "this is not a model\n");
        assertUserError(cli("run", "--model", f.toString(), "--json", dir.resolve("out.json").toString()),
                "notes.onnx");
    }

    @Test
    void truncatedOnnxFile() throws Exception {
        byte[] all = Files.readAllBytes(ShippedModels.fashionMnistOnnx());
        Path f = dir.resolve("half.onnx");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        assertUserError(cli("run", "--model", f.toString(), "--json", dir.resolve("out.json").toString()),
                "half.onnx");
    }

    @Test
    void inputOfTheWrongShape() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(data.resolve("t10k-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(1);
            out.writeInt(32);
            out.writeInt(32);
            out.write(new byte[32 * 32]);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(data.resolve("t10k-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(1);
            out.writeByte(3);
        }
        assertUserError(cli("run", "--dataset", data.toString(), "--json", dir.resolve("out.json").toString()),
                "expects shape", "[1, 1, 28, 28]");
    }

    /** The shipped model with its first ReLU replaced by op {@code op}. */
    private Path withFirstReluAs(String op, String file) throws Exception {
        var model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(ShippedModels.fashionMnistOnnx()));
        var graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Relu")) {
                graph.setNode(i, graph.getNode(i).toBuilder().setOpType(op).setName("odd_one"));
                break;
            }
        }
        Path f = dir.resolve(file);
        Files.write(f, model.toBuilder().setGraph(graph).build().toByteArray());
        return f;
    }

    @Test
    void anOpCnv2DoesNotModelRunsOnTheHostInFloat() throws Exception {
        Path json = dir.resolve("erf.json");
        Outcome o = cli("run", "--model", withFirstReluAs("Erf", "erf.onnx").toString(), "--limit", "20",
                "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        String row = o.out().lines().filter(l -> l.contains("odd_one")).findFirst().orElse("");
        assertTrue(row.contains("host-float") && row.contains("Erf"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertTrue(r.get("hostFloatLayers").toString().contains("odd_one"), r.toString());
    }

    private static Path export(String name) {
        return Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/exports/" + name);
    }

    @Test
    void checkComparesEveryOutputAndTensorWithOnnxRuntime() throws Exception {
        Path json = dir.resolve("check.json");
        Outcome o = cli("check", "--model", export("tiny_vit.onnx").toString(), "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("against ONNX Runtime") && o.out().contains("host-float"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        JsonNode out = r.get("outputs").get(0);
        assertEquals("logits", out.get("name").asText());
        assertTrue(out.get("maxRelativeError").asDouble() < 1e-4, out.toString());
        assertTrue(out.get("fixedPointRelativeError").asDouble() < 1e-2, out.toString());
        assertTrue(r.get("tensors").size() > 50, "intermediate tensors compared");
        for (JsonNode t : r.get("tensors")) {
            assertTrue(t.has("name") && t.has("placement") && t.has("maxRelativeError"), t.toString());
        }
    }

    @Test
    void inputTensorsFeedANonImageModelAndEveryInputNeedsOne() throws Exception {
        // 3 stacked samples of a [1, 40, 100] mel spectrogram, written as NumPy float64
        int per = 40 * 100;
        float[] v = new float[3 * per];
        java.util.Random r = new java.util.Random(4);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        Path mel = dir.resolve("mel.npy");
        Files.write(mel, io.cnv2.trace.Npy.encode(new io.cnv2.trace.Npy.Array(new int[] {3, 1, 40, 100}, v)));
        Path json = dir.resolve("mel.json");
        Outcome o = cli("run", "--model", export("conv1d_audio.onnx").toString(), "--input-tensor", "mel=" + mel,
                "--arch", "cnv2", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode rep = Json.MAPPER.readTree(json.toFile());
        assertEquals(3, rep.get("images").asInt());
        assertEquals(3, rep.get("outputs").get(0).get("compared").asInt());
        assertTrue(o.out().contains("16-bit vs float"), o.out());
        // a model with inputs besides the first: each needs a value, all named in one line
        assertUserError(cli("run", "--model", export("misc_ops.onnx").toString(), "--input-tensor", "nope=" + mel,
                "--json", dir.resolve("out.json").toString()), "nope");
    }

    @Test
    void anOpOnnxRuntimeRefusesIsAUserErrorNamingTheFileAndOp() throws Exception {
        assertUserError(cli("run", "--model", withFirstReluAs("NoSuchOp", "bad.onnx").toString(), "--json",
                dir.resolve("out.json").toString()), "bad.onnx", "NoSuchOp", "'odd_one'");
    }

    @Test
    void malformedConfig() throws Exception {
        Path c = dir.resolve("cfg.json");
        Files.writeString(c, "{\"machine\": {\"tiles\": \"many\"}}");
        assertUserError(cli("run", "--config", c.toString(), "--json", dir.resolve("out.json").toString()),
                "cfg.json", "tiles");
    }

    @Test
    void everySubcommandIsRegisteredUnderItsOwnNameAndListedInHelp() {
        // Main registers only the subcommand a run names; the names it keys them by must be theirs
        for (var e : Main.SUBCOMMANDS.entrySet()) {
            assertEquals(e.getKey(), new picocli.CommandLine(e.getValue().get()).getCommandName());
        }
        Outcome help = cli("--help");
        assertEquals(0, help.code(), help.err());
        for (String name : Main.SUBCOMMANDS.keySet()) {
            assertTrue(help.out().contains("  " + name + " "), name + " missing from: " + help.out());
        }
        assertUserError(cli("acuracy"), "acuracy");
    }

    @Test
    void unknownOption() {
        assertUserError(cli("run", "--frobnicate"), "frobnicate");
    }

    @Test
    void cnv2RunWithPrunedWeightsSkipsThemAndReportsItsSettings() throws Exception {
        Path json = dir.resolve("out.json");
        Outcome plain = cli("run", "--arch", "cnv2", "--limit", "20", "--prune", "0.6", "--weight-skip", "none",
                "--json", json.toString());
        assertEquals(0, plain.code(), plain.err());
        long plainCycles = Json.MAPPER.readTree(json.toFile()).get("totals").get("cyclesTotal").asLong();
        Outcome o = cli("run", "--arch", "cnv2", "--limit", "20", "--prune", "0.6", "--weight-skip", "filter-lanes",
                "--encoding", "compressed-zfnaf", "--detect", "output", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("compressed-zfnaf") && o.out().contains("pruned to 60% zeros"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals("filter-lanes", r.get("run").get("weightSkip").asText());
        assertEquals(0.6, r.get("run").get("prune").asDouble());
        assertTrue(r.get("totals").get("cyclesTotal").asLong() < plainCycles, "skipping pruned weights saves cycles");
        Files.delete(json);
        // Bit-Tactical's schedule is timed as DNNsim times it: refused under the default isca2016 profile, by name
        assertUserError(cli("run", "--arch", "cnv2", "--limit", "20", "--weight-skip", "lookahead", "--json",
                json.toString()), "--timing ideal");
        o = cli("run", "--arch", "cnv2", "--limit", "20", "--prune", "0.6", "--weight-skip", "lookahead",
                "--timing", "ideal", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals("lookahead(2,5,T)", Json.MAPPER.readTree(json.toFile()).get("run").get("weightSkip").asText());
        Files.delete(json);
        assertUserError(cli("run", "--arch", "cnv2", "--weight-skip", "lookahead(0,5)", "--json", json.toString()),
                "weightSkip");
    }

    @Test
    void compareRunsEveryVariantOnTheSameImagesAndFormats() throws Exception {
        Path json = dir.resolve("out.json");
        Outcome o = cli("compare", "--limit", "20", "--prune", "0.5", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(11, r.size(), o.out());
        for (String enc : List.of("raw", "zfnaf", "roe", "viai", "compressed-viai", "compressed-zfnaf")) {
            assertTrue(o.out().contains("cnv2 " + enc + ","), "every encoding of section 5 is compared: " + enc);
        }
        assertEquals("isca2016", reportOf(r, "dadn").get("run").get("timing").asText(), "the JSON names the profile");
        assertEquals("ideal", reportOf(r, "cnv2 compressed-zfnaf, at output, skip weights lookahead(2,5,T) [ideal: "
                + "DNNsim's timing]").get("run").get("timing").asText(),
                "lookahead runs under DNNsim's timing and says so");
        long dadn = reportOf(r, "dadn").get("totals").get("cyclesTotal").asLong();
        JsonNode cnv = reportOf(r, "cnv (zfnaf)").get("totals");
        JsonNode same = reportOf(r, "cnv2 zfnaf, at output, skip weights none").get("totals");
        JsonNode skip = reportOf(r, "cnv2 compressed-zfnaf, at output, skip weights filter-lanes").get("totals");
        assertEquals(cnv.get("cyclesTotal").asLong(), same.get("cyclesTotal").asLong(),
                "cnv2 with CNV's settings is CNV");
        assertEquals(cnv.get("nmBitsReadTotal").asLong(), same.get("nmBitsReadTotal").asLong());
        // under isca2016 CNV loses on this model (conv1 has one channel: 15 of 16 lanes own zero channels,
        // section 4a), so only weight skipping is asked to save cycles here; the ideal profile below
        assertTrue(skip.get("cyclesTotal").asLong() < cnv.get("cyclesTotal").asLong(), o.out());
        assertTrue(dadn > 0);
        assertTrue(skip.get("nmBitsReadTotal").asLong() < cnv.get("nmBitsReadTotal").asLong(),
                "compressed ZFNAf reads less");
        assertTrue(skip.get("energyPicojoulesTotal").asDouble() < cnv.get("energyPicojoulesTotal").asDouble());
        for (JsonNode v : r) {
            assertEquals(20, v.get("report").get("images").asInt());
            assertEquals(reportOf(r, "dadn").get("accuracy").get("fixedTop1").asDouble(),
                    v.get("report").get("accuracy").get("fixedTop1").asDouble(), "the same outputs whatever skips");
        }
    }

    @Test
    void compareCanPutTimingProfilesSideBySide() throws Exception {
        Path json = dir.resolve("profiles.json");
        Outcome o = cli("compare", "--limit", "5", "--timings", "isca2016,ideal", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(21, r.size(), o.out());
        JsonNode isca = reportOf(r, "cnv (zfnaf) [isca2016]");
        JsonNode ideal = reportOf(r, "cnv (zfnaf) [ideal]");
        assertEquals("isca2016", isca.get("run").get("timing").asText());
        assertEquals("ideal", ideal.get("run").get("timing").asText());
        assertTrue(isca.get("totals").get("cyclesTotal").asLong() > ideal.get("totals").get("cyclesTotal").asLong(),
                "the authors' design pays overheads the ideal profile does not");
        assertTrue(reportOf(r, "dadn [isca2016]").get("totals").get("cyclesTotal").asLong()
                > reportOf(r, "dadn [ideal]").get("totals").get("cyclesTotal").asLong());
        assertUserError(cli("compare", "--limit", "5", "--timings", "isca2016,fast"), "--timings");
    }

    /** The run report of the compare.json record labelled {@code label}. */
    static JsonNode reportOf(JsonNode variants, String label) {
        for (JsonNode v : variants) {
            if (v.get("label").asText().equals(label)) {
                return v.get("report");
            }
        }
        throw new AssertionError("no variant labelled '" + label + "' in " + variants.findValuesAsText("label"));
    }

    @Test
    void compareJsonIsAListOfStructuredVariants() throws Exception {
        Path json = dir.resolve("variants.json");
        Outcome o = cli("compare", "--limit", "3", "--prune", "0.5", "--threshold", "0.1", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertTrue(r.isArray(), "a list of variant records, not an object keyed by display strings");
        Set<String> how = new HashSet<>();
        for (JsonNode v : r) {
            List<String> keys = new ArrayList<>();
            v.fieldNames().forEachRemaining(keys::add);
            boolean dadn = v.get("arch").asText().equals("dadn");
            assertEquals(dadn ? List.of("arch", "encoding", "detection", "weightSkip", "timing", "prune", "pruneScope",
                    "label", "report") : List.of("arch", "encoding", "detection", "weightSkip", "timing", "threshold",
                    "prune", "pruneScope", "label", "report"), keys, "DaDianNao skips nothing, so has no threshold");
            JsonNode run = v.get("report").get("run");
            assertEquals(run.get("arch").asText(), v.get("arch").asText());
            assertEquals(run.get("timing").asText(), v.get("timing").asText());
            assertEquals(0.5, v.get("prune").asDouble());
            assertEquals("layer", v.get("pruneScope").asText());
            assertEquals(3, v.get("report").get("images").asInt());
            assertTrue(v.get("report").get("totals").get("cyclesTotal").asLong() > 0, v.get("label").asText());
            assertTrue(o.out().contains(v.get("label").asText()), "the label is the table's row: " + v.get("label"));
            if (!dadn) {
                assertEquals(0.1, v.get("threshold").asDouble());
            }
            if (v.get("arch").asText().equals("cnv2")) {
                assertEquals(run.get("encoding").asText(), v.get("encoding").asText());
                assertEquals(run.get("detect").asText(), v.get("detection").asText());
                assertEquals(run.get("weightSkip").asText(), v.get("weightSkip").asText());
            }
            assertTrue(how.add(v.get("arch").asText() + " " + v.get("encoding").asText() + " "
                    + v.get("detection").asText() + " " + v.get("weightSkip").asText() + " "
                    + v.get("timing").asText()), "each variant once: " + v.get("label"));
        }
        assertEquals(11, how.size());
        assertTrue(how.containsAll(List.of("dadn raw none none isca2016", "cnv zfnaf output none isca2016",
                "cnv2 raw fetch filter-lanes isca2016", "cnv2 compressed-zfnaf output lookahead(2,5,T) ideal")),
                how.toString());
        // without a threshold or pruning the record says nothing of them
        o = cli("compare", "--limit", "1", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        for (JsonNode v : Json.MAPPER.readTree(json.toFile())) {
            assertFalse(v.has("threshold") || v.has("thresholds") || v.has("prune") || v.has("pruneScope"),
                    v.get("label").asText());
        }
    }

    @Test
    void everyCountComesPerImageAndTotalAndTheTotalIsPerImageTimesImages() throws Exception {
        Path json = dir.resolve("out.json");
        Outcome o = cli("run", "--arch", "cnv2", "--limit", "3", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        int images = r.get("images").asInt();
        assertEquals(3, images);
        List<JsonNode> records = new ArrayList<>();
        r.get("layers").forEach(records::add);
        records.add(r.get("totals"));
        boolean fractional = false;
        for (JsonNode rec : records) {
            for (String count : List.of("macs", "cycles", "baselineCycles", "sbBitsRead", "nmBitsRead", "nmBitsWritten",
                    "saturations", "effectualLaneCycles", "idleLaneCycles", "energyPicojoules", "footprintBits")) {
                assertFalse(rec.has(count), "no unsuffixed count: " + count);
                assertTrue(rec.has(count + "PerImage") && rec.has(count + "Total"), count + " in " + rec);
            }
            for (Iterator<String> it = rec.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (key.endsWith("Total")) {
                    String base = key.substring(0, key.length() - "Total".length());
                    double perImage = rec.get(base + "PerImage").asDouble();
                    double total = rec.get(key).asDouble();
                    assertEquals(total, perImage * images, 1e-9 * Math.max(1, Math.abs(total)), key + " in " + rec);
                    fractional |= perImage != Math.rint(perImage);
                } else if (key.endsWith("PerImage")) {
                    assertTrue(rec.has(key.replaceAll("PerImage$", "Total")), key + " has its total");
                }
            }
            assertEquals(rec.get("macsPerImage").asLong() * images, rec.get("macsTotal").asLong(), "MACs are exact");
        }
        assertTrue(fractional, "three images that differ: some per-image figure is not a whole number");
        for (String ratio : List.of("speedup", "idealSpeedup", "laneUtilisation", "footprintRelativeToRaw")) {
            assertTrue(r.get("totals").has(ratio), ratio);
        }
    }

    @Test
    void theCsvHasEveryPerLayerFieldOfTheJson() throws Exception {
        Path json = dir.resolve("out.json");
        Path csv = dir.resolve("layers.csv");
        Outcome o = cli("run", "--arch", "cnv", "--limit", "3", "--threshold", "0.1", "--json", json.toString(),
                "--csv", csv.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode layers = Json.MAPPER.readTree(json.toFile()).get("layers");
        List<String> lines = Files.readAllLines(csv);
        List<String> keys = new ArrayList<>();
        layers.get(0).fieldNames().forEachRemaining(keys::add);
        assertEquals(keys.stream().map(k -> k.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT))
                .toList(), csvCells(lines.get(0)), "the header is the JSON layer's keys in snake_case, in order");
        assertTrue(lines.get(0).contains("energy_picojoules_per_image")
                && lines.get(0).contains("footprint_bits_total"), lines.get(0));
        assertEquals(1 + layers.size(), lines.size());
        for (int i = 0; i < layers.size(); i++) {
            List<String> cells = csvCells(lines.get(1 + i));
            JsonNode l = layers.get(i);
            assertEquals(keys.size(), cells.size(), lines.get(1 + i));
            for (int k = 0; k < keys.size(); k++) {
                JsonNode v = l.get(keys.get(k));
                String cell = cells.get(k);
                if (v.isNull() || v.asText().equals("NaN")) { // Jackson writes NaN as the string "NaN"
                    assertEquals("", cell, keys.get(k));
                } else if (v.isNumber()) {
                    assertEquals(v.asDouble(), Double.parseDouble(cell), 0.0, keys.get(k) + " of " + l.get("name"));
                } else if (v.isArray()) {
                    assertEquals(v.toString().replace(",", ", "), cell, keys.get(k));
                } else {
                    assertEquals(v.asText(), cell, keys.get(k));
                }
            }
        }
    }

    /** One CSV line's cells ("..." quoting, "" for a quote). */
    static List<String> csvCells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                cell.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    @Test
    void aPrunedModelSavedAsOnnxReloadsWithTheWeightsAsRun() throws Exception {
        Path saved = dir.resolve("pruned.onnx");
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Outcome o = cli("run", "--arch", "cnv2", "--weight-skip", "filter-lanes", "--limit", "20", "--prune", "0.6",
                "--save-model", saved.toString(), "--save-calibration", dir.resolve("cal.json").toString(),
                "--json", a.toString());
        assertEquals(0, o.code(), o.err());
        io.cnv2.ir.Network original = io.cnv2.ir.Pruning.magnitude(
                io.cnv2.importer.ModelLoader.load(ShippedModels.fashionMnistOnnx()), 0.6);
        io.cnv2.ir.Network reloaded = io.cnv2.importer.ModelLoader.load(saved);
        for (io.cnv2.ir.Node n : original.acceleratorLayers()) {
            io.cnv2.ir.Op p = n.op();
            io.cnv2.ir.Op q = reloaded.node(n.name()).op();
            float[] wp = p instanceof io.cnv2.ir.Conv c ? c.weight().data() : ((io.cnv2.ir.Dense) p).weight().data();
            float[] wq = q instanceof io.cnv2.ir.Conv c ? c.weight().data() : ((io.cnv2.ir.Dense) q).weight().data();
            assertTrue(Arrays.equals(wp, wq), "weights of " + n.name());
        }
        o = cli("run", "--arch", "cnv2", "--weight-skip", "filter-lanes", "--limit", "20", "--model", saved.toString(),
                "--calibration", dir.resolve("cal.json").toString(), "--json", b.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(Json.MAPPER.readTree(a.toFile()).get("totals"), Json.MAPPER.readTree(b.toFile()).get("totals"),
                "the saved model runs exactly as the pruned one");
    }

    @Test
    void accuracyGivesTopOneAndTopFiveOfEveryPathOnTheSameImages() throws Exception {
        Path json = dir.resolve("out.json");
        Outcome o = cli("accuracy", "--arch", "cnv", "--threshold", "0.3", "--limit", "60", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(60, r.get("images").asInt());
        assertTrue(!r.get("denseReused").asBoolean(), "a threshold changes outputs: the dense pass runs");
        // the same images through run: dense top-1 is DaDN's, the accelerator's is CNV's at T = 0.3
        Path a = dir.resolve("a.json");
        assertEquals(0, cli("run", "--arch", "dadn", "--limit", "60", "--json", a.toString()).code());
        assertEquals(Json.MAPPER.readTree(a.toFile()).get("accuracy").get("fixedTop1").asDouble(),
                r.get("denseFixed").get("top1").asDouble(), 1e-12);
        assertEquals(Json.MAPPER.readTree(a.toFile()).get("accuracy").get("floatTop1").asDouble(),
                r.get("floatReference").get("top1").asDouble(), 1e-12);
        assertEquals(0, cli("run", "--arch", "cnv", "--threshold", "0.3", "--limit", "60", "--json", a.toString()).code());
        assertEquals(Json.MAPPER.readTree(a.toFile()).get("accuracy").get("fixedTop1").asDouble(),
                r.get("accelerator").get("top1").asDouble(), 1e-12);
        for (String path : new String[] {"floatReference", "denseFixed", "accelerator"}) {
            assertTrue(r.get(path).get("top5").asDouble() >= r.get(path).get("top1").asDouble(), path);
        }
        assertTrue(o.out().contains("top-5"), o.out());
        // without --json the accelerator is not timed (outputs by rule 7, issue 23): the same table
        Outcome plain = cli("accuracy", "--arch", "cnv", "--threshold", "0.3", "--limit", "60");
        assertEquals(0, plain.code(), plain.err());
        assertEquals(o.out().lines().filter(l -> l.contains("%")).toList(),
                plain.out().lines().filter(l -> l.contains("%")).toList());
    }

    @Test
    void sparkGivesTheAccuracyAndTheSweepOfThisMachine() throws Exception {
        String[] acc = {"accuracy", "--arch", "cnv", "--threshold", "0.3", "--limit", "60", "--no-progress"};
        Path here = dir.resolve("here.json");
        Path spark = dir.resolve("spark.json");
        assertEquals(0, cli(concat(acc, "--json", here.toString())).code());
        Outcome o = cli(concat(acc, "--json", spark.toString(), "--spark", "local[2]", "--spark-part-images", "16"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("on Spark"), o.out());
        JsonNode a = Json.MAPPER.readTree(here.toFile());
        JsonNode b = Json.MAPPER.readTree(spark.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) a).remove("seconds");
        ((com.fasterxml.jackson.databind.node.ObjectNode) b).remove("seconds");
        assertEquals(a.toPrettyString(), b.toPrettyString(), "every number, every per-layer statistic");

        String[] sweep = {"sweep", "--mode", "grid", "--arch", "cnv", "--limit", "60", "--grid", "0,0.3",
            "--no-progress"};
        assertEquals(0, cli(concat(sweep, "--checkpoint", dir.resolve("h.jsonl").toString(), "--json",
                here.toString())).code());
        o = cli(concat(sweep, "--checkpoint", dir.resolve("s.jsonl").toString(), "--json", spark.toString(),
                "--spark", "local[2]", "--spark-data", "shared", "--spark-part-images", "16"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("Spark parts: 8 computed, 0 reused"), o.out());
        assertEquals(Files.readString(here), Files.readString(spark));
        assertUserError(cli(concat(sweep, "--checkpoint", dir.resolve("x.jsonl").toString(), "--spark",
                "--spark-data", "nfs")), "--spark-data");
    }

    @Test
    void rankCountsTheClassesAboveTheLabelWithArgmaxTies() {
        assertEquals(0, io.cnv2.accuracy.AccuracyRun.rank(new float[] {0.1f, 0.9f, 0.5f}, 1));
        assertEquals(2, io.cnv2.accuracy.AccuracyRun.rank(new float[] {0.1f, 0.9f, 0.5f}, 0));
        // a tie goes to the lower index, as argmax takes the first maximum
        assertEquals(1, io.cnv2.accuracy.AccuracyRun.rank(new float[] {0.7f, 0.7f}, 1));
        assertEquals(0, io.cnv2.accuracy.AccuracyRun.rank(new float[] {0.7f, 0.7f}, 0));
    }

    @Test
    void aKilledSweepResumesWithTheSameResultAndNoFinishedPointComputedTwice() throws Exception {
        Path ck = dir.resolve("sweep.jsonl");
        Path j1 = dir.resolve("one.json");
        Path j2 = dir.resolve("two.json");
        String[] args = {"sweep", "--arch", "cnv", "--limit", "160", "--validation", "80", "--grid", "0,0.2,0.6",
            "--budget", "0.02", "--checkpoint", ck.toString()};
        Outcome o = cli(concat(args, "--json", j1.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode first = Json.MAPPER.readTree(j1.toFile());
        int computed = first.get("computed").asInt();
        assertTrue(computed > 6, "points computed: " + computed);
        // a kill after five finished points, in the middle of writing the sixth
        java.util.List<String> lines = Files.readAllLines(ck);
        Files.writeString(ck, String.join("\n", lines.subList(0, 6)) + "\n" + lines.get(6).substring(0, 20));
        o = cli(concat(args, "--json", j2.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode second = Json.MAPPER.readTree(j2.toFile());
        assertEquals(first.get("chosen"), second.get("chosen"));
        assertEquals(first.get("validation"), second.get("validation"));
        assertEquals(first.get("test"), second.get("test"));
        assertEquals(computed - 5, second.get("computed").asInt(), "the five finished points are not computed again");
        assertEquals(computed + 1, Files.readAllLines(ck).size(), "header and one line per point, no cut line left");
        // a checkpoint of another sweep is refused, not mixed in
        assertUserError(cli("sweep", "--arch", "cnv", "--limit", "160", "--validation", "90", "--grid", "0,0.2",
                "--checkpoint", ck.toString()), "another sweep");
    }

    @Test
    void gridSweepGivesTheTradeOffCurveWithFallingAccuracyAndRisingSpeedup() throws Exception {
        Path json = dir.resolve("grid.json");
        Outcome o = cli("sweep", "--mode", "grid", "--arch", "cnv", "--limit", "120", "--grid",
                "0,0.3,1", "--checkpoint", dir.resolve("g.jsonl").toString(), "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode points = Json.MAPPER.readTree(json.toFile()).get("points");
        assertEquals(3, points.size());
        assertTrue(points.get(2).get("speedup").asDouble() > points.get(0).get("speedup").asDouble());
        assertTrue(points.get(2).get("top1").asDouble() <= points.get(0).get("top1").asDouble());
        assertEquals(1.0, points.get(1).get("thresholds").get("/conv2/Conv").asDouble() / 0.3, 1e-9);
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void unknownEncodingIsNamed() {
        assertUserError(cli("run", "--arch", "cnv2", "--encoding", "huffman", "--json", dir.resolve("out.json").toString()),
                "encoding", "huffman");
    }

    @Test
    void pruneOutsideZeroToOne() {
        assertUserError(cli("run", "--arch", "cnv2", "--prune", "1.5", "--json", dir.resolve("out.json").toString()),
                "prune", "1.5");
    }

    @Test
    void unknownArchitecture() {
        assertUserError(cli("run", "--arch", "tpu", "--json", dir.resolve("out.json").toString()), "tpu");
    }

    @Test
    void outputFolderThatDoesNotExist() {
        Outcome o = cli("run", "--json", dir.resolve("no/such/dir/out.json").toString());
        assertUserError(o, "--json", "does not exist");
    }

    @Test
    void anImageFolderOfTheSampleImagesGivesTheSameAccuracyAsTheIdxFiles() throws Exception {
        // the first 40 shipped test images as grey PNGs, one folder per label (class0..class9 sort in label order)
        java.util.List<io.cnv2.data.Sample> images = io.cnv2.data.FashionMnist.testSet(
                ShippedModels.fashionMnistSampleDir(), "sample").samples(40);
        Path folder = dir.resolve("folder");
        for (io.cnv2.data.Sample s : images) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28,
                    java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < 28 * 28; i++) {
                img.getRaster().setSample(i % 28, i / 28, 0, Math.round(s.input().data()[i] * 255));
            }
            Path cls = Files.createDirectories(folder.resolve("class" + s.label()));
            javax.imageio.ImageIO.write(img, "png", cls.resolve(String.format("%03d.png", s.index())).toFile());
        }
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Outcome o = cli("run", "--arch", "cnv", "--dataset", folder.toString(), "--json", a.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("class"), "labels are the folder names: " + o.out());
        o = cli("run", "--arch", "cnv", "--limit", "40", "--json", b.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode ra = Json.MAPPER.readTree(a.toFile());
        JsonNode rb = Json.MAPPER.readTree(b.toFile());
        assertEquals(rb.get("accuracy").toString(), ra.get("accuracy").toString());
        assertEquals(rb.get("totals").get("cyclesTotal").asLong(), ra.get("totals").get("cyclesTotal").asLong(),
                "the same pixels, so the same work");
        assertUserError(cli("run", "--dataset", folder.toString(), "--preprocess", dir.resolve("none.json").toString(),
                "--json", dir.resolve("out.json").toString()), "none.json");
    }

    @Test
    void characterizeReportsEveryMetricPerLayerAndTheTemporalRunIsExactOnThirtyFrames() throws Exception {
        Path json = dir.resolve("pot.json");
        Path csv = dir.resolve("pot.csv");
        Outcome o = cli("characterize", "--limit", "20", "--json", json.toString(), "--csv", csv.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("We*Ae Booth") && o.out().contains("network"), o.out());
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        assertEquals(5, r.get("layers").size());
        for (JsonNode l : r.get("layers")) {
            long dense = l.get("work").get("dense").asLong();
            assertEquals(20 * 256 * l.get("macsPerImage").asLong(), dense, "dense = 256 per MAC");
            l.get("work").fields().forEachRemaining(m -> assertTrue(m.getValue().asLong() <= dense, m.getKey()));
        }
        assertTrue(r.get("networkIdealSpeedup").get("A").asDouble() > 1.5, "ReLU zeros: " + r.get("networkIdealSpeedup"));
        assertEquals(20, r.get("perImage").size());
        assertEquals(1 + 6 * 10, Files.readAllLines(csv).size(), "header + (5 layers + network) x 10 metrics");
        assertTrue(o.out().contains("Booth = non-zero digits of the canonical NAF (booth naf); dynamic Ap per brick"),
                "names the counting rules (CNV2-MODEL.md 7): " + o.out());
        o = cli("characterize", "--limit", "2", "--preset", "dnnsim", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("DNNsim's Booth recoding (booth dnnsim); dynamic Ap per activation"), o.out());
        assertEquals("dnnsim", Json.MAPPER.readTree(json.toFile()).get("run").get("booth").asText());
        o = cli("characterize", "--panned", "30", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode t = Json.MAPPER.readTree(json.toFile());
        assertEquals(30, t.get("framesBitExact").asInt(), o.out());
        assertTrue(t.get("network").get("effectualDeltas").asLong() < t.get("network").get("effectualActivations").asLong());
        Files.delete(json);
        assertUserError(cli("characterize", "--panned", "1", "--json", json.toString()), "--panned");
        assertUserError(cli("characterize", "--frames", dir.resolve("nothing").toString(), "--json", json.toString()),
                "nothing");
    }

    @Test
    void theShippedLstmTracesAndCharacterisesLikeAnyModel() throws Exception {
        Path lstm = ShippedModels.fashionMnistLstmOnnx();
        Path out = dir.resolve("trace");
        Outcome o = cli("trace", "--model", lstm.toString(), "--limit", "3", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        io.cnv2.trace.TraceIndex index = io.cnv2.trace.TraceIndex.read(out.resolve("index.json"));
        assertEquals(56, index.layers().size(), "28 W.x_t, 27 R.h_(t-1) (none at t = 0: h_0 = 0) and the classifier");
        for (io.cnv2.trace.TraceIndex.Layer l : index.layers()) {
            io.cnv2.trace.Npy.Array w = io.cnv2.trace.Npy.read(out.resolve(l.weightFile()));
            assertEquals(l.weightShape(), java.util.Arrays.stream(w.shape()).boxed().toList(), l.name());
            io.cnv2.trace.Npy.Array a = io.cnv2.trace.Npy.read(out.resolve(l.activationFiles().get(0)));
            assertEquals(l.inputShape().subList(1, l.inputShape().size()),
                    java.util.Arrays.stream(a.shape()).boxed().toList().subList(1, a.shape().length), l.name());
        }
        Path json = dir.resolve("pot.json");
        o = cli("characterize", "--model", lstm.toString(), "--limit", "5", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(56, Json.MAPPER.readTree(json.toFile()).get("layers").size());
    }
}
