package io.cnv2.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Magnitude pruning (CNV2-MODEL.md section 5 item 4): floor(f * n) smallest magnitudes per layer, ties by position. */
class PruningRulesTest {
    @Test
    void smallestMagnitudesOfEachLayerBecomeZeroTiesByPosition() {
        Tensor w = new Tensor(Shape.of(2, 4), new float[] {0.5f, -0.1f, 0.3f, -0.3f, 2f, 0.1f, -1f, 0.05f});
        // f = 0.5: floor(4) smallest |w|: 0.05 (7), then the tie 0.1 at 1 and 5 (position 1 first), then the
        // tie 0.3 at 2 and 3: position 2
        assertArrayEquals(new float[] {0.5f, 0, 0, -0.3f, 2f, 0, -1f, 0}, Pruning.prune(w, 0.5).data());
        assertArrayEquals(w.data(), Pruning.prune(w, 0.1).data(), "floor(0.8) = 0 weights pruned");
        assertEquals(8, countZeros(Pruning.prune(w, 1.0).data()));
    }

    @Test
    void everyConvAndDenseLayerIsPrunedOnItsOwnBiasesKept() {
        Network.Builder b = Network.builder("n").input("x", Shape.of(1, 2, 3, 3));
        float[] cw = new float[4 * 2 * 9];
        for (int i = 0; i < cw.length; i++) {
            cw[i] = i - 30;
        }
        b.node("conv", new Conv(1, 1, 1, 1, 1, 1, 1, 1, 1, new Tensor(Shape.of(4, 2, 3, 3), cw),
                new Tensor(Shape.of(4), new float[] {0, 0, 0, 0.01f})), List.of("x"), "c");
        b.node("flat", new Reshape(Shape.of(1, 36)), List.of("c"), "f");
        float[] dw = new float[3 * 36];
        for (int i = 0; i < dw.length; i++) {
            dw[i] = (i % 7) - 3;
        }
        b.node("fc", new Dense(new Tensor(Shape.of(3, 36), dw), null), List.of("f"), "y");
        Network net = b.output("y").build();
        assertSame(net, Pruning.magnitude(net, 0));
        Network p = Pruning.magnitude(net, 0.25);
        Conv c = (Conv) p.node("conv").op();
        Dense d = (Dense) p.node("fc").op();
        assertEquals(18, countZeros(c.weight().data()), "floor(0.25 * 72)");
        assertEquals(0.01f, c.bias().data()[3]);
        assertEquals(Math.max(27, countZeros(dw)), countZeros(d.weight().data()), "floor(0.25 * 108), counting the zeros it had");
    }

    @Test
    void globalPruningTakesTheSmallestWeightsOfTheWholeNetwork() {
        // layer "small" holds magnitudes 1..8, layer "big" 10..17: half the network's 16 weights go,
        // all eight of "small" and none of "big"
        Network.Builder b = Network.builder("n").input("x", Shape.of(1, 8));
        float[] small = {1, -2, 3, -4, 5, -6, 7, -8};
        float[] big = {10, -11, 12, -13, 14, -15, 16, -17};
        b.node("small", new Dense(new Tensor(Shape.of(1, 8), small), null), List.of("x"), "a");
        b.node("big", new Dense(new Tensor(Shape.of(8, 1), big), null), List.of("a"), "y");
        Network net = b.output("y").build();
        Network g = Pruning.magnitude(net, 0.5, true);
        assertEquals(8, countZeros(((Dense) g.node("small").op()).weight().data()));
        assertEquals(0, countZeros(((Dense) g.node("big").op()).weight().data()));
        Network l = Pruning.magnitude(net, 0.5, false);
        assertEquals(4, countZeros(((Dense) l.node("small").op()).weight().data()));
        assertEquals(4, countZeros(((Dense) l.node("big").op()).weight().data()));
        // ties at the limit: magnitudes all 1, a quarter pruned, the first ones in layer order
        Network.Builder t = Network.builder("t").input("x", Shape.of(1, 4));
        t.node("p", new Dense(new Tensor(Shape.of(1, 4), new float[] {1, 1, -1, 1}), null), List.of("x"), "a");
        t.node("q", new Dense(new Tensor(Shape.of(4, 1), new float[] {1, -1, 1, 1}), null), List.of("a"), "y");
        Network tied = Pruning.magnitude(t.output("y").build(), 0.25, true);
        assertArrayEquals(new float[] {0, 0, -1, 1}, ((Dense) tied.node("p").op()).weight().data());
        assertArrayEquals(new float[] {1, -1, 1, 1}, ((Dense) tied.node("q").op()).weight().data());
    }

    private static int countZeros(float[] v) {
        int n = 0;
        for (float x : v) {
            n += x == 0 ? 1 : 0;
        }
        return n;
    }
}
