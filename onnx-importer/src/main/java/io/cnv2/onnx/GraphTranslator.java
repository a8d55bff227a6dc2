package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.BadInputException;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.IrException;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Op;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
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
final class GraphTranslator implements Translation {
    /** Op types that become IR nodes (plus the foldable ones when their inputs are known): {@link Translators}. */
    static final Set<String> TRANSLATED = Translators.ops();

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
        indexNodes();
        quantisedModel = order.stream().anyMatch(n -> n.getOpType().equals("QuantizeLinear")
                || n.getOpType().equals("DynamicQuantizeLinear") || QuantOps.INTEGER_INPUTS.contains(n.getOpType()));
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
        // every input's problem in one message: a model with three symbolic inputs takes one round, not three
        List<String> problems = new ArrayList<>();
        for (ValueInfoProto in : graph.getInputList()) {
            if (!consts.containsKey(in.getName())) {
                try {
                    inputShape(in);
                } catch (BadInputException e) {
                    problems.add(e.getMessage().replace("model file " + file + ": ", ""));
                }
            }
        }
        if (problems.size() == 1) {
            throw new BadInputException((problems.get(0).startsWith("--input-shape") ? "" : "model file " + file + ": ")
                    + problems.get(0));
        }
        if (problems.size() > 1) {
            throw new BadInputException("model file " + file + ": " + problems.size() + " inputs need attention: "
                    + String.join("; ", problems));
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

    @Override
    public BadInputException error(String name, NodeProto n, String what) {
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
                        + "dimensions " + describe(dims) + "; give them with --input-shape " + in.getName() + "="
                        + String.join(",", dims.stream().map(x -> x.hasDimValue() && x.getDimValue() > 0
                        ? String.valueOf(x.getDimValue()) : "?").toList()) + " (each ? a number)");
            }
        }
        return new Shape(d);
    }

    private static String describe(List<TensorShapeProto.Dimension> dims) {
        return dims.stream().map(d -> d.hasDimValue() ? String.valueOf(d.getDimValue())
                : d.getDimParam().isEmpty() ? "?" : d.getDimParam()).toList().toString();
    }

    @Override
    public String resolve(String tensor) {
        String t = tensor;
        while (alias.containsKey(t)) {
            t = alias.get(t);
        }
        return t;
    }

    @Override
    public boolean known(String tensor) {
        return tensor.isEmpty() || consts.containsKey(resolve(tensor));
    }

    @Override
    public Const constant(NodeProto n, int i, String what) {
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
    @Override
    public Const required(NodeProto n, int i, String what) {
        Const c = constant(n, i, what);
        if (c == null) {
            throw new IllegalArgumentException(what + " (input " + i + ") is missing");
        }
        return c;
    }

    @Override
    public Shape dynamicShape(NodeProto n, int i) {
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
        boolean dequantisedRegion = !op.equals("QuantizeLinear") && !op.equals("DynamicQuantizeLinear")
                && (op.equals("DequantizeLinear") || readsDequantised(n));
        // a quantised model's float ops (its input's layout changes before the first QuantizeLinear, the
        // float rescaling between layers) run as the file says: the accelerator runs its integer layers
        boolean quantisedFloat = quantisedModel && !QuantOps.INTEGER_INPUTS.contains(op);
        if (dequantisedRegion) {
            n.getOutputList().forEach(dequantised::add);
        }
        if (op.equals("DynamicQuantizeLinear") && n.getOutputCount() > 1) {
            dequantised.add(n.getOutput(1)); // the scale it computes feeds the float rescaling after the layer
        }
        String why = dequantisedRegion ? "a quantised model's float op between DequantizeLinear and QuantizeLinear, "
                + "computed in float by ONNX Runtime as the file says" : quantisedFloat ? "a quantised model's float op, "
                + "computed in float by ONNX Runtime as the file says" : hostReason(n, defaultDomain);
        if (why == null) {
            Attributes at = new Attributes(n);
            try {
                Translators.of(op).translate(this, name, n, at);
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
        if (!defaultDomain && !(n.getDomain().equals("com.microsoft") && op.equals("QGemm"))) {
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
            if (!known(r) && !QuantOps.INTEGER_INPUTS.contains(op)) {
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

    @Override
    public int typeOf(String tensor) {
        String t = resolve(tensor);
        TensorProto p = protos.get(t);
        if (p != null) {
            return p.getDataType();
        }
        Integer c = constTypes.get(t);
        if (c != null) {
            return c;
        }
        if (consts.containsKey(t)) {
            TypeProbe.ValueType v = probe().get(t);
            return v != null ? v.elemType() : consts.get(t).integral() ? Tensors.INT64 : Tensors.FLOAT;
        }
        return elemType(t);
    }

    private Map<String, NodeProto> onnxProducers;
    private Map<String, List<NodeProto>> onnxReaders;

    private void indexNodes() {
        onnxProducers = new HashMap<>();
        onnxReaders = new HashMap<>();
        for (NodeProto n : order) {
            n.getOutputList().forEach(o -> onnxProducers.put(o, n));
            for (String r : n.getInputList()) {
                onnxReaders.computeIfAbsent(r, k -> new ArrayList<>()).add(n);
            }
        }
    }

    @Override
    public NodeProto onnxProducer(String tensor) {
        return onnxProducers.get(tensor);
    }

    @Override
    public List<NodeProto> onnxReaders(String tensor) {
        return onnxReaders.getOrDefault(tensor, List.of());
    }

    @Override
    public void markDequantised(String tensor) {
        dequantised.add(tensor);
    }

    @Override
    public void setElemType(String tensor, int type) {
        elemTypes.put(tensor, type);
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

    /**
     * Tensors a quantised model computes in float from dequantised integers, until a QuantizeLinear
     * makes integers again (docs/FIXED-POINT.md, "Quantised models"): ONNX Runtime runs these ops, so
     * the integers the next layer reads are ONNX Runtime's own; cnv2's 16-bit rules would round them.
     */
    private final Set<String> dequantised = new HashSet<>();

    /** The model quantises (QuantizeLinear, DynamicQuantizeLinear or an integer op): set before translation. */
    private boolean quantisedModel;

    private boolean readsDequantised(NodeProto n) {
        for (String r : OnnxGraphs.references(n)) {
            if (!known(r) && dequantised.contains(resolve(r))) {
                return true;
            }
        }
        return false;
    }

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
                if (hostReasons.isEmpty()) {
                    throw e; // asked for a constant's type (a fold), not for a host node
                }
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
        // what cnv2's nodes read beyond their ONNX node's inputs (a ConvInteger's per-sample scale, made by
        // the DynamicQuantizeLinear before it) must leave the host segment that makes it
        nodes.values().forEach(n -> outs.addAll(n.inputs()));
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






    @Override
    public int batchAxis(String tensor) {
        return batchAxes.getOrDefault(tensor, 0);
    }









    @Override
    public long[] optionalInts(NodeProto n, int i) {
        Const c = constant(n, i, "axes");
        return c == null ? null : c.longs();
    }

    @Override
    public int opset() {
        return opset;
    }

    @Override
    public void alias(String tensor, String source) {
        alias.put(tensor, source);
    }

    @Override
    public void setBatchAxis(String tensor, int axis) {
        batchAxes.put(tensor, axis);
    }

    @Override
    public void setBatchAxes(Map<String, Integer> axes) {
        batchAxes.putAll(axes);
    }

    @Override
    public Const constantValue(String tensor) {
        return consts.get(tensor);
    }

    @Override
    public void putConstant(String tensor, Const value) {
        consts.put(tensor, value);
    }

    @Override
    public void putConstants(Map<String, Const> values) {
        consts.putAll(values);
    }

    @Override
    public Shape shape(String tensor) {
        return shapes.get(tensor);
    }

    @Override
    public Node producer(String tensor) {
        return nodes.get(tensor);
    }

    @Override
    public void removeNode(String tensor) {
        nodes.remove(tensor);
        shapes.remove(tensor);
    }

    @Override
    public int readerCount(String tensor) {
        return readers.getOrDefault(tensor, 0);
    }

    @Override
    public boolean isRead(String tensor) {
        return readers.containsKey(tensor);
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
    @Override
    public int sampleAxis(long a, String t, int rank) {
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

    @Override
    public void add(String name, NodeProto n, Op op, List<String> inputs) {
        add(name, n, op, inputs, n.getOutput(0));
    }

    @Override
    public void add(String name, NodeProto n, Op op, List<String> inputs, String output) {
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

    @Override
    public List<String> operands(NodeProto n) {
        return n.getInputList().stream().map(this::resolve).toList();
    }



    @Override
    public boolean isGraphOutput(String t) {
        return graph.getOutputList().stream().anyMatch(o -> resolve(o.getName()).equals(t));
    }


















}
