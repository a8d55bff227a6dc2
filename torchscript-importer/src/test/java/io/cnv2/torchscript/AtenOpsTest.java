package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One aten operation (or form of one) per case, beyond what the zoo's models call: a zoo archive's
 * code is rewritten to call it, libtorch runs the rewritten file (so the operation has PyTorch's
 * own meaning), and the translation must match it within 1e-4 relative error.
 */
class AtenOpsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "resnet18_small|torch.relu_(|torch.gelu(",
        "resnet18_small|torch.relu_(|torch.silu(",
        "resnet18_small|torch.relu_(|torch.sigmoid(",
        "resnet18_small|torch.relu_(|torch.hardswish(",
        "resnet18_small|torch.relu_(|torch.hardsigmoid(",
        "resnet18_small|torch.relu_(|torch.elu(",
        "resnet18_small|torch.relu_(|torch.hardtanh(",
        "resnet18_small|torch.relu_(|torch.abs(",
        "resnet18_small|torch.relu_(|torch.neg(",
        "resnet18_small|torch.relu_(|torch.tanh(",
        "resnet18_small|torch.max_pool2d(argument_1, [3, 3], [2, 2], [1, 1], [1, 1])|torch.max_pool2d(argument_1, [3, 3], [2, 2], [1, 1], [1, 1], True)",
        "resnet18_small|torch.max_pool2d(argument_1, [3, 3], [2, 2], [1, 1], [1, 1])|torch.avg_pool2d(argument_1, [3, 3], [2, 2], [1, 1])",
        "resnet18_small|torch.max_pool2d(argument_1, [3, 3], [2, 2], [1, 1], [1, 1])|torch.avg_pool2d(argument_1, [3, 3], [2, 2], [1, 1], True, False)",
        "resnet18_small|torch.adaptive_avg_pool2d(argument_1, [1, 1])|torch.mean(argument_1, [2, 3], True)",
        "resnet18_small|torch.adaptive_avg_pool2d(argument_1, [1, 1])|torch.amax(argument_1, [2, 3], True)",
        "resnet18_small|torch.flatten((avgpool).forward(_3, ), 1)|torch.squeeze(torch.flatten((avgpool).forward(_3, ), 1), 0)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.addmm(bias, input, torch.t(weight))",
        "resnet18_small|torch.linear(input, weight, bias)|torch.add(torch.matmul(input, torch.t(weight)), bias)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.add(torch.mm(input, torch.transpose(weight, 0, 1)), bias, alpha=2)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.softmax(torch.linear(input, weight, bias), -1)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.log_softmax(torch.linear(input, weight, bias), 1)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.linear(torch.clamp(input, 0.1, 0.9), weight, bias)",
        "resnet18_small|torch.linear(input, weight, bias)|torch.sum(torch.stack([torch.linear(input, weight, bias), torch.linear(input, weight)], 0), [0])",
        "resnet18_small|torch.add_(|torch.sub(",
        "resnet18_small|torch.add_(|torch.mul(",
        "resnet18_small|torch.add_(|torch.maximum(",
        "conv1d_small|torch.max_pool1d(input, [2], [2], [0], [1])|torch.avg_pool1d(input, [2], [2], [0])",
        "conv1d_small|torch.relu(|torch.leaky_relu(",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.reshape(x6, [-1, 3136])",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.view(torch.permute(torch.transpose(x6, 2, 3), [0, 1, 3, 2]), [1, -1])",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.select(torch.unsqueeze(torch.flatten(x6, 1), 0), 0, -1)",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.cat(torch.split(torch.flatten(x6, 1), [1000, 2136], 1), 1)",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.flatten(torch.cat([torch.narrow(x6, 1, 0, 32), torch.slice(x6, 1, 32, 64, 1)], 1), 1)",
        "resnet18_small|torch.adaptive_avg_pool2d(argument_1, [1, 1])|torch.adaptive_avg_pool2d(torch.pad(argument_1, [1, 2, 0, 1]), [1, 1])",
        "resnet18_small|torch.adaptive_avg_pool2d(argument_1, [1, 1])|torch.adaptive_avg_pool2d(torch.pad(argument_1, [2, 0, 1, 1], \"constant\", 0.5), [1, 1])",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.index(torch.flatten(x6, 1), annotate(List[Optional[Tensor]], [None, torch.arange(3135, -1, -1)]))",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.reshape(x6, torch.copy([1, torch.sum([3000, 136])]))",
        "resnet18_small|torch.linear(input, weight, bias)|torch.linear(input, torch.index(weight, annotate(List[Optional[Tensor]], [torch.arange(-1, -11, -1)])), bias)",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.flatten(torch.roll(x6, [3, -5], [2, 3]), 1)",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.roll(torch.flatten(x6, 1), [1000])",
        "fashion_cnn_traced|torch.flatten(x6, 1)|torch.masked_fill(torch.flatten(x6, 1), torch.gt(torch.flatten(x6, 1), 0.5), 0.25)",
    })
    void theTranslationMatchesLibtorchOnTheRewrittenModel(String model, String from, String to) throws Exception {
        assertMatchesLibtorch(model, from, to);
    }

    /**
     * Writes into slices and selects of a tensor the code made (as Swin's attention mask is built),
     * then the made tensor read: libtorch's views share its storage, so every write must show; a
     * clone is a copy (Swin V2's qkv_bias.clone()): writes into it or into the original after the
     * clone do not show in the other.
     */
    @Test
    void inPlaceWritesIntoAMadeTensorShowInItsLaterReads() throws Exception {
        assertMatchesLibtorch("fashion_cnn_traced", "    input3 = torch.flatten(x6, 1)\n", String.join("\n",
                "    m = torch.new_zeros(x6, [1, 3136])",
                "    _w0 = torch.copy_(torch.slice(torch.slice(m, 0, 0, 1), 1, 100, 300), torch.tensor(2.))",
                "    _w1 = torch.fill_(torch.select(torch.slice(m, 1, -40), 1, -1), 3)",
                "    _w2 = torch.copy_(torch.slice(m, 1, 250, 260), torch.tensor([[1., 2., 3., 4., 5., 6., 7., 8., 9., 10.]]))",
                "    _w3 = torch.zero_(torch.slice(m, 1, 120, 130))",
                "    k = torch.clone(m)",
                "    _w4 = torch.fill_(torch.slice(k, 1, 0, 150), 5.)",
                "    _w5 = torch.fill_(torch.slice(m, 1, 3000, 3010), 7.)",
                "    input3 = torch.add(torch.add(torch.flatten(x6, 1), torch.masked_fill(m, torch.eq(m, 3.), -1.)), torch.mul(k, 0.5))", ""));
    }

    /**
     * A forward that returns a dict of two tensors: DJL hands libtorch's entries back in a hash
     * map's order, named by their keys; the translation's keys put them back in its output order,
     * so each output is compared with libtorch's own entry (the second is the first negated).
     */
    @Test
    void aDictOfSeveralOutputsIsPairedByKeyNotPosition() throws Exception {
        Zoo.Model m = Zoo.named("fashion_cnn_traced");
        Path edited = TorchScriptRefusalTest.rewrite(m.pt(), dir.resolve("dict.pt"), src -> src
                .replace("    x: Tensor) -> Tensor:\n    fc2 = self.fc2", "    x: Tensor) -> Dict[str, Tensor]:\n    fc2 = self.fc2")
                .replace("    return _6\n", "    return {\"out\": _6, \"aux\": torch.neg(_6), \"b\": torch.mul(_6, 2.)}\n"));
        Network net = ModelLoader.load(edited, m.options());
        Map<String, Tensor> in = m.input();
        Map<String, Tensor> ours = new FloatExecutor(net).run(in);
        var reference = net.floatReference().orElseThrow();
        Map<String, Tensor> ref = reference.run(in, Set.copyOf(net.outputs()));
        assertTrue(reference.name().equals("libtorch"), reference.name());
        assertTrue(net.outputs().size() == 3, "outputs " + net.outputs());
        for (String o : net.outputs()) {
            double err = TorchScriptZooTest.relativeError(ours.get(o), ref.get(o));
            assertTrue(err <= 1e-4, o + ": relative error " + err);
        }
        // the outputs follow the dict as written, out, aux = -out, b = 2 out (a hash map holds them as b, aux, out)
        float z = ours.get(net.outputs().get(0)).data()[0];
        assertTrue(ours.get(net.outputs().get(1)).data()[0] == -z && ours.get(net.outputs().get(2)).data()[0] == 2 * z);
    }

    private void assertMatchesLibtorch(String model, String from, String to) throws Exception {
        Zoo.Model m = Zoo.named(model);
        String[] hit = new String[1];
        Path edited = TorchScriptRefusalTest.rewrite(m.pt(), dir.resolve(model + ".pt"), src -> {
            if (src.contains(from)) {
                hit[0] = from;
            }
            return src.replace(from, to);
        });
        assertTrue(hit[0] != null, "no call " + from + " in " + model);
        Network net = ModelLoader.load(edited, m.options());
        Map<String, Tensor> in = m.input();
        Tensor ours = new FloatExecutor(net).run(in).get(net.outputs().get(0));
        var reference = net.floatReference().orElseThrow();
        Tensor libtorch = reference.run(in, Set.of(net.outputs().get(0))).get(net.outputs().get(0));
        assertTrue(reference.name().equals("libtorch"), "the reference is " + reference.name());
        double err = TorchScriptZooTest.relativeError(ours, libtorch);
        assertTrue(err <= 1e-4, to + ": relative error " + err);
    }
}
