package io.cnv2.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CNV2-MODEL.md section 2, rules 1 to 5, one test each. */
class FixedRulesTest {

    @Test
    void rule1QuantisationRoundsHalfAwayFromZeroThenSaturates() {
        assertEquals(3, Fixed.quantize(2.5 / 4, 2));
        assertEquals(-3, Fixed.quantize(-2.5 / 4, 2));
        assertEquals(2, Fixed.quantize(2.49 / 4, 2));
        assertEquals(32767, Fixed.quantize(1e9, 0));
        assertEquals(-32768, Fixed.quantize(-1e9, 0));
        assertTrue(Fixed.saturates(32767.5, 0));
        assertFalse(Fixed.saturates(32767.49, 0));
    }

    @Test
    void rule1FractionLengthIsTheLargestThatHoldsTheRange() {
        assertEquals(15, Fixed.fracFor(-1.0, 0.5)); // -1 * 2^15 = -32768 fits
        assertEquals(14, Fixed.fracFor(0, 1.0)); // +1 needs 2^15 > 32767
        assertEquals(Fixed.ZERO_TENSOR_FRAC, Fixed.fracFor(0, 0));
        assertEquals(-1, Fixed.fracFor(0, 40000)); // negative fraction lengths for wide ranges
        for (double m : new double[] {1e-6, 0.37, 3.9, 1234.5, 9e6}) {
            int f = Fixed.fracFor(-m, m);
            assertFalse(Fixed.saturates(m, f), "max fits at f=" + f);
            assertTrue(Fixed.saturates(m, f + 1), "f+1 would saturate for " + m);
        }
    }

    @Test
    void rule3AccumulatorWrapsModuloItsWidth() {
        assertEquals(-(1L << 31), Fixed.wrap(1L << 31, 32));
        assertEquals(5, Fixed.wrap((1L << 48) + 5, 48));
        // wrapping after every addition equals wrapping once at the end
        long a = 0;
        long exact = 0;
        for (int i = 0; i < 1000; i++) {
            long p = (long) (i % 2 == 0 ? 32767 : -32768) * (i * 37 % 32768);
            a = Fixed.wrap(a + p, 36);
            exact += p;
        }
        assertEquals(Fixed.wrap(exact, 36), a);
    }

    @Test
    void rule4BiasIsAlignedToTheAccumulatorFraction() {
        assertEquals(3 << 6, Fixed.alignBias(3, 4, 10)); // fb < fa+fw: exact left shift
        assertEquals(2, Fixed.alignBias(7, 12, 10)); // 7/4 = 1.75 rounds half up to 2
        assertEquals(-1, Fixed.alignBias(-6, 12, 10)); // -1.5 rounds half up to -1
    }

    @Test
    void rule5RequantisationShiftsWithRoundHalfUp() {
        assertEquals(3, Fixed.requantize(10, 48, 0, 2, 0)); // 2.5 -> 3
        assertEquals(-2, Fixed.requantize(-10, 48, 0, 2, 0)); // -2.5 -> -2 (half up, not away)
        assertEquals(-3, Fixed.requantize(-11, 48, 0, 2, 0));
        assertEquals(40000, Fixed.requantize(40000, 48, 0, 0, 0)); // saturation is the caller's step
        assertEquals(32767, Fixed.saturate(40000));
        assertEquals(-32768, Fixed.saturate(-40000));
        assertEquals(20, Fixed.requantize(5, 48, 0, 2, 4)); // fo > fa+fw shifts left
    }
}
