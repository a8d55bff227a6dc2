package io.cnv2.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.cnv2.BadInputException;
import io.cnv2.ir.Activation;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.Network;
import io.cnv2.ir.Op;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * DJL {@link Block} trees built in Java, with their parameters, to the IR: sequential and
 * parallel blocks, Conv2d, Linear, BatchNorm, and the function blocks (activations, pooling,
 * flattening) that DJL builds as lambdas. A lambda keeps its code to itself, so it is identified
 * by what it computes: it runs, through the block's own engine, on a random input of the shape
 * it will see, and the first candidate op that gives the same values (relative error 1e-5) is
 * taken; a lambda no candidate reproduces, or a parallel block whose join is neither a sum nor
 * a channel concatenation, is an error naming the block. Nothing falls back to float.
 */
public final class BlockImporter {
    /** The name of the network's input tensor. */
    public static final String INPUT = "input";
    private static final double MATCH = 1e-5;
    private final NDManager manager;
    private final Network.Builder net;
    private final Random random = new Random(1);
    private final ParameterStore store;
    private int counter;

    private BlockImporter(NDManager manager, String name) {
        this.manager = manager;
        this.net = Network.builder(name);
        this.store = new ParameterStore(manager, false);
    }

    /**
     * The network of an initialised block (trained or loaded parameters) for one input of
     * {@code inputShape} (batch 1, e.g. [1, 1, 28, 28]); {@code manager} is where probes run.
     */
    public static Network toNetwork(String name, Block block, Shape inputShape, NDManager manager) {
        BlockImporter im = new BlockImporter(manager, name);
        im.net.input(INPUT, inputShape);
        Value out = im.convert(block, new Value(INPUT, inputShape), "");
        im.net.output(out.tensor);
        return im.net.build().foldBatchNorm();
    }

    /** A tensor of the network being built and its shape. */
    private record Value(String tensor, Shape shape) {
    }

    private Value convert(Block b, Value in, String path) {
        if (b instanceof SequentialBlock s) {
            Value v = in;
            var children = s.getChildren();
            for (int i = 0; i < children.size(); i++) {
                v = convert(children.get(i).getValue(), v, path + "/" + children.get(i).getKey());
            }
            return v;
        }
        if (b instanceof ParallelBlock p) {
            return parallel(p, in, path);
        }
        if (b instanceof Conv2d c) {
            return add(path, conv(c, path), in);
        }
        if (b instanceof Linear l) {
            Tensor w = param(l, "weight", path);
            if (in.shape.rank() != 2) {
                throw new BadInputException("block " + path + ": Linear on a rank-" + in.shape.rank()
                        + " input; flatten first (Blocks.batchFlattenBlock())");
            }
            return add(path, new Dense(w, optionalParam(l, "bias")), in);
        }
        if (b instanceof BatchNorm bn) {
            return add(path, batchNorm(bn, in, path), in);
        }
        if (b instanceof LambdaBlock lb) {
            Value v = in;
            for (Op op : identify(lb, in, path)) {
                v = add(path, op, v);
            }
            return v;
        }
        throw new BadInputException("block " + path + " (" + b.getClass().getSimpleName() + ") is not one cnv2 "
                + "reads from a DJL block tree (sequential, parallel, Conv2d, Linear, BatchNorm, function blocks)");
    }

    private Value add(String path, Op op, Value... in) {
        String name = (path.isEmpty() ? "block" : path.substring(1)) + "#" + counter++;
        List<Shape> shapes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Value v : in) {
            shapes.add(v.shape);
            names.add(v.tensor);
        }
        Shape out = op.inferShape(name, shapes);
        net.node(name, op, names, name);
        return new Value(name, out);
    }

    private Conv conv(Conv2d c, String path) {
        long[] s = c.getStride().getShape();
        long[] p = c.getPadding().getShape();
        long[] d = c.getDilation().getShape();
        return new Conv(c.getGroups(), (int) s[0], (int) s[1], (int) p[0], (int) p[1], (int) p[0], (int) p[1],
                (int) d[0], (int) d[1], param(c, "weight", path), c.isIncludeBias() ? param(c, "bias", path) : null);
    }

    /** DJL's BatchNorm keeps its epsilon private: the one of the usual values that reproduces the block is taken. */
    private Op batchNorm(BatchNorm bn, Value in, String path) {
        Tensor gamma = param(bn, "gamma", path);
        Tensor beta = param(bn, "beta", path);
        Tensor mean = param(bn, "runningMean", path);
        Tensor var = param(bn, "runningVar", path);
        Tensor x = randomTensor(in.shape);
        Tensor want = run(bn, x);
        for (float eps : new float[] {1e-5f, 1e-3f, 1e-4f, 1e-6f, 1e-2f}) {
            Op op = new io.cnv2.ir.BatchNorm(gamma, beta, mean, var, eps);
            if (close(op.apply(List.of(x)), want)) {
                return op;
            }
        }
        throw new BadInputException("block " + path + ": BatchNorm with an epsilon other than 1e-2 ... 1e-6, or not "
                + "over channel axis 1");
    }

    private Value parallel(ParallelBlock p, Value in, String path) {
        var children = p.getChildren();
        List<Value> outs = new ArrayList<>();
        List<Tensor> branchValues = new ArrayList<>();
        Tensor x = randomTensor(in.shape);
        for (int i = 0; i < children.size(); i++) {
            Block child = children.get(i).getValue();
            outs.add(convert(child, in, path + "/" + children.get(i).getKey()));
            branchValues.add(run(child, x));
        }
        Tensor want = run(p, x);
        if (outs.size() == 2 && outs.get(0).shape.equals(outs.get(1).shape)) {
            Op sum = new Eltwise(Eltwise.Kind.ADD);
            if (close(sum.apply(branchValues), want)) {
                return add(path + "/join", sum, outs.toArray(Value[]::new));
            }
        }
        Op cat = new Concat(1);
        try {
            if (close(cat.apply(branchValues), want)) {
                return add(path + "/join", cat, outs.toArray(Value[]::new));
            }
        } catch (RuntimeException ignored) {
            // shapes that do not concatenate: not a concatenation
        }
        throw new BadInputException("block " + path + ": a parallel block whose join is neither the sum of two "
                + "branches nor their concatenation along channels");
    }

    /**
     * The ops a function block computes, found among the candidates by running it: none for
     * identity, one op, or global pooling followed by the reshape DJL's global pooling does.
     */
    private List<Op> identify(LambdaBlock lb, Value in, String path) {
        Tensor x = randomTensor(in.shape);
        Tensor want = run(lb, x);
        if (want.shape().equals(x.shape()) && close(x, want)) {
            return List.of();
        }
        for (Op op : candidates(in.shape, want.shape())) {
            try {
                if (op.inferShape(path, List.of(in.shape)).equals(want.shape()) && close(op.apply(List.of(x)), want)) {
                    return List.of(op);
                }
            } catch (RuntimeException ignored) {
                // a candidate that does not apply to this shape
            }
        }
        if (in.shape.rank() == 4 && want.shape().rank() == 2 && want.shape().dim(1) == in.shape.dim(1)) {
            Op pool = new GlobalAvgPool();
            Tensor pooled = pool.apply(List.of(x));
            if (close(new Tensor(want.shape(), pooled.data()), want)) {
                return List.of(pool, new Reshape(want.shape()));
            }
        }
        throw new BadInputException("block " + path + " ('" + lb.getName() + "'): a function block that computes "
                + "none of relu, relu6, sigmoid, tanh, hard-swish, flattening, max/average/global pooling on input "
                + in.shape);
    }

    private static List<Op> candidates(Shape in, Shape out) {
        List<Op> c = new ArrayList<>(List.of(Activation.relu(), Activation.clip(0, 6), Activation.sigmoid(),
                Activation.tanh(), Activation.hardSwish(), new GlobalAvgPool(), new Reshape(out)));
        if (in.rank() == 4 && out.rank() == 4) {
            for (int k = 1; k <= 7; k++) {
                for (int s = 1; s <= k; s++) {
                    for (int p = 0; p <= k / 2; p++) {
                        for (boolean ceil : new boolean[] {false, true}) {
                            PoolWindow w = new PoolWindow(k, k, s, s, p, p, p, p, ceil);
                            if (w.outY(in.dim(2)) == out.dim(2) && w.outX(in.dim(3)) == out.dim(3)) {
                                c.add(new MaxPool(w));
                                c.add(new AvgPool(w, true));
                                c.add(new AvgPool(w, false));
                            }
                        }
                    }
                }
            }
        }
        return c;
    }

    private Tensor randomTensor(Shape s) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return new Tensor(s, v);
    }

    /** Runs a DJL block on one input through its engine. */
    private Tensor run(Block b, Tensor x) {
        try (NDManager sub = manager.newSubManager()) {
            long[] dims = java.util.Arrays.stream(x.shape().dims()).asLongStream().toArray();
            NDArray a = sub.create(x.data(), new ai.djl.ndarray.types.Shape(dims));
            NDArray y = b.forward(store, new NDList(a), false).singletonOrThrow();
            int[] outDims = java.util.Arrays.stream(y.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
            return new Tensor(new Shape(outDims), y.toType(DataType.FLOAT32, false).toFloatArray());
        }
    }

    private static boolean close(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            return false;
        }
        for (int i = 0; i < a.data().length; i++) {
            double d = Math.abs(a.data()[i] - b.data()[i]);
            if (d > MATCH * Math.max(1, Math.abs(b.data()[i]))) {
                return false;
            }
        }
        return true;
    }

    private static Tensor param(Block b, String name, String path) {
        for (var p : b.getDirectParameters()) {
            if (p.getKey().equals(name)) {
                return tensor(p.getValue(), path);
            }
        }
        throw new BadInputException("block " + path + " has no parameter '" + name + "'");
    }

    private static Tensor optionalParam(Block b, String name) {
        for (var p : b.getDirectParameters()) {
            if (p.getKey().equals(name)) {
                return tensor(p.getValue(), name);
            }
        }
        return null;
    }

    private static Tensor tensor(Parameter p, String path) {
        if (!p.isInitialized()) {
            throw new BadInputException("block " + path + ": parameter " + p.getName() + " is not initialised "
                    + "(train the block or load its parameters first)");
        }
        NDArray a = p.getArray();
        int[] dims = java.util.Arrays.stream(a.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
        return new Tensor(new Shape(dims), a.toType(DataType.FLOAT32, false).toFloatArray());
    }
}
