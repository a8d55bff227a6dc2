package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every traced model of the zoo loads with no graph card, and the IR's own float execution matches
 * libtorch (DJL's PyTorch engine running the file) within 1e-4 relative error on every output
 * (issue 20).
 */
class TorchScriptZooTest {
    @ParameterizedTest
    @ValueSource(strings = {"resnet18_small", "mobilenet_small", "fashion_cnn_traced", "fashion_lstm_traced",
        "transformer_small", "embedding_bag_small", "gru_small", "conv1d_small", "upsample_small", "scripted_static", "scripted_upsample", "scripted_heads", "scripted_attention", "scripted_shifted_window"})
    void theFloatReferenceOfTheTranslationMatchesLibtorch(String name) {
        Zoo.Model m = Zoo.named(name);
        Network net = ModelLoader.load(m.pt(), m.options());
        Map<String, Tensor> in = m.input();
        Map<String, Tensor> ours = new FloatExecutor(net).run(in);
        var reference = net.floatReference().orElseThrow();
        Map<String, Tensor> libtorch = reference.run(in, Set.copyOf(net.outputs()));
        // scripted_heads' NamedTuple with a None is read at libtorch's IValue level (LibtorchIValues)
        assertTrue(reference.name().equals("libtorch"), name + ": the reference is " + reference.name());
        for (int i = 0; i < m.outputs().size(); i++) {
            String o = net.outputs().get(i);
            double err = relativeError(ours.get(o), libtorch.get(o));
            System.out.printf("%s %s: cnv2 float vs libtorch %.3g, libtorch vs torch 1.13 %.3g%n", name, o, err,
                    relativeError(libtorch.get(o), m.savedOutput(i)));
            assertTrue(err <= 1e-4, name + " " + o + ": relative error " + err);
            // the output PyTorch 1.13 saved when it made the file: the check that needs no DJL
            double saved = relativeError(ours.get(o), m.savedOutput(i));
            assertTrue(saved <= 1e-4, name + " " + o + ": relative error " + saved + " against torch 1.13's saved output");
        }
    }

    /** max |a - b| / max |b|, the measure cnv2 check reports. */
    static double relativeError(Tensor a, Tensor b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < b.data().length; i++) {
            num = Math.max(num, Math.abs(a.data()[i] - b.data()[i]));
            den = Math.max(den, Math.abs(b.data()[i]));
        }
        return num / Math.max(den, 1e-30);
    }
}
