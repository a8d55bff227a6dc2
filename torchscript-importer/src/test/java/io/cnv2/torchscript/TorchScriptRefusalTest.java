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
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(m.pt(), new ImportOptions(Map.of("image", Shape.of(1, 3, 64, 64)))));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
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
