package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.data.Sample;
import io.cnv2.ir.Input;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.trace.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --input-tensor NAME=FILE.npy}: model inputs from NumPy files, checked against the model before any work. */
final class InputTensors {
    private InputTensors() {
    }

    /**
     * The values of the model's inputs after the first, from the option; every such input needs one
     * (a model with a sample-rate or state input cannot guess it), and every name must be an input.
     */
    static Map<String, Tensor> feeds(Network net, String model, Map<String, Path> given) {
        List<String> names = net.inputs().stream().map(Input::name).toList();
        for (String k : given.keySet()) {
            if (!names.contains(k)) {
                throw new BadInputException("option --input-tensor " + k + "=...: model " + model + " has no input "
                        + "named '" + k + "' (inputs: " + String.join(", ", names) + ")");
            }
        }
        List<String> missing = new ArrayList<>();
        for (Input in : net.inputs().subList(1, net.inputs().size())) {
            if (!given.containsKey(in.name())) {
                missing.add(in.name() + " " + in.shape());
            }
        }
        Map<String, Path> rest = new LinkedHashMap<>(given);
        rest.remove(names.get(0));
        Map<String, Tensor> feeds = feedsOf(net, rest);
        if (!missing.isEmpty()) {
            throw new BadInputException("model " + model + " has inputs besides '" + names.get(0) + "' that need a "
                    + "value: " + String.join(", ", missing) + " (give each with --input-tensor NAME=FILE.npy)");
        }
        return feeds;
    }

    /** Seeded values for an input: uniform in [0, 1) (integer inputs take the integer part, 0). */
    static Tensor randomTensor(Input in, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[in.shape().size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return new Tensor(in.shape(), v);
    }

    /** {@code n} seeded random samples of the first input. */
    static List<Sample> random(Input in, int n) {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(new Sample(i, randomTensor(in, 1000 + i), -1, "random-" + i));
        }
        return s;
    }

    /** The given tensors, and seeded random values for every other input after the first. */
    static Map<String, Tensor> randomFeeds(Network net, Map<String, Path> given) {
        Map<String, Path> known = new LinkedHashMap<>(given);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Input in : net.inputs().subList(1, net.inputs().size())) {
            if (!known.containsKey(in.name())) {
                m.put(in.name(), randomTensor(in, in.name().hashCode()));
            }
        }
        Map<String, Path> rest = new LinkedHashMap<>(known);
        m.keySet().forEach(rest::remove);
        Map<String, Tensor> read = feedsOf(net, rest);
        read.putAll(m);
        return read;
    }

    private static Map<String, Tensor> feedsOf(Network net, Map<String, Path> given) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (Input in : net.inputs()) {
            Path f = given.get(in.name());
            if (f != null) {
                Tensor t = read(in.name(), f);
                if (t.shape().size() != in.shape().size()) {
                    throw new BadInputException("option --input-tensor " + in.name() + "=" + f + ": the model's input "
                            + "has shape " + in.shape() + ", the file " + t.shape());
                }
                feeds.put(in.name(), t.reshape(in.shape()));
            }
        }
        return feeds;
    }

    /** Every given tensor as it is in its file (checked against the model later), for the importer's one try. */
    static Map<String, Tensor> preview(Map<String, Path> given) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        given.forEach((k, f) -> m.put(k, read(k, f)));
        return m;
    }

    /** Samples for the first input: the file's shape is the input's, or N of them along a new leading axis. */
    static List<Sample> samples(Input in, Path file, int limit) {
        Tensor t = read(in.name(), file);
        int per = in.shape().size();
        int n;
        if (t.shape().size() == per) {
            n = 1;
        } else if (t.shape().rank() >= 1 && t.shape().dim(0) > 0 && t.shape().size() % per == 0
                && t.shape().size() / t.shape().dim(0) == per) {
            n = t.shape().dim(0);
        } else {
            throw new BadInputException("option --input-tensor " + in.name() + "=" + file + ": the model's input has "
                    + "shape " + in.shape() + "; the file's " + t.shape() + " is neither that nor N of them");
        }
        n = limit > 0 ? Math.min(limit, n) : n;
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(new Sample(i, new Tensor(in.shape(), Arrays.copyOfRange(t.data(), i * per, (i + 1) * per)), -1,
                    n == 1 ? file.toString() : file + "[" + i + "]"));
        }
        return s;
    }

    private static Tensor read(String name, Path file) {
        Npy.Array a = Npy.read(file);
        return new Tensor(new Shape(a.shape()), a.data());
    }
}
