package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Shape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the TorchScript importer refuses, each in one message naming the file and the construct (issue 20). */
class TorchScriptRefusalTest {
    @TempDir
    Path dir;

    @Test
    void aScriptedModuleWithDataDependentControlFlowIsRefusedAtItsLine() {
        Zoo.Model m = Zoo.named("scripted_control_flow");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(m.pt(), m.options()));
        assertTrue(e.getMessage().contains("scripted_control_flow.pt") && e.getMessage().contains("code/__torch__.py:")
                && e.getMessage().contains("data-dependent control flow"), e.getMessage());
    }

    @Test
    void anArchiveThatIsNotTorchScriptIsRefusedByName() throws Exception {
        Path zip = dir.resolve("photos.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("photos/readme.txt"));
            z.write("not a model".getBytes(StandardCharsets.UTF_8));
        }
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(zip, ImportOptions.DEFAULT));
        assertTrue(e.getMessage().contains("photos.pt") && e.getMessage().contains("not a TorchScript archive"), e.getMessage());
        Path junk = Files.write(dir.resolve("junk.pt"), new byte[] {1, 2, 3, 4, 5});
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(junk, ImportOptions.DEFAULT));
        assertTrue(e.getMessage().contains("junk.pt"), e.getMessage());
    }

    @Test
    void aMissingInputShapeNamesTheOptionForEachInput() {
        Zoo.Model m = Zoo.named("resnet18_small");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(m.pt(), ImportOptions.DEFAULT));
        assertTrue(e.getMessage().contains("--input-shape x=") && e.getMessage().contains("inputShape"), e.getMessage());
    }

    /**
     * A slice of a made tensor taken before a write into the tensor and read after it would see the
     * write in PyTorch (a view); cnv2's slices are copies, so the read is refused, never translated
     * with the old values. A write into a parameter is refused too.
     */
    @Test
    void aViewReadAfterAWriteIntoItsTensorIsRefused() throws Exception {
        Zoo.Model m = Zoo.named("fashion_cnn_traced");
        Path stale = rewrite(m.pt(), dir.resolve("stale.pt"), src -> src.replace("    input3 = torch.flatten(x6, 1)\n", String.join("\n",
                "    mask = torch.new_zeros(x6, [1, 3136])",
                "    early = torch.slice(mask, 1, 0, 10)",
                "    _w0 = torch.fill_(torch.slice(mask, 1, 0, 5), 1.)",
                "    input3 = torch.add(torch.flatten(x6, 1), torch.sum(early))", "")));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(stale, m.options()));
        assertTrue(e.getMessage().contains("stale.pt") && e.getMessage().contains("written in place after it was taken"), e.getMessage());
        Path param = rewrite(m.pt(), dir.resolve("param.pt"), src -> src.replace("    input3 = torch.flatten(x6, 1)\n",
                "    _w0 = torch.zero_(torch.slice(x6, 1, 0, 5))\n    input3 = torch.flatten(x6, 1)\n"));
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(param, m.options()));
        assertTrue(e.getMessage().contains("param.pt") && e.getMessage().contains("zero_ into a tensor the graph computes"), e.getMessage());
    }

    /** A name forward does not take is the user's error to name, option and all, before any shape is asked for. */
    @Test
    void aMisspeltInputNameIsRefusedByItsOption() {
        Zoo.Model m = Zoo.named("resnet18_small");
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelLoader.load(m.pt(), new ImportOptions(Map.of("image", Shape.of(1, 3, 64, 64)))));
        assertTrue(e.getMessage().contains("--input-shape names 'image'") && e.getMessage().contains("forward takes [x]"), e.getMessage());
        io.cnv2.ir.Tensor value = io.cnv2.ir.Tensor.zeros(Shape.of(1, 3, 64, 64));
        e = assertThrows(BadInputException.class,
                () -> ModelLoader.load(m.pt(), ImportOptions.DEFAULT.withValues(Map.of("image", value))));
        assertTrue(e.getMessage().contains("resnet18_small.pt") && e.getMessage().contains("--input-tensor names 'image'")
                && e.getMessage().contains("forward takes [x]"), e.getMessage());
    }

    @Test
    void aWrongInputShapeIsRefusedAtTheOperationThatCannotTakeIt() {
        Zoo.Model m = Zoo.named("resnet18_small");
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelLoader.load(m.pt(), new ImportOptions(Map.of("x", Shape.of(1, 1, 64, 64)))));
        assertTrue(e.getMessage().contains("resnet18_small.pt") && e.getMessage().contains("channels"), e.getMessage());
    }

    @Test
    void everyOperationThatCannotBeTranslatedIsListedWithItsSourceLocationInOneError() throws Exception {
        // the traced CNN with two of its operations renamed to ones no translator knows
        Path edited = rewrite(Zoo.named("fashion_cnn_traced").pt(), dir.resolve("edited.pt"),
                src -> src.replace("torch.max_pool2d(", "torch.fractional_max_pool2d(").replace("torch.flatten(", "torch.special_flatten("));
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelLoader.load(edited, new ImportOptions(Map.of("x", Shape.of(1, 1, 28, 28)))));
        String msg = e.getMessage();
        assertTrue(msg.contains("edited.pt") && msg.contains("torch.fractional_max_pool2d at code/") && msg.contains("torch.special_flatten at code/")
                && msg.contains(".py:"), msg);
        assertTrue(msg.indexOf("fractional_max_pool2d") != msg.lastIndexOf("fractional_max_pool2d"), "both pooling calls listed: " + msg);
    }

    /**
     * Shape arguments PyTorch itself refuses are refused at their line, never translated to a
     * different shape: a narrow of negative length (read as a slice to the end's -3 before), an
     * index_select with a 2-D index (declared one shape, ONNX's Gather makes another), an expand
     * to fewer dimensions, a chunk into no parts, a split into parts of 0, a pooling padding past
     * half its window, a flatten whose start is after its end, a sum over one dimension twice, t of
     * a 3-D tensor, an arange whose step points away from its end; a 0-d tensor transposes to
     * itself, as in PyTorch (an index error before).
     */
    @Test
    void shapeArgumentsPyTorchRefusesAreRefusedAtTheirLine() throws Exception {
        Map<String, String> refused = Map.of(
                "    y = torch.narrow(x, 1, 0, -3)", "narrow of dimension 1",
                "    y = torch.index_select(x, 1, torch.ones([2, 2], dtype=4))", "index_select with an index of shape (2, 2)",
                "    y = torch.expand(x, [1])", "expand of a tensor of shape (1, 8, 64)",
                "    y = torch.chunk(x, 0, 1)", "chunk into 0 parts",
                "    y = torch.split(x, 0, 1)", "split of a dimension of 8",
                "    y = torch.max_pool1d(x, [3], [1], [2])", "padding 2 is more than half the window of 3",
                "    y = torch.flatten(x, 2, 1)", "start_dim cannot come after end_dim",
                "    y = torch.sum(x, [1, -2])", "appears twice",
                "    y = torch.t(x)", "at most 2 dimensions",
                "    y = torch.arange(10, 0, 1)", "arange from 10");
        int i = 0;
        for (Map.Entry<String, String> c : refused.entrySet()) {
            Path f = forward(dir.resolve("refused" + i++ + ".pt"), c.getKey(), "y");
            BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(f, Zoo.named("conv1d_small").options()),
                    c.getKey());
            assertTrue(e.getMessage().contains("code/__torch__.py:5") && e.getMessage().contains(c.getValue())
                    && !e.getMessage().contains(Interpreter.UNFORESEEN), e.getMessage());
        }
        Path scalar = forward(dir.resolve("scalar.pt"), "    y = torch.transpose(torch.mean(x), 0, 0)", "torch.add(x, y)");
        ModelLoader.load(scalar, Zoo.named("conv1d_small").options());
    }

    /** A bool argument given a list (max_pool1d's dilation left in an avg_pool1d call) is refused as libtorch refuses it, not read as true. */
    @Test
    void aBoolArgumentGivenAListIsRefusedAtItsLine() throws Exception {
        Path f = forward(dir.resolve("ceil.pt"), "    y = torch.avg_pool1d(x, [2], [2], [0], [1])", "y");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(f, Zoo.named("conv1d_small").options()));
        assertTrue(e.getMessage().contains("code/__torch__.py:5") && e.getMessage().contains("'ceil_mode' should be a bool"), e.getMessage());
    }

    /** conv1d_small with a forward of {@code body} (one line, line 5 of its file) returning {@code result}. */
    private static Path forward(Path to, String body, String result) throws java.io.IOException {
        return rewriteEntry(Zoo.named("conv1d_small").pt(), to, "code/__torch__.py",
                "class Conv1dSmall(Module):\n  fc : __torch__.torch.nn.modules.linear.___torch_mangle_382.Linear\n"
                        + "  def forward(self: __torch__.Conv1dSmall,\n    x: Tensor) -> Tensor:\n" + body + "\n    return "
                        + result + "\n");
    }

    /** A copy of a TorchScript archive with the code file ending in {@code entry} replaced by {@code code}. */
    static Path rewriteEntry(Path from, Path to, String entry, String code) throws java.io.IOException {
        return ArchiveCopies.copy(from, to, (name, data) -> name.endsWith("/" + entry)
                ? code.getBytes(StandardCharsets.UTF_8) : data);
    }

    /** A copy of a TorchScript archive with every code file passed through {@code edit}. */
    static Path rewrite(Path from, Path to, java.util.function.UnaryOperator<String> edit) throws Exception {
        return ArchiveCopies.copy(from, to, (name, data) -> name.contains("/code/") && name.endsWith(".py")
                ? edit.apply(new String(data, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8) : data);
    }
}
