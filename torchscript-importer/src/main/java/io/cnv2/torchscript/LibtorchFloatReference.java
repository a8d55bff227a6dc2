package io.cnv2.torchscript;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.cnv2.BadInputException;
import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The float authority of a TorchScript model: the file itself run by libtorch through DJL's
 * PyTorch engine, for the model's outputs. libtorch gives no intermediate tensor of a traced
 * module, so those (which calibration profiles) come from ONNX Runtime running the translated
 * graph, whose faithfulness to libtorch {@code cnv2 check} and the tests measure.
 */
final class LibtorchFloatReference implements FloatReference {
    private final Path file;
    private final List<String> inputs;
    private final Map<String, Boolean> integerInput;
    private final List<String> outputs;
    /** For each output, the key of the dict entry forward returns it in, or null. */
    private final List<String> keys;
    private final FloatReference translated;
    private Model model;

    LibtorchFloatReference(Path file, List<String> inputs, Map<String, Boolean> integerInput, List<String> outputs,
                           List<String> keys, FloatReference translated) {
        this.keys = keys;
        this.file = file;
        this.inputs = inputs;
        this.integerInput = integerInput;
        this.outputs = outputs;
        this.translated = translated;
    }

    /** Why libtorch's results could not be read (then the translation's are given, and named so), or null. */
    private volatile String unreadable;

    @Override
    public String name() {
        return unreadable == null ? "libtorch" : "ONNX Runtime on the translation (" + unreadable + ")";
    }

    @Override
    public boolean computes(String tensor) {
        return outputs.contains(tensor) || translated != null && translated.computes(tensor);
    }

    /**
     * Forward's outputs from libtorch, any other tensor from the translation (ONNX Runtime): a
     * request that mixes them (cnv2 check asks for the outputs with the intermediate tensors that
     * precede them) still gets libtorch's outputs.
     */
    @Override
    public Map<String, Tensor> run(Map<String, Tensor> in, Set<String> wanted) {
        Set<String> mine = new java.util.LinkedHashSet<>(wanted);
        mine.retainAll(outputs);
        Set<String> rest = new java.util.LinkedHashSet<>(wanted);
        rest.removeAll(outputs);
        Map<String, Tensor> out = new HashMap<>();
        if (!mine.isEmpty() && unreadable == null) {
            try {
                Map<String, Tensor> all = runLibtorch(in);
                mine.forEach(w -> out.put(w, all.get(w)));
            } catch (UnsupportedOperationException e) {
                // forward's result holds what neither DJL nor LibtorchIValues reads into tensors in the
                // translation's order (a dict of several entries, a string...)
                if (translated == null) {
                    throw new BadInputException(file + ": libtorch's result of forward cannot be read through DJL (" + e.getMessage() + ")");
                }
                unreadable = "libtorch's result of forward, " + e.getMessage() + ", cannot be read through DJL";
            }
        }
        if (out.size() < wanted.size()) {
            Set<String> left = unreadable == null ? rest : wanted;
            if (translated == null) {
                throw new IllegalStateException("no reference computes " + left);
            }
            out.putAll(translated.run(in, left));
        }
        return out;
    }

    /** Every output of the file for one sample, as libtorch computes it. */
    synchronized Map<String, Tensor> runLibtorch(Map<String, Tensor> in) {
        Model m = model();
        try (NDManager sub = m.getNDManager().newSubManager()) {
            NDList args = new NDList();
            for (String name : inputs) {
                Tensor t = in.get(name);
                long[] shape = java.util.Arrays.stream(t.shape().dims()).asLongStream().toArray();
                NDArray a = sub.create(t.data(), new ai.djl.ndarray.types.Shape(shape));
                args.add(integerInput.getOrDefault(name, false) ? a.toType(DataType.INT64, false) : a);
            }
            NDList res;
            try {
                res = m.getBlock().forward(new ParameterStore(sub, false), args, false);
            } catch (UnsupportedOperationException e) {
                // DJL reads a tensor, a list or tuple of tensors, or a dict of them; a None among a
                // tuple's items (GoogLeNet's NamedTuple) is read at the IValue level
                res = LibtorchIValues.forward(m, args, sub);
            }
            if (res.size() > 1 && res.stream().anyMatch(a -> a.getName() != null)) {
                // a dict of several entries: DJL names each array by its key but hands them back in
                // a hash map's order, not the insertion order the translation's outputs follow; the
                // translation's keys put them back in order
                res = byKey(res);
            }
            if (res.size() != outputs.size()) {
                throw new BadInputException(file + ": libtorch returned " + res.size() + " output(s), the translation has "
                        + outputs.size());
            }
            Map<String, Tensor> out = new HashMap<>();
            for (int i = 0; i < outputs.size(); i++) {
                NDArray r = res.get(i);
                int[] dims = java.util.Arrays.stream(r.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
                out.put(outputs.get(i), new Tensor(new io.cnv2.ir.Shape(dims), r.toType(DataType.FLOAT32, false).toFloatArray()));
            }
            return out;
        }
    }

    /** A dict's arrays in the translation's output order, by their keys; unordered keys (repeated, or missing) are refused. */
    private NDList byKey(NDList res) {
        Map<String, NDArray> named = new HashMap<>();
        res.forEach(a -> named.put(a.getName(), a));
        if (keys.size() != res.size() || named.size() != res.size() || !named.keySet().containsAll(keys)) {
            throw new UnsupportedOperationException("a dict of " + res.size() + " entries whose keys do not name the outputs one each");
        }
        NDList ordered = new NDList();
        keys.forEach(k -> ordered.add(named.get(k)));
        return ordered;
    }

    private Model model() {
        if (model == null) {
            io.cnv2.djl.Offline.apply();
            if (!Engine.hasEngine("PyTorch")) {
                throw new BadInputException(file + " is TorchScript: its float reference is libtorch, which needs DJL's PyTorch "
                        + "engine (ai.djl.pytorch:pytorch-engine with pytorch-native-cpu and pytorch-jni, or io.cnv2:cnv2-djl) "
                        + "on the class path");
            }
            Model m = Model.newInstance("cnv2-libtorch", Device.cpu(), "PyTorch");
            try {
                m.load(file);
            } catch (IOException | MalformedModelException e) {
                m.close();
                throw new BadInputException("libtorch cannot load " + file + ": " + e.getMessage());
            }
            model = m;
        }
        return model;
    }
}
