package io.cnv2.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.exec.FloatExecutor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The IR's construction rules: shapes checked, nodes ordered, BatchNorm folded. */
class NetworkRulesTest {

    static Tensor random(Random r, int... dims) {
        Shape s = new Shape(dims);
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return new Tensor(s, d);
    }

    @Test
    void convShapeMismatchNamesTheNode() {
        Random r = new Random(1);
        Conv conv = new Conv(1, 1, 1, 0, 0, 0, 0, 1, 1, random(r, 8, 4, 3, 3), null);
        IrException e = assertThrows(IrException.class, () -> Network.builder("t")
                .input("x", Shape.of(1, 3, 8, 8)).node("conv_a", conv, List.of("x"), "y").output("y").build());
        assertTrue(e.getMessage().contains("conv_a") && e.getMessage().contains("3 channels"), e.getMessage());
    }

    @Test
    void convOutputSizeFollowsOnnxFormula() {
        Random r = new Random(2);
        // H=7, pads 1/2, kernel 3, dilation 2, stride 2: floor((7+3-5)/2)+1 = 3
        Conv conv = new Conv(1, 2, 1, 1, 0, 2, 0, 2, 1, random(r, 4, 2, 3, 1), null);
        Network n = Network.builder("t").input("x", Shape.of(1, 2, 7, 5)).node("c", conv, List.of("x"), "y")
                .output("y").build();
        assertEquals(Shape.of(1, 4, 3, 5), n.shape("y"));
    }

    @Test
    void nodesAreSortedTopologicallyAndCyclesRejected() {
        Network n = Network.builder("t").input("x", Shape.of(1, 4))
                .node("b", Activation.relu(), List.of("h"), "y")
                .node("a", Activation.sigmoid(), List.of("x"), "h")
                .output("y").build();
        assertEquals(List.of("a", "b"), n.nodes().stream().map(Node::name).toList());
        IrException e = assertThrows(IrException.class, () -> Network.builder("t").input("x", Shape.of(1, 4))
                .node("a", new Eltwise(Eltwise.Kind.ADD), List.of("x", "q"), "p")
                .node("b", Activation.relu(), List.of("p"), "q").output("q").build());
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void broadcastingFollowsNumpyRules() {
        assertEquals(Shape.of(1, 8, 4, 4), Broadcast.shape("n", Shape.of(1, 8, 4, 4), Shape.of(1, 8, 1, 1)));
        assertEquals(Shape.of(2, 3), Broadcast.shape("n", Shape.of(3), Shape.of(2, 1)));
        assertThrows(IrException.class, () -> Broadcast.shape("n", Shape.of(1, 8), Shape.of(1, 3)));
        Tensor a = new Tensor(Shape.of(2, 1), new float[] {1, 2});
        Tensor b = new Tensor(Shape.of(3), new float[] {10, 20, 30});
        Tensor c = new Eltwise(Eltwise.Kind.ADD).apply(List.of(a, b));
        assertEquals(new Tensor(Shape.of(2, 3), new float[] {11, 21, 31, 12, 22, 32}), c);
    }

    @Test
    void batchNormAfterConvIsFoldedIntoItsWeights() {
        Random r = new Random(3);
        Conv conv = new Conv(2, 1, 1, 1, 1, 1, 1, 1, 1, random(r, 6, 2, 3, 3), random(r, 6));
        Tensor var = random(r, 6);
        for (int i = 0; i < 6; i++) {
            var.data()[i] = Math.abs(var.data()[i]) + 0.1f;
        }
        BatchNorm bn = new BatchNorm(random(r, 6), random(r, 6), random(r, 6), var, 1e-5f);
        Network plain = Network.builder("t").input("x", Shape.of(1, 4, 5, 5))
                .node("conv", conv, List.of("x"), "c").node("bn", bn, List.of("c"), "y")
                .node("relu", Activation.relu(), List.of("y"), "z").output("z").build();
        Network folded = plain.foldBatchNorm();
        assertEquals(2, folded.nodes().size());
        assertEquals("y", folded.node("conv").output());
        Tensor x = random(r, 1, 4, 5, 5);
        Tensor a = new FloatExecutor(plain).run(Map.of("x", x)).get("z");
        Tensor b = new FloatExecutor(folded).run(Map.of("x", x)).get("z");
        for (int i = 0; i < a.data().length; i++) {
            assertEquals(a.data()[i], b.data()[i], 1e-4, "element " + i);
        }
    }

    @Test
    void batchNormOfASharedConvOutputIsNotFolded() {
        Random r = new Random(4);
        Conv conv = new Conv(1, 1, 1, 0, 0, 0, 0, 1, 1, random(r, 2, 2, 1, 1), null);
        BatchNorm bn = new BatchNorm(random(r, 2), random(r, 2), random(r, 2),
                new Tensor(Shape.of(2), new float[] {1, 2}), 1e-5f);
        Network n = Network.builder("t").input("x", Shape.of(1, 2, 3, 3))
                .node("conv", conv, List.of("x"), "c").node("bn", bn, List.of("c"), "y")
                .node("add", new Eltwise(Eltwise.Kind.ADD), List.of("c", "y"), "z").output("z").build();
        assertEquals(3, n.foldBatchNorm().nodes().size());
    }

    @Test
    void poolCeilModeNeverStartsAWindowInThePadding() {
        // ONNX: input 5, kernel 2, stride 2, ceil mode: 3 outputs; with pad 1 on the right still 3
        PoolWindow w = new PoolWindow(2, 2, 2, 2, 0, 0, 0, 0, true);
        assertEquals(3, w.outY(5));
        PoolWindow floor = new PoolWindow(2, 2, 2, 2, 0, 0, 0, 0, false);
        assertEquals(2, floor.outY(5));
    }
}
