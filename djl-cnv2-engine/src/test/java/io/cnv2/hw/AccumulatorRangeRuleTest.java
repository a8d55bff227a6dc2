package io.cnv2.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.fixed.Fixed;
import io.cnv2.ir.ConvGeometry;
import org.junit.jupiter.api.Test;

/**
 * CNV2-MODEL.md section 2, rules 1, 3 and 4 said at load time: a layer whose 48-bit accumulator,
 * at fa + fw fraction bits, cannot hold its aligned bias or its output format's range wraps
 * those sums with no saturation counted, and a format at the fraction-length bound rounds small
 * values to zero. Both are warnings in every report (as rule 3 asks of a fan-in that may overflow).
 */
class AccumulatorRangeRuleTest {
    private static final ConvGeometry FC = ConvGeometry.fullyConnected(64, 10);

    private static QLayer layer(short bias, int biasFrac, int inputFrac, int weightFrac, int outputFrac) {
        short[] w = new short[64 * 10];
        java.util.Arrays.fill(w, (short) 1000);
        short[] b = new short[10];
        b[3] = bias;
        return new QLayer("fc", FC, w, weightFrac, b, biasFrac, inputFrac, outputFrac);
    }

    @Test
    void aLayerOfOrdinaryFormatsGetsNoWarning() {
        QLayer q = layer((short) 30000, 12, 10, 14, 10);
        assertNull(QuantisedLayers.wraps(q, 48));
        assertNull(QuantisedLayers.atFracLimit(q));
    }

    @Test
    void aBiasTheAccumulatorCannotHoldIsNamedAndItsSumReallyWraps() {
        // activations near 1e-9 give fa = 40; with fw = 19 the accumulator's 48 bits at 59 fraction bits
        // reach 2^-12, and a bias of 0.03 (frac 20) does not fit
        short qb = (short) Math.round(0.03 * (1 << 20));
        QLayer q = layer(qb, 20, 40, 19, 20);
        String w = QuantisedLayers.wraps(q, 48);
        assertTrue(w != null && w.contains("layer fc") && w.contains("bias") && w.contains("59 fraction bits"), w);
        // the warning is not hypothetical: an all-zero input's output should be the bias, and is not
        long aligned = Fixed.alignBias(qb, 20, 59);
        assertNotEquals(qb, Fixed.saturate(Fixed.requantize(0, 48, aligned, 59, 20)));
        // with room in the accumulator (fa = 20) the same bias comes out as itself
        assertNull(QuantisedLayers.wraps(layer(qb, 20, 20, 19, 20), 48));
        assertEquals(qb, Fixed.saturate(Fixed.requantize(0, 48, Fixed.alignBias(qb, 20, 39), 39, 20)));
    }

    @Test
    void anOutputRangeTheAccumulatorCannotHoldIsNamedEvenWithoutABias() {
        QLayer q = layer((short) 0, 15, 40, 19, 10);
        String w = QuantisedLayers.wraps(q, 48);
        assertTrue(w != null && w.contains("output format's range"), w);
    }

    @Test
    void aFormatAtTheFractionLengthBoundIsNamed() {
        String w = QuantisedLayers.atFracLimit(layer((short) 0, 15, 12, 14, Fixed.MAX_FRAC));
        assertTrue(w != null && w.contains("output format is at the 40-fraction-bit limit"), w);
        assertNull(QuantisedLayers.atFracLimit(layer((short) 0, 15, Fixed.MAX_FRAC - 1, 14, 12)));
    }
}
