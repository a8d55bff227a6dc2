package io.cnv2.torchscript;

import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.trace.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The traced zoo of models/torchscript (made by make_zoo.py with Debian's PyTorch 1.13): files, inputs, shapes. */
final class Zoo {
    static final Path DIR = Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/torchscript");

    /** One zoo model: its name, input names and shapes (zoo.tsv), output names. */
    record Model(String name, Map<String, Shape> inputs, List<String> outputs) {
        Path pt() {
            return DIR.resolve(name + ".pt");
        }

        Path onnx() {
            return DIR.resolve(name + ".onnx");
        }

        ImportOptions options() {
            return new ImportOptions(inputs);
        }

        /** The input the model was traced with (one input per model in the zoo). */
        Map<String, Tensor> input() {
            Npy.Array a = Npy.read(DIR.resolve(name + ".input.npy"));
            String in = inputs.keySet().iterator().next();
            return Map.of(in, new Tensor(new Shape(a.shape()), a.data()));
        }

        /** What PyTorch 1.13 computed for that input. */
        Tensor savedOutput(int i) {
            Path p = DIR.resolve(name + (outputs.size() == 1 ? ".output.npy" : ".output" + i + ".npy"));
            Npy.Array a = Npy.read(p);
            return new Tensor(new Shape(a.shape()), a.data());
        }
    }

    private Zoo() {
    }

    static List<Model> all() {
        List<Model> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(DIR.resolve("zoo.tsv")).subList(1, Files.readAllLines(DIR.resolve("zoo.tsv")).size())) {
                String[] f = line.split("\t");
                Map<String, Shape> inputs = new LinkedHashMap<>();
                for (String spec : f[1].split(" ")) {
                    String name = spec.substring(0, spec.indexOf('['));
                    String dims = spec.substring(spec.indexOf('[') + 1, spec.indexOf(']'));
                    inputs.put(name, new Shape(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray()));
                }
                List<String> outputs = new ArrayList<>();
                for (String spec : f[2].split(" ")) {
                    outputs.add(spec.substring(0, spec.indexOf('[')));
                }
                out.add(new Model(f[0], inputs, outputs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static Model named(String name) {
        return all().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }
}
