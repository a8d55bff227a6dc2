package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second archive generation: a TorchScript file written by the libtorch that DJL's PyTorch engine
 * bundles (2.7.1; the module read and saved again through DJL) imports as the file PyTorch 1.13 wrote:
 * the same network, the same float outputs bit for bit (issue 20).
 */
class LibtorchSavedModelTest {
    @TempDir
    Path dir;

    @Test
    void aFileSavedByDjlsLibtorchLoadsAsTheOriginalDoes() throws Exception {
        for (String name : new String[] {"resnet18_small", "transformer_small", "gru_small"}) {
            Zoo.Model m = Zoo.named(name);
            assertEquals("2.7.1", Engine.getEngine("PyTorch").getVersion());
            Path saved = dir.resolve(name + "-libtorch.pt");
            try (Model model = Model.newInstance("resave", Device.cpu(), "PyTorch"); OutputStream os = Files.newOutputStream(saved)) {
                model.load(m.pt());
                JniUtils.writeModule((PtSymbolBlock) model.getBlock(), os, false);
            }
            Network original = ModelLoader.load(m.pt(), m.options());
            Network resaved = ModelLoader.load(saved, m.options());
            assertEquals(original.nodes().size(), resaved.nodes().size(), name);
            Map<String, Tensor> in = m.input();
            Tensor a = new FloatExecutor(original).run(in).get(original.outputs().get(0));
            Tensor b = new FloatExecutor(resaved).run(in).get(resaved.outputs().get(0));
            assertArrayEquals(a.data(), b.data(), name);
            System.out.printf("%s: saved by libtorch %s, %d nodes, same float outputs%n", name,
                    Engine.getEngine("PyTorch").getVersion(), resaved.nodes().size());
        }
    }
}
