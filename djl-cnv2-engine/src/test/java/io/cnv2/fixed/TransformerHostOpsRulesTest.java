package io.cnv2.fixed;

import static io.cnv2.fixed.HostOpsRulesTest.img;
import static io.cnv2.fixed.HostOpsRulesTest.ints;
import static io.cnv2.fixed.HostOpsRulesTest.q;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.ir.Eltwise;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.ReduceMean;
import io.cnv2.ir.Resize;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Slice;
import io.cnv2.ir.Transpose;
import org.junit.jupiter.api.Test;

/**
 * The fixed-point rules of the host ops the PaddleOCR detector and recogniser added
 * (docs/FIXED-POINT.md): one test per rule, worked by hand.
 */
class TransformerHostOpsRulesTest {
    @Test
    void transposeAndSliceMoveValuesExactlyInTheInputFormat() {
        QTensor x = q(5, 1, 2, 3, 4, 5, 6).reshape(Shape.of(1, 2, 3));
        QTensor t = HostOps.relayout(new Transpose(new int[] {0, 2, 1}), x, Shape.of(1, 3, 2));
        assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, ints(t));
        assertEquals(5, t.frac());
        QTensor s = HostOps.relayout(new Slice(new int[] {0, 1, 2}, new int[] {1, 1, -2}, new int[] {1, 1, 2}), x,
                Shape.of(1, 1, 2));
        assertArrayEquals(new int[] {6, 4}, ints(s));
    }

    @Test
    void nearestResizeCopiesAndLinearResizeRoundsHalfUp() {
        QTensor x = img(4, 1, 2, 1, 4);
        Resize nearest = new Resize(Resize.Mode.NEAREST, Resize.Coordinates.ASYMMETRIC, Resize.Nearest.FLOOR, 1, 4,
                1, 2);
        assertArrayEquals(new int[] {1, 1, 4, 4}, ints(HostOps.resize(nearest, x, Shape.of(1, 1, 1, 4))));
        // align_corners 2 -> 3: the middle value is (1 + 4) / 2 = 2.5, rounded half up to 3; -2.5 to -2
        Resize linear = new Resize(Resize.Mode.LINEAR, Resize.Coordinates.ALIGN_CORNERS,
                Resize.Nearest.ROUND_PREFER_FLOOR, 1, 3, 1, 1.5);
        assertArrayEquals(new int[] {1, 3, 4}, ints(HostOps.resize(linear, x, Shape.of(1, 1, 1, 3))));
        assertArrayEquals(new int[] {-1, -2, -4}, ints(HostOps.resize(linear, img(4, 1, 2, -1, -4),
                Shape.of(1, 1, 1, 3))));
    }

    @Test
    void reduceMeanSumsExactlyAndDividesWithRoundHalfUp() {
        QTensor x = q(3, 1, 2, 7, -7, -8, 0).reshape(Shape.of(1, 2, 3));
        // (1 + 2 + 7) / 3 = 3.33 -> 3; (-7 - 8 + 0) / 3 = -5 exactly
        assertArrayEquals(new int[] {3, -5}, ints(HostOps.reduceMean(new ReduceMean(new int[] {2}, true), x,
                Shape.of(1, 2, 1))));
        // (1 - 7) / 2 = -3, (2 - 8) / 2 = -3, (7 + 0) / 2 = 3.5 -> 4 (half up)
        QTensor m = HostOps.reduceMean(new ReduceMean(new int[] {1}, false), x, Shape.of(1, 3));
        assertArrayEquals(new int[] {-3, -3, 4}, ints(m));
        assertEquals(3, m.frac());
    }

    @Test
    void matmulOfActivationsSumsExactlyAndRequantisesOnce() {
        long[] sat = new long[1];
        // [1 2; 3 4] (f=1) x [5; 6] (f=2): sums 17 and 39 at f=3, to f=1: 17/4 = 4.25 -> 4, 39/4 = 9.75 -> 10
        QTensor a = q(1, 1, 2, 3, 4).reshape(Shape.of(1, 2, 2));
        QTensor b = q(2, 5, 6).reshape(Shape.of(1, 2, 1));
        QTensor y = HostOps.matmul(new MatMul(), a, b, Shape.of(1, 2, 1), 1, sat);
        assertArrayEquals(new int[] {4, 10}, ints(y));
        // 32-bit products are summed exactly: 2 x 32767^2 = 2147352578 at f=0, to f=-16: 32766.00003 -> 32766;
        // to f=-15 it is 65532, which saturates
        QTensor big = q(0, 32767, 32767).reshape(Shape.of(1, 1, 2));
        QTensor col = q(0, 32767, 32767).reshape(Shape.of(1, 2, 1));
        assertArrayEquals(new int[] {32766}, ints(HostOps.matmul(new MatMul(), big, col, Shape.of(1, 1, 1), -16,
                sat)));
        assertEquals(0, sat[0]);
        assertArrayEquals(new int[] {32767}, ints(HostOps.matmul(new MatMul(), big, col, Shape.of(1, 1, 1), -15,
                sat)));
        assertEquals(1, sat[0]);
    }

    @Test
    void powIsComputedInDoubleAndQuantisedWithRuleOne() {
        long[] sat = new long[1];
        // (-3 / 2)^2 = 2.25 at f=1: 4.5 -> 5 (half away from zero); 2^2 = 4 -> 8
        QTensor y = HostOps.eltwise(Eltwise.Kind.POW, q(1, -3, 4), q(0, 2), Shape.of(1, 2), 1, sat);
        assertArrayEquals(new int[] {5, 8}, ints(y));
        assertEquals(0, sat[0]);
    }
}
