package io.cnv2.torchscript;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.BadInputException;
import io.cnv2.importer.GraphCard;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelImporter;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.onnx.OnnxImporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TorchScript files as DJL's PyTorch engine loads them, with no graph card: the archive is read in
 * Java ({@link TorchArchive}), the top module's {@code forward} runs in the interpreter on symbolic
 * inputs of the shapes given ({@code --input-shape}, the model option {@code inputShape}: TorchScript
 * records none), every aten operation becomes ONNX nodes, and the ONNX importer places them
 * (accelerator, host in fixed point, host in float through ONNX Runtime). The float reference is the
 * file run by libtorch. A file that still carries a cnv2 graph card ({@code models/torchscript_card.py})
 * is read through the card, as before.
 */
public final class TorchScriptImporter implements ModelImporter {
    static final String CARD = "cnv2.graph.json";

    @Override
    public String format() {
        return "TorchScript";
    }

    @Override
    public boolean accepts(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".torchscript") || n.endsWith(".jit");
    }

    @Override
    public Network load(Path file, ImportOptions options) {
        try (TorchArchive archive = TorchArchive.open(file)) {
            var card = archive.extra(CARD);
            if (card.isPresent()) {
                return GraphCard.build(file.toString(), new String(card.get(), StandardCharsets.UTF_8), parameters(archive));
            }
            Translation t = translate(archive, file.toString(), options);
            Network net = OnnxImporter.translate(file.toString(), t.model(), options);
            // the network names an output by the tensor that computes it (the graph's Identity to
            // "output" is dropped), so libtorch's results are keyed by those names, in forward's order:
            // keyed by the graph's names, no output was ever asked of libtorch
            if (net.outputs().size() != t.outputs().size()) {
                throw new BadInputException(file + ": the translation has " + net.outputs().size() + " output(s), forward returns "
                        + t.outputs().size());
            }
            return net.withFloatReference(new LibtorchFloatReference(file, t.inputs(), t.integerInputs(), net.outputs(),
                    t.outputKeys(), net.floatReference().orElse(null)));
        }
    }

    /**
     * The ONNX translation of a TorchScript archive, with its inputs (in forward's order) and
     * outputs, and for each output the key of the dict entry forward returned it in (null outside a dict).
     */
    public record Translation(ModelProto model, List<String> inputs, Map<String, Boolean> integerInputs, List<String> outputs,
                              List<String> outputKeys) {
    }

    /** Translates the archive's top module for the input shapes in {@code options}. */
    public static Translation translate(TorchArchive archive, String file, ImportOptions options) {
        ArchiveValues values = new ArchiveValues();
        Values.Module root;
        List<Object> constants = new ArrayList<>();
        try {
            root = values.root(archive.root());
            List<Object> raw = archive.constants();
            for (int i = 0; i < raw.size(); i++) {
                constants.add(values.constant(raw.get(i), "CONSTANTS.c" + i));
            }
        } catch (TranslationException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
        Map<String, String> sources = archive.code();
        Map<String, Ast.CodeFile> parsed = new HashMap<>();
        java.util.function.Function<String, Ast.CodeFile> code = q -> {
            if (!sources.containsKey(q)) {
                return null;
            }
            return parsed.computeIfAbsent(q, k -> CodeParser.parse("code/" + k.replace('.', '/') + ".py", sources.get(k)));
        };
        OnnxBuilder g = new OnnxBuilder(Path.of(file).getFileName().toString());
        Interpreter in = new Interpreter(code, constants, g, new Ops(), ArchiveValues::segment);
        Ast.FunctionDef forward;
        try {
            forward = in.classOf(root).methods().get("forward");
        } catch (TranslationException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
        if (forward == null) {
            throw new BadInputException(file + ": its top module (" + root.className() + ") has no forward method");
        }
        List<String> names = forward.params().subList(1, forward.params().size());
        // a misspelt input name is the user's error to name, before any shape is asked for
        for (String k : options.inputShapes().keySet()) {
            if (!names.contains(k)) {
                throw new BadInputException(file + ": --input-shape names '" + k + "', but forward takes " + names);
            }
        }
        for (String k : options.values().keySet()) {
            if (!names.contains(k)) {
                throw new BadInputException(file + ": --input-tensor names '" + k + "', but forward takes " + names);
            }
        }
        // TorchScript declares no input shapes: the user's, else the shape of the value given for the input
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (String n : names) {
            if (options.inputShapes().containsKey(n)) {
                shapes.put(n, options.inputShapes().get(n));
            } else if (options.values().containsKey(n)) {
                shapes.put(n, options.values().get(n).shape());
            }
        }
        List<String> missing = names.stream().filter(n -> !shapes.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new io.cnv2.importer.InputShapesNeeded(file + ": TorchScript records no input shapes; give "
                    + String.join(" ", missing.stream().map(n -> "--input-shape " + n + "=1,C,H,W").toList())
                    + " or a value with --input-tensor (the DJL model option inputShape takes \"" + missing.get(0)
                    + "=1,C,H,W\"); forward takes " + names, names);
        }
        List<Object> args = new ArrayList<>();
        for (String n : names) {
            args.add(TVal.symbolic(n, shapes.get(n).dims(), TVal.Type.FLOAT));
        }
        Object result = null;
        try {
            result = in.callMethod(root, "forward", args, forward.loc());
        } catch (TranslationException e) {
            if (in.unmapped().isEmpty()) {
                throw Interpreter.userError(file, e);
            }
            // an untranslatable operation's placeholder reached something that needs its value: report the cause
        }
        if (!in.unmapped().isEmpty()) {
            throw new BadInputException(file + ": " + in.unmapped().size() + " operation(s) cnv2 cannot translate: "
                    + String.join("; ", in.unmapped()) + " (translated: docs/TORCHSCRIPT.md)");
        }
        List<TVal> outs = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        flatten(result, outs, keys, null, file);
        Map<String, Boolean> integer = new LinkedHashMap<>();
        for (String n : names) {
            boolean isInt = in.isInteger(n);
            integer.put(n, isInt);
            g.input(n, shapes.get(n).dims(), isInt ? TVal.Type.INT64 : TVal.Type.FLOAT);
        }
        List<String> outNames = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            String name = outs.size() == 1 ? "output" : "output" + i;
            TVal o = outs.get(i);
            if (o.type() != TVal.Type.FLOAT) {
                o = g.node("Cast", "/" + name, List.of(o), o.shape(), TVal.Type.FLOAT, OnnxBuilder.i("to", 1));
            }
            g.output(o, name);
            outNames.add(name);
        }
        Peephole.fuseConvBatchNorm(g);
        return new Translation(g.build(), names, integer, outNames, keys);
    }

    /** forward's tensors in order into {@code out}, each with the key of the dict entry it is in (else {@code key}) into {@code keys}. */
    private static void flatten(Object r, List<TVal> out, List<String> keys, String key, String file) {
        if (r instanceof TVal t) {
            out.add(t);
            keys.add(key);
        } else if (r instanceof Values.Tuple t) {
            // a None among a tuple's items is no output (scripted GoogLeNet's (logits, None, None) in eval mode)
            t.items().stream().filter(x -> !Values.isNone(x)).forEach(x -> flatten(x, out, keys, key, file));
        } else if (r instanceof List<?> l) {
            l.forEach(x -> flatten(x, out, keys, key, file));
        } else if (r instanceof Map<?, ?> m) {
            m.forEach((k, x) -> flatten(x, out, keys, String.valueOf(k), file));
        } else {
            throw new BadInputException(file + ": forward returns " + Interpreter.describe(r) + ", not tensors");
        }
    }

    /** Every parameter and buffer by its state_dict name, for a graph card. */
    private static Map<String, Tensor> parameters(TorchArchive archive) {
        Map<String, Tensor> params = new HashMap<>();
        collect(new ArchiveValues().root(archive.root()), params);
        return params;
    }

    private static void collect(Values.Module m, Map<String, Tensor> params) {
        for (Object v : m.attributes().values()) {
            if (v instanceof TVal t && t.isKnown()) {
                params.put(t.origin(), new Tensor(new Shape(t.shape()), ArithOps.floats(t)));
            } else if (v instanceof Values.Module child) {
                collect(child, params);
            }
        }
    }
}
