package io.cnv2.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cnv2.BadInputException;
import org.junit.jupiter.api.Test;

/** Energy = events x per-event energy (CNV2-MODEL.md section 6). */
class EnergyRulesTest {
    @Test
    void eventsTimesTheirEnergies() {
        EnergyTable e = new EnergyTable(0.8, 0.05, 1.5, 2.0, 3.0, "test");
        // 320 SB bits at 16 bits per weight = 20 products: 20 x (0.8 + 0.05) = 17; SB 320 x 1.5 = 480;
        // NM read 1000 x 2 = 2000; NM written 100 x 3 = 300; total 2797 pJ
        assertEquals(2797.0, e.picojoules(320, 1000, 100, 16), 1e-9);
        assertEquals(0.0, e.picojoules(0, 0, 0, 16));
    }

    @Test
    void negativeEnergiesAreRefused() {
        assertThrows(BadInputException.class, () -> new EnergyTable(-1, 0, 0, 0, 0, "x"));
    }
}
