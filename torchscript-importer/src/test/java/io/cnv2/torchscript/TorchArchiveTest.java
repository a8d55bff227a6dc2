package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import io.cnv2.BadInputException;
import io.cnv2.models.ShippedModels;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorchArchive} on real files: the shipped Fashion-MNIST CNN and the small archives of
 * {@code make_test_archives.py} as PyTorch 1.13 saved them, the same files saved again by libtorch 2.7.1
 * (DJL's PyTorch engine), and files that are not TorchScript archives.
 */
class TorchArchiveTest {
    private static final Path FASHION = ShippedModels.fashionMnistDir().resolve("fashion_cnn.pt");

    @TempDir
    Path tmp;

    private static Path resource(String name) {
        try {
            return Path.of(TorchArchiveTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file as libtorch 2.7.1 writes it: loaded and saved again by DJL's PyTorch engine. */
    private Path savedByLibtorch(Path file) throws Exception {
        assertEquals("2.7.1", Engine.getEngine("PyTorch").getVersion());
        Path out = tmp.resolve("libtorch-" + file.getFileName());
        try (Model model = Model.newInstance("resave", Device.cpu(), "PyTorch");
             OutputStream os = Files.newOutputStream(out)) {
            model.load(file);
            JniUtils.writeModule((PtSymbolBlock) model.getBlock(), os, false);
        }
        return out;
    }

    /**
     * A copy of {@code file} with each entry's bytes passed through {@code edit} (null drops the entry) and
     * {@code added} appended. Read with ZipFile: PyTorch's stored entries carry data descriptors, which
     * ZipInputStream refuses.
     */
    private Path rewritten(Path file, String name, BiFunction<String, byte[], byte[]> edit, Map<String, byte[]> added)
            throws Exception {
        return ArchiveCopies.copy(file, tmp.resolve(name), edit, added);
    }

    private Path rewritten(Path file, String name, BiFunction<String, byte[], byte[]> edit) throws Exception {
        return rewritten(file, name, edit, Map.of());
    }

    private static Map<String, float[]> floatValues(TorchArchive a) {
        Map<String, float[]> out = new LinkedHashMap<>();
        a.tensors().forEach((name, t) -> out.put(name, t.dtype().isFloatingPoint() ? t.toFloatArray() : toFloats(t.toLongArray())));
        return out;
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }

    private static void assertSameTensors(Map<String, float[]> want, Map<String, float[]> got) {
        assertEquals(want.keySet(), got.keySet());
        want.forEach((name, values) -> assertArrayEquals(values, got.get(name), name));
    }

    // --- the shipped file (PyTorch 1.13) ---

    @Test
    void fashionCnnModuleTreeIsTheOneTrainPyScripted() {
        try (TorchArchive a = TorchArchive.open(FASHION)) {
            PyObject root = a.root();
            assertEquals("__torch__.train.FashionCnn", root.className());
            assertEquals(false, root.attr("training"));
            PyObject conv1 = (PyObject) root.attr("conv1");
            assertEquals("__torch__.torch.nn.modules.conv.Conv2d", conv1.className());
            assertEquals("__torch__.torch.nn.modules.conv.___torch_mangle_0.Conv2d", ((PyObject) root.attr("conv2")).className());
            assertNull(conv1.attr("bias"));
            assertEquals(List.of(1L, 1L, 1L, 1L), conv1.attr("_reversed_padding_repeated_twice"));
            TorchTensor w = (TorchTensor) conv1.attr("weight");
            assertEquals(TorchDtype.FLOAT32, w.dtype());
            assertArrayEquals(new long[] {24, 1, 3, 3}, w.shape());
            assertArrayEquals(new long[] {9, 9, 3, 1}, w.strides());
            assertTrue(w.requiresGrad());
            // printed once by torch 1.13: torch.jit.load(...).conv1.weight.flatten()[:4]
            float[] v = w.toFloatArray();
            assertArrayEquals(new float[] {0.0073452601209282875f, -0.1511756032705307f, 0.3321352005004883f, -0.15445365011692047f},
                    Arrays.copyOf(v, 4));
            TorchTensor batches = a.tensors().get("bn1.num_batches_tracked");
            assertEquals(TorchDtype.INT64, batches.dtype());
            assertArrayEquals(new long[] {2814}, batches.toLongArray());
            assertEquals("3", a.version());
            assertEquals(List.of(), a.constants());
        }
    }

    @Test
    void fashionCnnParametersEqualWhatLibtorchReadsFromTheSameFile() throws Exception {
        Map<String, float[]> ours;
        try (TorchArchive a = TorchArchive.open(FASHION)) {
            ours = floatValues(a);
        }
        int compared = 0;
        try (Model model = Model.newInstance("fashion", Device.cpu(), "PyTorch")) {
            model.load(FASHION);
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                assertTrue(ours.containsKey(p.getKey()), p.getKey() + " missing from " + ours.keySet());
                assertArrayEquals(p.getValue().getArray().toFloatArray(), ours.get(p.getKey()), p.getKey());
                compared++;
            }
        }
        assertEquals(12, compared);
        assertEquals(18, ours.size()); // and 6 buffers: running mean, variance and batch count of bn1 and bn2
    }

    @Test
    void codeIsMappedByQualifiedModuleName() {
        try (TorchArchive a = TorchArchive.open(FASHION)) {
            assertEquals(Set.of("__torch__.train", "__torch__.torch.nn.functional",
                    "__torch__.torch.nn.modules.conv", "__torch__.torch.nn.modules.conv.___torch_mangle_0",
                    "__torch__.torch.nn.modules.conv.___torch_mangle_2", "__torch__.torch.nn.modules.batchnorm",
                    "__torch__.torch.nn.modules.batchnorm.___torch_mangle_1", "__torch__.torch.nn.modules.linear",
                    "__torch__.torch.nn.modules.linear.___torch_mangle_3", "__torch__.torch.nn.modules.dropout"),
                    a.code().keySet());
            assertTrue(a.code().get("__torch__.torch.nn.modules.conv").contains("class Conv2d(Module):"));
            assertTrue(a.code().get("__torch__.train").contains("def forward(self: __torch__.train.FashionCnn"));
        }
    }

    @Test
    void extraFilesByName() {
        try (TorchArchive a = TorchArchive.open(FASHION)) {
            assertEquals(Set.of("cnv2.graph.json"), a.extraNames());
            String card = new String(a.extra("cnv2.graph.json").orElseThrow(), StandardCharsets.UTF_8);
            assertTrue(card.startsWith("{"), card);
            assertTrue(a.extra("missing.txt").isEmpty());
        }
    }

    // --- make_test_archives.py (PyTorch 1.13) ---

    @Test
    void everyElementTypeReadsItsValues() {
        try (TorchArchive a = TorchArchive.open(resource("dtypes.pt"))) {
            Map<String, TorchTensor> t = a.tensors();
            float[] f16 = t.get("f16").toFloatArray();
            assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f, Float.POSITIVE_INFINITY, -0f}, f16);
            assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(f16[6]));
            assertArrayEquals(new float[] {1f, -3.140625f, 0x1p100f, 0x1p-130f, Float.NEGATIVE_INFINITY}, t.get("bf16").toFloatArray());
            assertArrayEquals(new double[] {0.1, -1e300}, t.get("f64").toDoubleArray());
            assertArrayEquals(new long[] {-1, 1L << 40, 7, -(1L << 62)}, t.get("i64").toLongArray());
            assertArrayEquals(new long[] {-100000, 100000}, t.get("i32").toLongArray());
            assertArrayEquals(new long[] {-300, 300}, t.get("i16").toLongArray());
            assertArrayEquals(new long[] {-128, 127}, t.get("i8").toLongArray());
            assertArrayEquals(new long[] {0, 200, 255}, t.get("u8").toLongArray());
            assertArrayEquals(new long[] {1, 0, 1}, t.get("b").toLongArray());
            assertArrayEquals(new long[] {}, t.get("scalar").shape());
            assertArrayEquals(new float[] {2.5f}, t.get("scalar").toFloatArray());
            assertTrue(t.get("weight").requiresGrad());
            assertFalse(t.get("f32").requiresGrad());
        }
    }

    @Test
    void viewsAreReadAsSavedAndShareOneStorage() {
        try (TorchArchive a = TorchArchive.open(resource("dtypes.pt"))) {
            Map<String, TorchTensor> t = a.tensors();
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, t.get("f32").toFloatArray());
            TorchTensor transposed = t.get("f32_t");
            assertArrayEquals(new long[] {4, 3}, transposed.shape());
            assertArrayEquals(new long[] {1, 4}, transposed.strides());
            assertFalse(transposed.isContiguous());
            assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, transposed.toFloatArray());
            assertEquals(4, t.get("f32_row1").storageOffset());
            assertArrayEquals(new float[] {4, 5, 6, 7}, t.get("f32_row1").toFloatArray());
            assertArrayEquals(new float[] {2, 6, 10}, t.get("f32_col2").toFloatArray());
            assertSame(t.get("f32").storage(), transposed.storage());
            assertSame(t.get("f32").storage(), t.get("f32_col2").storage());
        }
    }

    @Test
    void attributesOfEveryKind() {
        try (TorchArchive a = TorchArchive.open(resource("dtypes.pt"))) {
            PyObject m = a.root();
            assertEquals("__torch__.Dtypes", m.className());
            assertEquals("dtypes", m.attr("label"));
            assertEquals(0.75, m.attr("ratio"));
            assertEquals(3_000_000_000L, m.attr("count"));
            assertEquals(List.of(1L, -2L, 3L), m.attr("sizes"));
            assertEquals(List.of(0.5, 1.5), m.attr("weights"));
            assertEquals(List.of(true, false), m.attr("flags"));
            assertEquals(Map.of("a", 1L, "b", 2L), m.attr("table"));
            assertEquals(PyTuple.of(4L, "four"), m.attr("pair"));
            assertTrue(m.has("nothing"));
            assertNull(m.attr("nothing"));
            assertEquals(Set.of("__torch__"), a.code().keySet());
        }
    }

    @Test
    void constantsAreReadFromTheirOwnStorageFolder() {
        // constants/0 and data/0 both exist: c0 must come from constants/, not from the Linear's weight
        try (TorchArchive a = TorchArchive.open(resource("constants.pt"))) {
            assertEquals(2, a.constants().size());
            TorchTensor c0 = (TorchTensor) a.constants().get(0);
            assertArrayEquals(new float[] {2f, 3f}, c0.toFloatArray());
            TorchTensor c1 = (TorchTensor) a.constants().get(1);
            assertEquals(TorchDtype.INT64, c1.dtype());
            assertArrayEquals(new long[] {3, 2}, c1.shape());
            assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, c1.toLongArray());
            assertArrayEquals(new float[] {1, 2, 3, 4}, a.tensors().get("fc.weight").toFloatArray());
            assertTrue(a.code().get("__torch__").contains("CONSTANTS.c0"));
            assertEquals("made by make_test_archives.py", new String(a.extra("note.txt").orElseThrow(), StandardCharsets.UTF_8));
        }
    }

    // --- the same files written by libtorch 2.7.1 ---

    @Test
    void libtorch271ArchiveReadsTheSameParametersAndCode() throws Exception {
        Path resaved = savedByLibtorch(FASHION);
        try (TorchArchive old = TorchArchive.open(FASHION); TorchArchive fresh = TorchArchive.open(resaved)) {
            assertSameTensors(floatValues(old), floatValues(fresh));
            assertEquals(old.code(), fresh.code());
            assertEquals("3", fresh.version());
            assertEquals(old.root().className(), fresh.root().className());
            assertEquals(Set.of(), fresh.extraNames()); // libtorch's save through DJL passes no extra files
        }
    }

    @Test
    void libtorch271ArchiveReadsConstantsAndEveryElementType() throws Exception {
        for (String name : List.of("constants.pt", "dtypes.pt")) {
            Path resaved = savedByLibtorch(resource(name));
            try (TorchArchive old = TorchArchive.open(resource(name)); TorchArchive fresh = TorchArchive.open(resaved)) {
                assertSameTensors(floatValues(old), floatValues(fresh));
                assertEquals(old.constants().size(), fresh.constants().size(), name);
                for (int i = 0; i < old.constants().size(); i++) {
                    TorchTensor o = (TorchTensor) old.constants().get(i);
                    TorchTensor f = (TorchTensor) fresh.constants().get(i);
                    assertArrayEquals(o.shape(), f.shape());
                    assertArrayEquals(o.strides(), f.strides());
                    assertEquals(o.dtype(), f.dtype());
                }
                assertEquals(old.root().attributes().keySet(), fresh.root().attributes().keySet(), name);
            }
        }
    }

    // --- what is refused ---

    @Test
    void missingFileIsRefused() {
        Path none = tmp.resolve("none.pt");
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(none));
        assertEquals("TorchScript file " + none + " does not exist or is not a file", e.getMessage());
    }

    @Test
    void nonZipIsRefusedWithItsName() throws Exception {
        Path text = Files.writeString(tmp.resolve("model.pt"), "not a zip");
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(text));
        assertTrue(e.getMessage().startsWith(text + " is not a TorchScript archive (not a zip file"), e.getMessage());
    }

    @Test
    void zipWithoutDataPklIsRefusedWithItsName() throws Exception {
        Path zip = rewritten(FASHION, "nodata.pt", (n, b) -> n.endsWith("data.pkl") ? null : b);
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(zip));
        assertEquals(zip + " is not a TorchScript archive (no data.pkl)", e.getMessage());
    }

    @Test
    void zipWithoutCodeIsRefusedAsNotTorchScript() throws Exception {
        Path zip = rewritten(FASHION, "nocode.pt", (n, b) -> n.contains("/code/") ? null : b);
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(zip));
        assertTrue(e.getMessage().startsWith(zip + " is not a TorchScript archive (no code/"), e.getMessage());
    }

    @Test
    void bigEndianArchiveIsRefused() throws Exception {
        Path big = rewritten(resource("dtypes.pt"), "big.pt", (n, b) -> b,
                Map.of("dtypes/byteorder", "big".getBytes(StandardCharsets.US_ASCII)));
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(big));
        assertTrue(e.getMessage().startsWith(big + " stores tensors in byte order 'big'; only little-endian"), e.getMessage());
    }

    @Test
    void missingStorageIsRefusedNamingPickleAndEntry() throws Exception {
        Path zip = rewritten(resource("dtypes.pt"), "nostorage.pt", (n, b) -> n.equals("dtypes/data/3") ? null : b);
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(zip));
        assertTrue(e.getMessage().startsWith("data.pkl in " + zip + ": BINPERSID at byte"), e.getMessage());
        assertTrue(e.getMessage().endsWith("storage data/3 is missing from " + zip), e.getMessage());
    }

    @Test
    void storageShorterThanItsTensorIsRefused() throws Exception {
        Path zip = rewritten(resource("dtypes.pt"), "short.pt", (n, b) -> n.equals("dtypes/data/1") ? Arrays.copyOf(b, 8) : b);
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(zip));
        assertTrue(e.getMessage().contains("storage data/1 in " + zip + " holds 8 bytes, fewer than 12 elements of FLOAT32"),
                e.getMessage());
    }

    @Test
    void valuesAreReadOnDemandAndNotAfterClose() {
        TorchTensor read;
        TorchTensor unread;
        try (TorchArchive a = TorchArchive.open(resource("dtypes.pt"))) {
            read = a.tensors().get("f64");
            read.toDoubleArray();
            unread = a.tensors().get("i8");
        }
        assertArrayEquals(new double[] {0.1, -1e300}, read.toDoubleArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, unread::toLongArray);
        assertTrue(e.getMessage().contains("is closed: read tensor values before closing it"), e.getMessage());
    }

    @Test
    void corruptedPickleInsideTheArchiveNamesBoth() throws Exception {
        Path zip = rewritten(resource("dtypes.pt"), "corrupt.pt",
                (n, b) -> n.endsWith("data.pkl") ? Arrays.copyOf(b, b.length / 2) : b);
        BadInputException e = assertThrows(BadInputException.class, () -> TorchArchive.open(zip));
        assertTrue(e.getMessage().startsWith("data.pkl in " + zip + ": truncated"), e.getMessage());
    }
}
