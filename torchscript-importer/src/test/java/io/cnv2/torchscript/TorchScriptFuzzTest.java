package io.cnv2.torchscript;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cnv2.BadInputException;
import io.cnv2.importer.ModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the TorchScript reader (issue 10's rule for every input reader): the
 * top module's code of a real traced archive (conv1d_small) is replaced by the fuzzer's bytes, so
 * the code parser, the interpreter and every op translator meet arbitrary TorchScript. Any file
 * either imports or fails with the project's {@link BadInputException} carrying a message; any
 * other exception, a hang or running out of memory is a finding. (The archive and pickle layers
 * have their own mutation test in {@code PickleTest}.) A refusal that no translator's own check
 * foresaw (the interpreter's guard, an index or a division the arguments broke) is a finding too
 * with {@code CNV2_FUZZ_STRICT=1}, for campaigns that look for such gaps; CI's bounded run accepts
 * it, since the user gets the same one line either way.
 */
class TorchScriptFuzzTest {
    private static final boolean STRICT = "1".equals(System.getenv("CNV2_FUZZ_STRICT"));

    @FuzzTest(maxDuration = "60s")
    void moduleCode(byte[] data) {
        Path dir;
        try {
            dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "cnv2-ts-fuzz-" + ProcessHandle.current().pid()));
            Path file = TorchScriptRefusalTest.rewriteEntry(Zoo.named("conv1d_small").pt(), dir.resolve("model.pt"),
                    "code/__torch__.py", new String(data, StandardCharsets.UTF_8));
            ModelLoader.load(file, Zoo.named("conv1d_small").options());
        } catch (BadInputException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a user error without a message", expected);
            }
            if (STRICT && expected.getMessage().contains(Interpreter.UNFORESEEN)) {
                throw new AssertionError("a refusal no translator check foresaw", expected);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
