package io.cnv2.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cnv2.BadInputException;
import io.cnv2.ir.Activation;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.BatchNorm;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.IrException;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.Network;
import io.cnv2.ir.Op;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cnv2 graph card ({@code models/torchscript_card.py}): a JSON list of nodes, each a layer
 * or function with its geometry and the names of its parameters, which a model file that
 * carries no readable graph (TorchScript) embeds. This turns a card and the file's named
 * parameters into the IR; errors name the file and the node.
 */
public final class GraphCard {
    public static final String FORMAT = "cnv2.graph/1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String file;
    private final Map<String, Tensor> parameters;
    private final Map<String, Shape> shapes = new HashMap<>();
    private final Map<String, String> alias = new HashMap<>();
    private final Network.Builder net;

    private GraphCard(String file, Map<String, Tensor> parameters) {
        this.file = file;
        this.parameters = parameters;
        this.net = Network.builder(file);
    }

    /** The network of {@code cardJson} with weights from {@code parameters} (by the card's names). */
    public static Network build(String file, String cardJson, Map<String, Tensor> parameters) {
        JsonNode card;
        try {
            card = MAPPER.readTree(cardJson);
        } catch (IOException e) {
            throw new BadInputException(file + ": its cnv2 graph card is not valid JSON: " + e.getMessage());
        }
        if (card == null || !FORMAT.equals(card.path("format").asText())) {
            throw new BadInputException(file + ": graph card format '" + card.path("format").asText()
                    + "' is not " + FORMAT);
        }
        GraphCard g = new GraphCard(file, parameters);
        try {
            return g.translate(card).foldBatchNorm();
        } catch (IrException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
    }

    private Network translate(JsonNode card) {
        for (JsonNode in : card.path("inputs")) {
            Shape s = new Shape(ints(in, "shape", in.path("name").asText()));
            shapes.put(in.path("name").asText(), s);
            net.input(in.path("name").asText(), s);
        }
        for (JsonNode n : card.path("nodes")) {
            node(n);
        }
        for (JsonNode o : card.path("outputs")) {
            net.output(resolve(o.asText()));
        }
        return net.build();
    }

    private String resolve(String tensor) {
        String t = tensor;
        while (alias.containsKey(t)) {
            t = alias.get(t);
        }
        return t;
    }

    private void node(JsonNode n) {
        String name = n.path("name").asText();
        List<String> in = new ArrayList<>();
        for (JsonNode i : n.path("inputs")) {
            String t = resolve(i.asText());
            if (!shapes.containsKey(t)) {
                throw bad(name, "input '" + i.asText() + "' is produced by no earlier node");
            }
            in.add(t);
        }
        String op = n.path("op").asText();
        Op o = switch (op) {
            case "identity" -> null;
            case "conv2d" -> {
                int[] s = ints(n, "stride", name);
                int[] p = ints(n, "padding", name);
                int[] d = ints(n, "dilation", name);
                yield new Conv(n.path("groups").asInt(1), s[0], s[1], p[0], p[1], p[0], p[1], d[0], d[1],
                        parameter(n, "weight", name), optionalParameter(n, "bias", name));
            }
            case "linear" -> new Dense(parameter(n, "weight", name), optionalParameter(n, "bias", name));
            case "batch_norm" -> {
                Tensor scale = parameter(n, "weight", name);
                int c = scale.data().length;
                yield new BatchNorm(scale, parameter(n, "bias", name), vector(n, "running_mean", c, name),
                        vector(n, "running_var", c, name), (float) n.path("eps").asDouble(1e-5));
            }
            case "relu" -> Activation.relu();
            case "relu6" -> Activation.clip(0, 6);
            case "hardswish" -> Activation.hardSwish();
            case "hardsigmoid" -> Activation.hardSigmoid(1f / 6, 0.5f); // PyTorch: relu6(x + 3) / 6
            case "sigmoid" -> Activation.sigmoid();
            case "tanh" -> Activation.tanh();
            case "max_pool2d" -> new MaxPool(window(n, name));
            case "avg_pool2d" -> new AvgPool(window(n, name), n.path("count_include_pad").asBoolean(true));
            case "global_avg_pool" -> new GlobalAvgPool();
            case "flatten" -> new Reshape(flattened(shapes.get(in.get(0)), n.path("start_dim").asInt(0), name));
            case "add" -> new Eltwise(Eltwise.Kind.ADD);
            case "cat" -> new Concat(n.path("dim").asInt(0));
            default -> throw bad(name, "op '" + op + "' is not in the cnv2 graph card format (" + FORMAT + ")");
        };
        if (o == null) {
            alias.put(name, in.get(0));
            return;
        }
        shapes.put(name, o.inferShape(name, in.stream().map(shapes::get).toList()));
        net.node(name, o, in, name);
    }

    private PoolWindow window(JsonNode n, String name) {
        int[] k = ints(n, "kernel", name);
        int[] s = ints(n, "stride", name);
        int[] p = ints(n, "padding", name);
        return new PoolWindow(k[0], k[1], s[0], s[1], p[0], p[1], p[0], p[1], n.path("ceil_mode").asBoolean(false));
    }

    /** torch.flatten(x, start_dim) of a batch-1 tensor. */
    private Shape flattened(Shape s, int startDim, String name) {
        int[] d = s.dims();
        int from = startDim < 0 ? d.length + startDim : startDim;
        if (from < 1 || from >= d.length) {
            throw bad(name, "flatten from dimension " + startDim + " of " + s + " (only dimensions after the batch)");
        }
        int[] out = new int[from + 1];
        System.arraycopy(d, 0, out, 0, from);
        out[from] = 1;
        for (int i = from; i < d.length; i++) {
            out[from] *= d[i];
        }
        return new Shape(out);
    }

    private Tensor parameter(JsonNode n, String key, String name) {
        String p = n.path(key).asText(null);
        if (p == null) {
            throw bad(name, "names no '" + key + "' parameter");
        }
        Tensor t = parameters.get(p);
        if (t == null) {
            throw bad(name, "parameter '" + p + "' is not in the model file (it has " + parameters.size() + " parameters)");
        }
        return t;
    }

    private Tensor optionalParameter(JsonNode n, String key, String name) {
        return n.path(key).isNull() || n.path(key).isMissingNode() ? null : parameter(n, key, name);
    }

    private Tensor vector(JsonNode n, String key, int length, String name) {
        JsonNode a = n.path(key);
        if (!a.isArray() || a.size() != length) {
            throw bad(name, "'" + key + "' must be " + length + " numbers");
        }
        float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return new Tensor(Shape.of(length), v);
    }

    private int[] ints(JsonNode n, String key, String name) {
        JsonNode a = n.path(key);
        if (!a.isArray() || a.isEmpty()) {
            throw bad(name, "'" + key + "' must be a list of integers");
        }
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    private BadInputException bad(String node, String what) {
        return new BadInputException(file + ", graph card node '" + node + "': " + what);
    }
}
