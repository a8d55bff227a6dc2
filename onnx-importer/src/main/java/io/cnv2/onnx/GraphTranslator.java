package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Activation;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.BatchNorm;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.IrException;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Op;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import io.cnv2.ir.LayerNorm;
import io.cnv2.ir.Softmax;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One ONNX graph to the IR. Walks the nodes in topological order ({@link OnnxGraphs}), keeping the
 * value of every constant tensor and the shape of every other, so that shape subgraphs fold to
 * constants (by cnv2's folder, else by ONNX Runtime) and each remaining node is placed
 * (docs/ARCHITECTURE.md): the ops cnv2 models become one IR node with the same name and output
 * tensor name (except LSTM and GRU, which {@link Recurrent} unrolls into many) on the accelerator or
 * the fixed-point host; every other node goes to the host in float, where {@link HostSegments}
 * groups them into ONNX Runtime sub-models.
 */
final class GraphTranslator {
    /** Op types that become IR nodes (plus the foldable ones when their inputs are known). */
    static final Set<String> TRANSLATED = Set.of("Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip",
            "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub",
            "Mul", "Div", "Concat", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Softmax", "Identity", "Dropout",
            "Cast", "Constant", "ConvTranspose", "Resize", "Upsample", "Transpose", "Slice", "ReduceMean", "Pow",
            "Sqrt", "LSTM", "GRU", "LayerNormalization");

    private final String file;
    private final ModelProto model;
    private final GraphProto graph;
    /** The nodes in topological order, their unique names and where each went. */
    private List<NodeProto> order;
    private String[] names;
    private Place[] place;
    private final Map<Integer, String> hostReasons = new LinkedHashMap<>();
    /** ONNX element types of graph inputs and of host-computed tensors (cnv2's own tensors are float). */
    private final Map<String, Integer> elemTypes = new HashMap<>();
    /** The TensorProto of initializers and Constant nodes, embedded as they are in host sub-models. */
    private final Map<String, TensorProto> protos = new HashMap<>();
    /** ONNX Runtime's view of every tensor, made when the first node goes to the host. */
    private Map<String, TypeProbe.ValueType> probe;
    private final Map<String, Shape> inputShapes = new LinkedHashMap<>();
    private final int opset;
    private final ImportOptions options;
    private final Map<String, Const> consts = new HashMap<>();
    /** ONNX element types of constants ONNX Runtime folded. */
    private final Map<String, Integer> constTypes = new HashMap<>();
    private final Map<String, Shape> shapes = new HashMap<>();
    private final Map<String, String> alias = new HashMap<>();
    private final Map<String, Integer> readers = new HashMap<>();
    /** Where the batch axis of a computed tensor is, when a Transpose or Squeeze moved it from 0. */
    private final Map<String, Integer> batchAxes = new HashMap<>();
    private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
    private final Set<String> usedConstants = new HashSet<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final Network.Builder builder;

    /** Where a node went: folded to a constant, an alias of another tensor, cnv2's IR, or the host in float. */
    enum Place { CONSTANT, ALIAS, IR, HOST }

    GraphTranslator(String file, ModelProto model, int opset, ImportOptions options) {
        this.file = file;
        this.model = model;
        this.graph = model.getGraph();
        this.opset = opset;
        this.options = options;
        this.builder = Network.builder(graph.getName().isEmpty() ? java.nio.file.Path.of(file).getFileName().toString() : graph.getName());
    }

    static String supported() {
        TreeSet<String> all = new TreeSet<>(TRANSLATED);
        all.addAll(ConstantFolder.FOLDABLE);
        return String.join(", ", all);
    }

    Network translate() {
        for (TensorProto t : graph.getInitializerList()) {
            consts.put(t.getName(), readTensor(t, "initializer"));
            protos.put(t.getName(), t);
        }
        order = OnnxGraphs.topologicalOrder(graph, file);
        names = new String[order.size()];
        place = new Place[order.size()];
        for (NodeProto n : order) {
            OnnxGraphs.references(n).forEach(i -> readers.merge(i, 1, Integer::sum));
        }
        graph.getOutputList().forEach(o -> readers.merge(o.getName(), 1, Integer::sum));
        List<String> inputNames = graph.getInputList().stream().map(ValueInfoProto::getName)
                .filter(n -> !consts.containsKey(n)).toList();
        for (String name : options.inputShapes().keySet()) {
            if (!inputNames.contains(name)) {
                throw new BadInputException("model file " + file + " has no input named '" + name + "' (inputs: "
                        + String.join(", ", inputNames) + ")");
            }
        }
        for (ValueInfoProto in : graph.getInputList()) {
            if (!consts.containsKey(in.getName())) {
                Shape s = inputShape(in);
                shapes.put(in.getName(), s);
                inputShapes.put(in.getName(), s);
                elemTypes.put(in.getName(), in.getType().getTensorType().getElemType());
                builder.input(in.getName(), s);
            }
        }
        for (int i = 0; i < order.size(); i++) {
            NodeProto n = order.get(i);
            String name = uniqueName(n, i);
            names[i] = name;
            try {
                place[i] = node(i, name, n);
            } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
                throw error(name, n, e.getMessage());
            }
        }
        nodes.values().forEach(builder::node);
        if (!hostReasons.isEmpty()) {
            HostSegments.build(file, model, segmenterView()).forEach(builder::node);
        }
        usedConstants.forEach(c -> builder.constant(c, consts.get(c).tensor()));
        for (ValueInfoProto o : graph.getOutputList()) {
            String t = resolve(o.getName());
            if (consts.containsKey(t)) {
                // an output known at import (a Shape of a fixed-size input, say): the host hands it over as it is
                Tensor value = consts.get(t).tensor();
                builder.node(new Node(o.getName() + "/constant", new io.cnv2.ir.HostGraph(List.of("Constant"), 0,
                        List.of(value.shape()), 0, "cnv2", in -> List.of(value), List.of(false)), List.of(),
                        o.getName()));
                builder.output(o.getName());
                continue;
            }
            builder.output(t);
        }
        return builder.build();
    }

    private String uniqueName(NodeProto n, int index) {
        String base = n.getName().isEmpty() ? n.getOpType() + "_" + index : n.getName();
        String name = base;
        for (int i = 1; !nodeNames.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    private BadInputException error(String name, NodeProto n, String what) {
        return new BadInputException("model file " + file + ": node '" + name + "' (" + n.getOpType() + "): " + what);
    }

    private Const readTensor(TensorProto t, String what) {
        try {
            return Tensors.read(t);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("model file " + file + ": " + what + " " + e.getMessage());
        }
    }

    /** A graph input's shape: the batch dimension is 1 (the IR is per sample), other symbolic dims from options. */
    private Shape inputShape(ValueInfoProto in) {
        if (!in.getType().hasTensorType()) {
            throw new BadInputException("model file " + file + ": input '" + in.getName() + "' is not a tensor "
                    + "(a sequence, map or optional); cnv2 feeds tensors");
        }
        var type = in.getType().getTensorType();
        if (!OrtTensors.feedable(type.getElemType())) {
            throw new BadInputException("model file " + file + ": input '" + in.getName() + "' has element type "
                    + OrtTensors.typeName(type.getElemType()) + ", which cnv2 cannot feed");
        }
        List<TensorShapeProto.Dimension> dims = type.getShape().getDimList();
        Shape given = options.inputShapes().get(in.getName());
        if (given != null) {
            if (given.rank() != dims.size()) {
                throw new BadInputException("--input-shape " + in.getName() + ": model input has rank " + dims.size()
                        + ", the option gives " + given);
            }
            for (int i = 0; i < dims.size(); i++) {
                if (dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0 && dims.get(i).getDimValue() != given.dim(i)) {
                    throw new BadInputException("--input-shape " + in.getName() + ": dimension " + i + " is "
                            + dims.get(i).getDimValue() + " in the model, the option gives " + given.dim(i));
                }
            }
            // the user's shape as given: only they know where a non-image input keeps its batch
            return given;
        }
        int[] d = new int[dims.size()];
        for (int i = 0; i < d.length; i++) {
            TensorShapeProto.Dimension dim = dims.get(i);
            if (i == 0 && !(dim.hasDimValue() && dim.getDimValue() > 0)) {
                d[i] = 1; // a symbolic leading dimension is the batch: one sample
            } else if (dim.hasDimValue() && dim.getDimValue() > 0) {
                d[i] = Math.toIntExact(dim.getDimValue());
            } else {
                throw new BadInputException("model file " + file + ": input '" + in.getName() + "' has symbolic "
                        + "dimensions " + describe(dims) + "; give them with --input-shape " + in.getName() + "=1,...");
            }
        }
        return new Shape(d);
    }

    private static String describe(List<TensorShapeProto.Dimension> dims) {
        return dims.stream().map(d -> d.hasDimValue() ? String.valueOf(d.getDimValue())
                : d.getDimParam().isEmpty() ? "?" : d.getDimParam()).toList().toString();
    }

    private String resolve(String tensor) {
        String t = tensor;
        while (alias.containsKey(t)) {
            t = alias.get(t);
        }
        return t;
    }

    private boolean known(String tensor) {
        return tensor.isEmpty() || consts.containsKey(resolve(tensor));
    }

    private Const constant(NodeProto n, int i, String what) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        Const c = consts.get(resolve(n.getInput(i)));
        if (c == null) {
            throw new IllegalArgumentException(what + " ('" + n.getInput(i) + "') must be a constant "
                    + "(initializer or Constant node); cnv2 runs weights that are known at import");
        }
        return c;
    }

    /** A constant input the op cannot do without: its absence is a clear error naming it. */
    private Const required(NodeProto n, int i, String what) {
        Const c = constant(n, i, what);
        if (c == null) {
            throw new IllegalArgumentException(what + " (input " + i + ") is missing");
        }
        return c;
    }

    private Shape dynamicShape(NodeProto n, int i) {
        String t = resolve(n.getInput(i));
        if (consts.containsKey(t)) {
            return consts.get(t).shape();
        }
        Shape s = shapes.get(t);
        if (s == null) {
            throw new IllegalArgumentException("input '" + n.getInput(i) + "' is not a graph input, an initializer "
                    + "or the output of an earlier node");
        }
        return s;
    }

    /** Places one node (see {@link Place}) and records what it makes. */
    private Place node(int index, String name, NodeProto n) {
        String op = n.getOpType();
        boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
        if (op.equals("Constant") && defaultDomain) {
            consts.put(n.getOutput(0), constantNode(n));
            Attributes at = new Attributes(n);
            if (at.has("value")) {
                protos.put(n.getOutput(0), at.raw("value").getT());
            }
            return Place.CONSTANT;
        }
        boolean allKnown = OnnxGraphs.references(n).stream().allMatch(this::known);
        if (op.equals("Shape") && defaultDomain && !allKnown && shapes.containsKey(resolve(n.getInput(0)))) {
            consts.put(n.getOutput(0), ConstantFolder.shape(dims(dynamicShape(n, 0)), new Attributes(n)));
            return Place.CONSTANT;
        }
        if (allKnown && n.getInputCount() > 0) {
            if (defaultDomain && ConstantFolder.FOLDABLE.contains(op)) {
                List<Const> in = new ArrayList<>();
                for (String i : n.getInputList()) {
                    in.add(i.isEmpty() ? null : consts.get(resolve(i)));
                }
                try {
                    consts.put(n.getOutput(0), ConstantFolder.fold(n, in, opset));
                    return Place.CONSTANT;
                } catch (RuntimeException notHere) {
                    // cnv2's folder covers shape arithmetic; ONNX Runtime folds the rest below
                }
            }
            ortFold(name, n);
            return Place.CONSTANT;
        }
        String why = hostReason(n, defaultDomain);
        if (why == null) {
            Attributes at = new Attributes(n);
            try {
                translate(name, n, at, op);
                return placeOf(n);
            } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                     | BadInputException e) {
                why = e.getMessage();
            }
        }
        host(index, n, why);
        return Place.HOST;
    }

    /** ALIAS when the node's output is another tensor under a new name, else IR. */
    private Place placeOf(NodeProto n) {
        return alias.containsKey(n.getOutput(0)) ? Place.ALIAS : Place.IR;
    }

    /**
     * Why a node cannot be one of cnv2's IR ops whatever its attributes, or null: another op domain,
     * an op cnv2 does not model, a computed input that is not float, or an output cnv2 does not make.
     */
    private String hostReason(NodeProto n, boolean defaultDomain) {
        String op = n.getOpType();
        if (!defaultDomain) {
            return "op domain '" + n.getDomain() + "'";
        }
        if (opset < OnnxImporter.MIN_OPSET || opset > OnnxImporter.MAX_OPSET) {
            return "opset " + opset + " (cnv2's translators follow opsets " + OnnxImporter.MIN_OPSET + " to "
                    + OnnxImporter.MAX_OPSET + ")";
        }
        if (!TRANSLATED.contains(op)) {
            return "op " + op + " is not one cnv2 models";
        }
        for (String r : OnnxGraphs.references(n)) {
            if (!known(r)) {
                int t = elemType(resolve(r));
                // float16, bfloat16 and double tensors are widened to float32, as their weights are
                if (!Tensors.isFloat(t)) {
                    return "input '" + r + "' is " + OrtTensors.typeName(t);
                }
            }
        }
        if (n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
            return "control flow";
        }
        boolean recurrent = op.equals("LSTM") || op.equals("GRU");
        for (int i = 1; i < n.getOutputCount() && !recurrent; i++) {
            if (!n.getOutput(i).isEmpty() && readers.containsKey(n.getOutput(i))) {
                return "output " + i + " ('" + n.getOutput(i) + "') is used; cnv2 makes only the first output of " + op;
            }
        }
        return null;
    }

    /** A computed tensor's ONNX element type: graph inputs as declared, host outputs as ONNX Runtime said, else float. */
    private int elemType(String tensor) {
        return elemTypes.getOrDefault(tensor, Tensors.FLOAT);
    }

    /** The node goes to the host in float: its outputs get ONNX Runtime's types and shapes. */
    /**
     * Ops whose output shape is a function of input values: with these, a shape ONNX Runtime's
     * inference leaves open really changes from sample to sample.
     */
    private static final Set<String> VALUE_SHAPED = Set.of("NonZero", "NonMaxSuppression", "Unique", "Compress",
            "Loop", "Scan", "If", "TopK", "StringSplit", "RegexFullMatch", "SequenceAt", "ConcatFromSequence",
            "SplitToSequence");

    /** Host outputs whose shape depends on the input values (never handed to cnv2's IR). */
    private final Set<String> valueShaped = new HashSet<>();

    private void host(int index, NodeProto n, String why) {
        hostReasons.put(index, why);
        // a shape inference left open is data-dependent only if the op makes it so (NonZero...), a
        // computed integer input (a shape, sizes, repeats) steers it, or an input already is
        boolean steered = VALUE_SHAPED.contains(n.getOpType());
        for (String r : OnnxGraphs.references(n)) {
            String rr = resolve(r);
            steered |= valueShaped.contains(rr) || !known(r) && !Tensors.isFloat(elemType(rr));
        }
        if (Boolean.getBoolean("cnv2.debug.placement")) {
            System.err.println("host: " + n.getOpType() + " '" + n.getName() + "': " + why);
        }
        Map<String, TypeProbe.ValueType> types = probe();
        for (String o : n.getOutputList()) {
            TypeProbe.ValueType t = types.get(o);
            if (o.isEmpty() || t == null) {
                continue;
            }
            t = t.withDataDependent(t.open() && steered);
            types.put(o, t);
            if (t.dataDependent()) {
                valueShaped.add(o);
            }
            elemTypes.put(o, t.elemType());
            if (t.known() && !t.dataDependent()) {
                shapes.put(o, t.shape());
            }
        }
    }

    private Map<String, TypeProbe.ValueType> probe() {
        if (probe == null) {
            Map<String, Integer> types = new HashMap<>();
            inputShapes.keySet().forEach(k -> types.put(k, elemTypes.get(k)));
            try {
                probe = TypeProbe.of(file, model, inputShapes, types, options.values());
            } catch (BadInputException e) {
                // say why the host was asked at all: the first node cnv2 did not claim
                var first = hostReasons.entrySet().iterator().next();
                NodeProto n = order.get(first.getKey());
                throw new BadInputException(e.getMessage() + " (cnv2 places node '" + names[first.getKey()] + "' ("
                        + n.getOpType() + ") on the host: " + first.getValue() + ")");
            }
        }
        return probe;
    }

    /** A node whose every input is known at import and that cnv2's folder does not fold: ONNX Runtime folds it. */
    private void ortFold(String name, NodeProto n) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("cnv2_fold").addNode(n);
        for (String r : OnnxGraphs.references(n)) {
            g.addInitializer(constantProto(resolve(r)).toBuilder().setName(r));
        }
        List<String> outs = n.getOutputList().stream().filter(o -> !o.isEmpty()).toList();
        outs.forEach(o -> g.addOutput(ValueInfoProto.newBuilder().setName(o)));
        ModelProto m = ModelProto.newBuilder().setIrVersion(model.getIrVersion())
                .addAllOpsetImport(model.getOpsetImportList()).addAllFunctions(model.getFunctionsList())
                .setGraph(g).build();
        String what = "model file " + file + ": node '" + name + "' (" + n.getOpType() + ") on constant inputs";
        try (ai.onnxruntime.OrtSession s = OrtHost.session(m.toByteArray(), what, true);
             ai.onnxruntime.OrtSession.Result r = s.run(Map.of())) {
            for (String o : outs) {
                var v = r.get(o);
                if (v.isEmpty() || !(v.get() instanceof ai.onnxruntime.OnnxTensor t)) {
                    throw new BadInputException(what + ": ONNX Runtime made no tensor '" + o + "'");
                }
                int type = OrtTensors.elemType(t.getInfo());
                if (!OrtTensors.carried(type)) {
                    throw new BadInputException(what + ": output '" + o + "' is " + OrtTensors.typeName(type));
                }
                Tensor f = OrtTensors.fromOrt(t);
                double[] d = new double[f.data().length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = f.data()[i];
                }
                if (type == Tensors.INT64 || type == Tensors.DOUBLE) {
                    d = exact(t, type, d.length); // beyond float32's 24 bits
                }
                long[] dims = t.getInfo().getShape();
                consts.put(o, new Const(dims, d, !Tensors.isFloat(type)));
                constTypes.put(o, type);
            }
        } catch (ai.onnxruntime.OrtException e) {
            throw new BadInputException(what + ": ONNX Runtime: " + OrtHost.firstLine(e.getMessage()));
        }
    }

    private static double[] exact(ai.onnxruntime.OnnxTensor t, int type, int n) {
        double[] d = new double[n];
        if (type == Tensors.INT64) {
            var b = t.getLongBuffer();
            for (int i = 0; i < n; i++) {
                d[i] = b.get(i);
            }
        } else {
            var b = t.getDoubleBuffer();
            for (int i = 0; i < n; i++) {
                d[i] = b.get(i);
            }
        }
        return d;
    }

    /** The constant as ONNX holds it: the file's own TensorProto where there is one, else written in its type. */
    private TensorProto constantProto(String tensor) {
        TensorProto p = protos.get(tensor);
        if (p != null) {
            return p;
        }
        Const c = consts.get(tensor);
        Integer type = constTypes.get(tensor);
        if (type == null) {
            TypeProbe.ValueType t = probe().get(tensor);
            type = t != null ? t.elemType() : c.integral() ? Tensors.INT64 : Tensors.FLOAT;
        }
        return Tensors.write(tensor, c, type);
    }

    /** The segmenter's view of this translation. */
    private HostSegments.Graph segmenterView() {
        Set<String> outs = new HashSet<>();
        graph.getOutputList().forEach(o -> outs.add(o.getName()));
        return new HostSegments.Graph() {
            @Override
            public List<NodeProto> nodes() {
                return order;
            }

            @Override
            public boolean onHost(int node) {
                return place[node] == Place.HOST;
            }

            @Override
            public boolean inIr(int node) {
                return place[node] == Place.IR;
            }

            @Override
            public String nodeName(int node) {
                return names[node];
            }

            @Override
            public String resolve(String tensor) {
                return GraphTranslator.this.resolve(tensor);
            }

            @Override
            public TensorProto constant(String tensor) {
                return consts.containsKey(tensor) ? constantProto(tensor) : null;
            }

            @Override
            public TypeProbe.ValueType type(String tensor) {
                String t = GraphTranslator.this.resolve(tensor);
                if (elemTypes.containsKey(t) && !inputShapes.containsKey(t)) {
                    return probe().get(t);
                }
                Shape s = shapes.get(t);
                if (s == null) {
                    return probe().get(tensor);
                }
                // the element type the ONNX graph gives the name (a half-precision tensor cnv2 holds in
                // float32 is handed back to ONNX Runtime in half precision), the shape cnv2 holds
                TypeProbe.ValueType onnx = inputShapes.containsKey(t) ? null : probe().get(tensor);
                return new TypeProbe.ValueType(onnx != null ? onnx.elemType() : elemType(t),
                        java.util.Arrays.stream(s.dims()).asLongStream().toArray());
            }

            @Override
            public Set<String> graphOutputs() {
                return outs;
            }
        };
    }

    private void translate(String name, NodeProto n, Attributes at, String op) {
        String x = n.getInputCount() > 0 ? resolve(n.getInput(0)) : "";
        switch (op) {
            case "Identity", "Dropout" -> alias.put(n.getOutput(0), x);
            case "Cast" -> {
                // to float32 or double cnv2 keeps float32 (it widens half precision): the same tensor; a
                // cast to half precision rounds, so ONNX Runtime does it on the host
                int to = (int) at.integer("to", 0);
                if (to != Tensors.FLOAT && to != Tensors.DOUBLE) {
                    throw error(name, n, "Cast of a computed tensor to " + OrtTensors.typeName(to)
                            + " (cnv2 carries float32 tensors)");
                }
                alias.put(n.getOutput(0), x);
            }
            case "Conv" -> {
                if (dynamicShape(n, 0).rank() == 3) {
                    oneDimensional(name, n, x);
                } else {
                    add(name, n, conv(n, at), List.of(x));
                }
            }
            case "ConvTranspose" -> add(name, n, OnnxOps.convTranspose(at, dynamicShape(n, 0), required(n, 1, "weight"),
                    constant(n, 2, "bias")), List.of(x));
            case "Resize", "Upsample" -> resize(name, n, at, x);
            case "Transpose" -> {
                var t = OnnxOps.transpose(at, dynamicShape(n, 0));
                int b = batchAxis(x);
                add(name, n, t, List.of(x));
                for (int i = 0; i < t.perm().length; i++) {
                    if (t.perm()[i] == b) {
                        batchAxes.put(n.getOutput(0), i);
                    }
                }
            }
            case "Slice" -> slice(name, n, at, x);
            case "LSTM", "GRU" -> recurrent(name, n, at, x);
            case "ReduceMean" -> {
                var r = OnnxOps.reduceMean(at, dynamicShape(n, 0),
                        opset < 18 ? at.ints("axes", null) : optionalInts(n, 1));
                for (int a : r.axes()) {
                    sampleAxis(a, x, dynamicShape(n, 0).rank());
                }
                add(name, n, r, List.of(x));
            }
            case "Sqrt" -> add(name, n, Activation.sqrt(), List.of(x));
            case "Pow" -> eltwise(name, n);
            case "Gemm" -> add(name, n, gemm(n, at), List.of(x));
            case "MatMul" -> {
                if (known(n.getInput(0)) && !known(n.getInput(1))) {
                    constantLeft(name, n, x);
                } else if (known(n.getInput(1))) {
                    add(name, n, matmul(n), List.of(x));
                } else {
                    add(name, n, new MatMul(), operands(n));
                }
            }
            case "BatchNormalization" -> {
                if (at.integer("training_mode", 0) != 0) {
                    throw error(name, n, "training_mode=1 is not supported");
                }
                add(name, n, new BatchNorm(required(n, 1, "scale").tensor(), required(n, 2, "bias").tensor(),
                        required(n, 3, "mean").tensor(), required(n, 4, "var").tensor(),
                        at.real("epsilon", 1e-5f)), List.of(x));
            }
            case "Relu" -> add(name, n, Activation.relu(), List.of(x));
            case "Sigmoid" -> add(name, n, Activation.sigmoid(), List.of(x));
            case "Tanh" -> add(name, n, Activation.tanh(), List.of(x));
            case "HardSwish" -> add(name, n, Activation.hardSwish(), List.of(x));
            case "HardSigmoid" -> add(name, n, Activation.hardSigmoid(at.real("alpha", 0.2f), at.real("beta", 0.5f)),
                    List.of(x));
            case "Clip" -> add(name, n, clip(n, at), List.of(x));
            case "MaxPool", "AveragePool" -> {
                if (dynamicShape(n, 0).rank() == 3) {
                    oneDimensional(name, n, x);
                    return;
                }
                if (op.equals("AveragePool")) {
                    add(name, n, new AvgPool(window(n, at), at.integer("count_include_pad", 0) != 0), List.of(x));
                    return;
                }
                if (at.integer("storage_order", 0) != 0) {
                    throw error(name, n, "storage_order=1 is not supported");
                }
                add(name, n, new MaxPool(window(n, at)), List.of(x));
            }
            case "GlobalAveragePool" -> add(name, n, new GlobalAvgPool(), List.of(x));
            case "Add", "Sub", "Mul", "Div" -> eltwise(name, n);
            case "Concat" -> add(name, n, new Concat(sampleAxis(at.integer("axis", 1), x, dynamicShape(n, 0).rank())),
                    operands(n));
            case "Reshape" -> add(name, n, new Reshape(reshaped(ConstantFolder.reshapeDims(name,
                    dims(dynamicShape(n, 0)), required(n, 1, "shape").longs(), at.integer("allowzero", 0) != 0))),
                    List.of(x));
            case "Flatten" -> add(name, n, new Reshape(reshaped(ConstantFolder.flattenDims(dims(dynamicShape(n, 0)),
                    (int) at.integer("axis", 1)))), List.of(x));
            case "Squeeze" -> squeeze(name, n, at, x);
            case "Unsqueeze" -> add(name, n, new Reshape(reshaped(ConstantFolder.unsqueezeDims(
                    dims(dynamicShape(n, 0)), opset < 13 ? at.ints("axes", null) : required(n, 1, "axes").longs()))),
                    List.of(x));
            case "Softmax" -> add(name, n, softmax(n, at), List.of(x));
            case "LayerNormalization" -> add(name, n, layerNorm(n, at), List.of(x));
            default -> throw new IllegalArgumentException("op type '" + op + "' is not one cnv2 models with "
                    + "computed inputs");
        }
    }

    /**
     * A 1-D Conv or pool ([N, C, L]) as the 2-D one over [N, C, 1, L] that computes the same values: the
     * accelerator's convolution engine has two spatial axes, and a length-L signal is a 1 x L image
     * (kernel 1 x k, strides 1 x s, pads 0 and p, dilations 1 x d). Reshapes on either side keep the
     * ONNX tensor names and shapes; the conv or pool keeps the node's name.
     */
    private void oneDimensional(String name, NodeProto n, String x) {
        Shape s = dynamicShape(n, 0);
        String flat = n.getOutput(0);
        String x2 = flat + "/as2d";
        add(name + "/as2d", n, new Reshape(Shape.of(s.dim(0), s.dim(1), 1, s.dim(2))), List.of(x), x2);
        NodeProto.Builder b = n.toBuilder().clearInput().clearAttribute().addInput(x2);
        for (int i = 1; i < n.getInputCount(); i++) {
            String in = n.getInput(i);
            if (i == 1 && n.getOpType().equals("Conv") && known(in)) {
                Const w = consts.get(resolve(in));
                if (w.rank() != 3) {
                    throw new IllegalArgumentException("a 1-D Conv weight must have rank 3, has "
                            + Arrays.toString(w.dims()));
                }
                String w2 = resolve(in) + "/as2d";
                consts.put(w2, new Const(new long[] {w.dims()[0], w.dims()[1], 1, w.dims()[2]}, w.data(), false));
                in = w2;
            }
            b.addInput(in);
        }
        for (var a : n.getAttributeList()) {
            var nb = a.toBuilder();
            switch (a.getName()) {
                case "kernel_shape", "strides", "dilations" -> {
                    if (a.getIntsCount() != 1) {
                        throw new IllegalArgumentException(a.getName() + " of a 1-D " + n.getOpType()
                                + " must have one value");
                    }
                    nb.clearInts().addInts(1).addInts(a.getInts(0));
                }
                case "pads" -> {
                    if (a.getIntsCount() != 2) {
                        throw new IllegalArgumentException("pads of a 1-D " + n.getOpType() + " must have two values");
                    }
                    nb.clearInts().addInts(0).addInts(a.getInts(0)).addInts(0).addInts(a.getInts(1));
                }
                default -> {
                }
            }
            b.addAttribute(nb);
        }
        NodeProto n2 = b.build();
        Attributes at2 = new Attributes(n2);
        String y2 = flat + "/2d";
        Op op = switch (n.getOpType()) {
            case "Conv" -> conv(n2, at2);
            case "MaxPool" -> {
                if (at2.integer("storage_order", 0) != 0) {
                    throw new IllegalArgumentException("storage_order=1 is not supported");
                }
                yield new MaxPool(window(n2, at2));
            }
            default -> new AvgPool(window(n2, at2), at2.integer("count_include_pad", 0) != 0);
        };
        add(name, n2, op, List.of(x2), y2);
        Shape out = shapes.get(y2);
        add(name + "/as1d", n, new Reshape(Shape.of(out.dim(0), out.dim(1), out.dim(3))), List.of(y2), flat);
    }

    /**
     * MatMul of a constant [K, C] by a computed [..., C, L] (PyTorch's {@code W @ x}): the same weights
     * applied to each of the L columns, so a fully connected layer over the transposed input,
     * transposed back: x^T W^T = (W x)^T.
     */
    private void constantLeft(String name, NodeProto n, String x) {
        Shape s = dynamicShape(n, 1);
        Const w = required(n, 0, "A");
        if (w.rank() != 2 || s.rank() < 2 || s.dim(-2) != w.dims()[1]) {
            throw new IllegalArgumentException("MatMul of a constant " + Arrays.toString(w.dims()) + " by " + s
                    + " is not one cnv2 runs as a fully connected layer");
        }
        String b = resolve(n.getInput(1));
        int[] perm = new int[s.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[perm.length - 1] = perm.length - 2;
        perm[perm.length - 2] = perm.length - 1;
        String out = n.getOutput(0);
        add(name + "/columns", n, new io.cnv2.ir.Transpose(perm.clone()), List.of(b), out + "/columns");
        add(name, n, new Dense(w.tensor(), null), List.of(out + "/columns"), out + "/rows");
        add(name + "/back", n, new io.cnv2.ir.Transpose(perm.clone()), List.of(out + "/rows"), out);
    }

    private int batchAxis(String tensor) {
        return batchAxes.getOrDefault(tensor, 0);
    }

    /** Squeeze of a computed tensor; the batch axis may not go, and the axes before it shift it. */
    private void squeeze(String name, NodeProto n, Attributes at, String x) {
        Shape s = dynamicShape(n, 0);
        long[] axes = opset < 13 ? at.ints("axes", null) : optionalInts(n, 1);
        int b = batchAxis(x);
        if (axes == null) {
            throw new IllegalArgumentException("Squeeze without axes would remove the batch axis");
        }
        int before = 0;
        for (long a : axes) {
            int ax = sampleAxis(a, x, s.rank());
            before += ax < b ? 1 : 0;
        }
        add(name, n, new Reshape(reshaped(ConstantFolder.squeezeDims(dims(s), axes))), List.of(x));
        if (b - before != 0) {
            batchAxes.put(n.getOutput(0), b - before);
        }
    }

    /** LSTM or GRU unrolled over the sequence ({@link Recurrent}); only the outputs the graph reads are made. */
    private void recurrent(String name, NodeProto n, Attributes at, String x) {
        boolean lstm = n.getOpType().equals("LSTM");
        List<String> outs = new ArrayList<>();
        boolean[] read = new boolean[3];
        for (int i = 0; i < 3; i++) {
            String o = i < n.getOutputCount() ? n.getOutput(i) : "";
            outs.add(o);
            read[i] = !o.isEmpty() && readers.containsKey(o);
        }
        var node = new Recurrent.Cell(name, at, x, dynamicShape(n, 0), batchAxis(x), required(n, 1, "W"),
                required(n, 2, "R"), constant(n, 3, "B"), constant(n, 4, "sequence_lens"),
                constant(n, 5, "initial_h"), lstm ? constant(n, 6, "initial_c") : null,
                lstm ? constant(n, 7, "P") : null, outs, read);
        Recurrent.Unrolled u = lstm ? Recurrent.lstm(node) : Recurrent.gru(node);
        consts.putAll(u.constants());
        for (Recurrent.Step s : u.steps()) {
            add(s.name(), n, s.op(), s.inputs(), s.output());
        }
        batchAxes.putAll(u.batchAxes());
    }

    private void slice(String name, NodeProto n, Attributes at, String x) {
        Shape s = dynamicShape(n, 0);
        long[] starts = opset < 10 ? at.ints("starts", null) : required(n, 1, "starts").longs();
        long[] ends = opset < 10 ? at.ints("ends", null) : required(n, 2, "ends").longs();
        long[] axes = opset < 10 ? at.ints("axes", null) : optionalInts(n, 3);
        long[] steps = opset < 10 || n.getInputCount() <= 4 ? null : optionalInts(n, 4);
        io.cnv2.ir.Slice op = OnnxOps.slice(s, starts, ends, axes, steps);
        int b = batchAxis(x);
        for (int i = 0; i < starts.length; i++) {
            long a = axes == null ? i : axes[i] < 0 ? axes[i] + s.rank() : axes[i];
            // on the batch axis only "everything" is per sample: from 0, to the end, step 1
            if (a == b && (starts[i] != 0 || ends[i] < Integer.MAX_VALUE || steps != null && steps[i] != 1)) {
                throw new IllegalArgumentException("slicing the batch axis (" + b + ") is not supported; cnv2's IR "
                        + "runs one sample at a time");
            }
        }
        add(name, n, op, List.of(x));
    }

    private void resize(String name, NodeProto n, Attributes at, String x) {
        String op = n.getOpType();
        Const scales;
        Const sizes = null;
        if (op.equals("Upsample")) {
            scales = opset < 9 ? Const.ints(new long[0]) : constant(n, 1, "scales");
            if (opset < 9) {
                List<Float> f = at.raw("scales").getFloatsList();
                scales = new Const(new long[] {f.size()}, f.stream().mapToDouble(Float::doubleValue).toArray(), false);
            }
        } else if (opset < 11) {
            scales = constant(n, 1, "scales");
        } else {
            scales = constant(n, 2, "scales");
            sizes = constant(n, 3, "sizes");
        }
        add(name, n, OnnxOps.resize(op, opset, at, dynamicShape(n, 0), scales, sizes), List.of(x));
    }

    private long[] optionalInts(NodeProto n, int i) {
        Const c = constant(n, i, "axes");
        return c == null ? null : c.longs();
    }

    private static long[] dims(Shape s) {
        return Arrays.stream(s.dims()).asLongStream().toArray();
    }

    private static Shape reshaped(long[] dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(dims[i]);
        }
        return new Shape(d);
    }

    private static int axis(long a, int rank) {
        return (int) (a < 0 ? a + rank : a);
    }

    /** An axis of computed tensor {@code t}; its batch axis (0 unless moved) is one the per-sample IR cannot mix. */
    private int sampleAxis(long a, String t, int rank) {
        int ax = axis(a, rank);
        if (ax == batchAxis(t)) {
            throw new IllegalArgumentException("axis " + ax + " is the batch axis; cnv2's IR runs one sample at a time");
        }
        return ax;
    }

    private Const constantNode(NodeProto n) {
        Attributes at = new Attributes(n);
        if (at.has("value")) {
            return readTensor(at.raw("value").getT(), "Constant node '" + n.getName() + "'");
        }
        if (at.has("value_float")) {
            return new Const(new long[0], new double[] {at.real("value_float", 0)}, false);
        }
        if (at.has("value_floats")) {
            List<Float> f = at.raw("value_floats").getFloatsList();
            return new Const(new long[] {f.size()}, f.stream().mapToDouble(Float::doubleValue).toArray(), false);
        }
        if (at.has("value_int")) {
            return new Const(new long[0], new double[] {at.integer("value_int", 0)}, true);
        }
        if (at.has("value_ints")) {
            return Const.ints(at.ints("value_ints", null));
        }
        throw new BadInputException("model file " + file + ": Constant node '" + n.getName()
                + "' has no value cnv2 reads (value, value_float(s), value_int(s))");
    }

    private void add(String name, NodeProto n, Op op, List<String> inputs) {
        add(name, n, op, inputs, n.getOutput(0));
    }

    private void add(String name, NodeProto n, Op op, List<String> inputs, String output) {
        for (String i : inputs) {
            if (consts.containsKey(i)) {
                usedConstants.add(i);
            } else if (!shapes.containsKey(i)) {
                throw error(name, n, "input '" + i + "' is not a graph input, an initializer or the output of an "
                        + "earlier node");
            }
        }
        List<Shape> in = inputs.stream().map(i -> consts.containsKey(i) ? consts.get(i).shape() : shapes.get(i))
                .toList();
        Shape out;
        try {
            out = op.inferShape(name, in);
        } catch (IrException e) {
            throw new BadInputException("model file " + file + ": " + e.getMessage());
        }
        shapes.put(output, out);
        nodes.put(output, new Node(name, op, inputs, output));
        if (!inputs.isEmpty() && batchAxis(inputs.get(0)) != 0 && !(op instanceof Reshape)) {
            batchAxes.put(output, batchAxis(inputs.get(0)));
        }
    }

    private List<String> operands(NodeProto n) {
        return n.getInputList().stream().map(this::resolve).toList();
    }

    private void eltwise(String name, NodeProto n) {
        Eltwise.Kind kind = Eltwise.Kind.valueOf(n.getOpType().toUpperCase(java.util.Locale.ROOT));
        List<String> in = operands(n);
        // MatMul followed by Add of a [K] constant is a fully connected layer with a bias
        Node producer = nodes.get(in.get(0));
        Const b = consts.get(in.get(1));
        if (kind == Eltwise.Kind.ADD && producer != null && producer.op() instanceof Dense d && d.bias() == null
                && b != null && b.data().length == d.outputs() && readers.getOrDefault(in.get(0), 0) == 1
                && !isGraphOutput(in.get(0))) {
            nodes.remove(in.get(0));
            Dense withBias = new Dense(d.weight(), new Tensor(Shape.of(d.outputs()), b.tensor().data()));
            shapes.remove(in.get(0));
            add(producer.name(), n, withBias, producer.inputs());
            return;
        }
        add(name, n, new Eltwise(kind), in);
    }

    private boolean isGraphOutput(String t) {
        return graph.getOutputList().stream().anyMatch(o -> resolve(o.getName()).equals(t));
    }

    private Conv conv(NodeProto n, Attributes at) {
        Shape x = dynamicShape(n, 0);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolutions (input rank 4) are supported, input is " + x);
        }
        Const w = required(n, 1, "weight");
        if (w.rank() != 4) {
            throw new IllegalArgumentException("weight must have rank 4, has shape " + Arrays.toString(w.dims()));
        }
        Const b = constant(n, 2, "bias");
        int ky = (int) w.dims()[2];
        int kx = (int) w.dims()[3];
        long[] strides = at.ints("strides", new long[] {1, 1});
        long[] dil = at.ints("dilations", new long[] {1, 1});
        int[] pads = pads(at, x, new int[] {ky, kx}, strides, dil);
        return new Conv((int) at.integer("group", 1), (int) strides[0], (int) strides[1], pads[0], pads[1], pads[2],
                pads[3], (int) dil[0], (int) dil[1], w.tensor(), b == null ? null : b.tensor());
    }

    /** Explicit pads (top, left, bottom, right) from pads or auto_pad (ONNX Conv and pooling rules). */
    private static int[] pads(Attributes at, Shape x, int[] kernel, long[] strides, long[] dil) {
        String auto = at.string("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] p = at.ints("pads", new long[4]);
                if (p.length != 4) {
                    throw new IllegalArgumentException("pads must have 4 values for a 2-D op, has " + p.length);
                }
                return new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] r = new int[4];
                for (int a = 0; a < 2; a++) {
                    int in = x.dim(2 + a);
                    int s = (int) strides[a];
                    int out = (in + s - 1) / s;
                    int total = Math.max(0, (out - 1) * s + (kernel[a] - 1) * (int) dil[a] + 1 - in);
                    int small = total / 2;
                    r[a] = auto.equals("SAME_UPPER") ? small : total - small;
                    r[a + 2] = total - r[a];
                }
                return r;
            }
            default -> throw new IllegalArgumentException("auto_pad '" + auto + "' is not an ONNX value");
        }
    }

    private PoolWindow window(NodeProto n, Attributes at) {
        Shape x = dynamicShape(n, 0);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D pooling (input rank 4) is supported, input is " + x);
        }
        long[] k = at.ints("kernel_shape", null);
        if (k == null || k.length != 2) {
            throw new IllegalArgumentException("kernel_shape must give 2 values");
        }
        long[] dil = at.ints("dilations", new long[] {1, 1});
        if (dil[0] != 1 || dil[1] != 1) {
            throw new IllegalArgumentException("pooling dilations other than 1 are not supported");
        }
        long[] s = at.ints("strides", new long[] {1, 1});
        int[] p = pads(at, x, new int[] {(int) k[0], (int) k[1]}, s, dil);
        return new PoolWindow((int) k[0], (int) k[1], (int) s[0], (int) s[1], p[0], p[1], p[2], p[3],
                at.integer("ceil_mode", 0) != 0);
    }

    private Dense gemm(NodeProto n, Attributes at) {
        if (at.integer("transA", 0) != 0) {
            throw new IllegalArgumentException("transA=1 is not supported");
        }
        Const b = required(n, 1, "B");
        Const c = constant(n, 2, "C");
        float alpha = at.real("alpha", 1f);
        float beta = at.real("beta", 1f);
        Tensor w = at.integer("transB", 0) != 0 ? b.tensor() : transpose(b);
        int k = w.shape().dim(0);
        float[] wd = w.data().clone();
        for (int i = 0; i < wd.length; i++) {
            wd[i] *= alpha;
        }
        Tensor bias = null;
        if (c != null) {
            float[] bd = new float[k];
            for (int i = 0; i < k; i++) {
                bd[i] = beta * (float) c.data()[c.data().length == 1 ? 0 : i % c.data().length];
            }
            if (c.data().length != 1 && c.data().length != k) {
                throw new IllegalArgumentException("C of " + c.data().length + " values does not broadcast to " + k
                        + " outputs");
            }
            bias = new Tensor(Shape.of(k), bd);
        }
        return new Dense(new Tensor(w.shape(), wd), bias);
    }

    private Dense matmul(NodeProto n) {
        Shape a = dynamicShape(n, 0);
        if (a.rank() < 2) {
            throw new IllegalArgumentException("MatMul of a rank-" + a.rank() + " tensor by a constant is not "
                    + "supported (only [..., C] x constant [C, K])");
        }
        Const b = required(n, 1, "B");
        if (b.rank() != 2) {
            throw new IllegalArgumentException("MatMul weight must have rank 2, has " + Arrays.toString(b.dims()));
        }
        return new Dense(transpose(b), null);
    }

    private static Tensor transpose(Const b) {
        int rows = (int) b.dims()[0];
        int cols = (int) b.dims()[1];
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = (float) b.data()[r * cols + c];
            }
        }
        return new Tensor(Shape.of(cols, rows), t);
    }

    private Activation clip(NodeProto n, Attributes at) {
        float lo = -Float.MAX_VALUE;
        float hi = Float.MAX_VALUE;
        if (opset < 11) {
            lo = at.real("min", lo);
            hi = at.real("max", hi);
        } else {
            Const min = constant(n, 1, "min");
            Const max = constant(n, 2, "max");
            lo = min == null ? lo : (float) min.scalar();
            hi = max == null ? hi : (float) max.scalar();
        }
        return Activation.clip(lo, hi);
    }

    /** ONNX LayerNormalization: float stash type, only output Y (Mean and InvStdDev are training outputs). */
    private LayerNorm layerNorm(NodeProto n, Attributes at) {
        if (at.integer("stash_type", 1) != 1) {
            throw new IllegalArgumentException("LayerNormalization stash_type " + at.integer("stash_type", 1)
                    + " is not supported (1, float, is)");
        }
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!n.getOutput(i).isEmpty()) {
                throw new IllegalArgumentException("LayerNormalization output " + i + " (Mean/InvStdDev) is not "
                        + "supported; cnv2 computes Y only");
            }
        }
        Shape x = dynamicShape(n, 0);
        int a = sampleAxis(at.integer("axis", -1), resolve(n.getInput(0)), x.rank());
        Const b = constant(n, 2, "bias");
        return new LayerNorm(a, at.real("epsilon", 1e-5f), required(n, 1, "scale").tensor(),
                b == null ? null : b.tensor());
    }

    private Softmax softmax(NodeProto n, Attributes at) {
        Shape x = dynamicShape(n, 0);
        int a = sampleAxis(at.integer("axis", opset < 13 ? 1 : -1), resolve(n.getInput(0)), x.rank());
        if (opset < 13) {
            // before opset 13 Softmax flattens to 2-D at axis: the same as one axis only if the dims after it are 1
            for (int i = a + 1; i < x.rank(); i++) {
                if (x.dim(i) != 1) {
                    throw new IllegalArgumentException("Softmax (opset " + opset + ") over axes " + a + ".. of " + x
                            + " is not supported");
                }
            }
        }
        return new Softmax(a);
    }
}
