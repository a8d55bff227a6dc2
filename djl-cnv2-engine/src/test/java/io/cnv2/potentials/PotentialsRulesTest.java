package io.cnv2.potentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.exec.Calibrator;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CNV2-MODEL.md section 7: the potentials metrics, one test per rule, against hand and brute-force counts. */
class PotentialsRulesTest {

    /** The NAF digit by digit, the textbook way: the reference for {@link Terms#boothTerms}. */
    private static int nafTerms(int q) {
        long m = Math.abs((long) q);
        int terms = 0;
        while (m != 0) {
            if ((m & 1) != 0) {
                long digit = 2 - (m & 3); // +1 when m = 1 (mod 4), -1 when m = 3 (mod 4)
                m -= digit;
                terms++;
            }
            m >>= 1;
        }
        return terms;
    }

    @Test
    void boothTermsAreTheNonZeroDigitsOfTheNonAdjacentForm() {
        assertEquals(0, Terms.boothTerms(0));
        assertEquals(1, Terms.boothTerms(1));
        assertEquals(2, Terms.boothTerms(3), "3 = 4 - 1");
        assertEquals(2, Terms.boothTerms(7), "7 = 8 - 1");
        assertEquals(2, Terms.boothTerms(0x7FFF), "32767 = 32768 - 1");
        assertEquals(8, Terms.boothTerms(0x5555), "0101...01 has no adjacent ones: 8 digits");
        assertEquals(4, Terms.boothTerms(182), "182 = 10110110b = 256 - 64 - 8 - 2");
        assertEquals(1, Terms.boothTerms(-32768), "|-32768| = 2^15");
        assertEquals(Terms.boothTerms(100), Terms.boothTerms(-100), "of the magnitude");
        for (int q = -32768; q <= 32767; q++) {
            assertEquals(nafTerms(q), Terms.boothTerms(q), "value " + q);
            assertTrue(Terms.boothTerms(q) <= Terms.effectualBits(q), "never more terms than bits: " + q);
        }
    }

    /**
     * DNNsim's recoding written out as the spec words it, on a string of bits: the 16-bit
     * magnitude and two zeros, a 3-bit window from the top, a digit string of the same length.
     */
    private static int dnnsimTermsAsWorded(int q) {
        String stream = String.format("%16s", Integer.toBinaryString(Math.abs(q))).replace(' ', '0') + "00";
        char[] digits = "0".repeat(17).toCharArray(); // digits[0] is one position above the top bit
        boolean run = false;
        for (int step = 0; step < 16; step++) {
            String w = stream.substring(step, step + 3);
            int here = step + 1;
            switch (w) {
                case "010", "011" -> digits[here] = run ? '1' : digits[here];
                case "100" -> {
                    digits[here] = '1';
                    run = false;
                }
                case "101", "110" -> digits[here] = run ? digits[here] : '1';
                case "111" -> {
                    if (!run) {
                        digits[here - 1] = '1';
                        run = true;
                    }
                }
                default -> { }
            }
        }
        return (int) new String(digits).chars().filter(c -> c == '1').count();
    }

    @Test
    void dnnsimBoothTermsAreTheDigitsItsRecodingSets() {
        // section 7's reference counts, value: dnnsim / naf
        int[][] reference = {{7, 2, 2}, {15, 2, 2}, {27, 4, 3}, {29, 3, 3}, {91, 5, 4}, {182, 5, 4},
            {0x5555, 8, 8}, {0x7fff, 2, 2}, {27307, 9, 8}};
        for (int[] r : reference) {
            assertEquals(r[1], Terms.dnnsimBoothTerms(r[0]), "dnnsim terms of " + r[0]);
            assertEquals(r[1], Terms.Booth.DNNSIM.terms(r[0]), "the dnnsim rule, of " + r[0]);
            assertEquals(r[2], Terms.boothTerms(r[0]), "naf terms of " + r[0]);
            assertEquals(r[2], Terms.Booth.NAF.terms(r[0]), "the naf rule, of " + r[0]);
        }
        assertEquals(0, Terms.dnnsimBoothTerms(0));
        assertEquals(1, Terms.dnnsimBoothTerms(-32768), "|-32768| = 2^15: one digit");
        assertEquals(Terms.dnnsimBoothTerms(27), Terms.dnnsimBoothTerms(-27), "of the magnitude");
        int differ = 0;
        for (int m = 0; m < 32768; m++) {
            int d = Terms.dnnsimBoothTerms(m);
            assertEquals(dnnsimTermsAsWorded(m), d, "magnitude " + m);
            assertTrue(d <= Terms.effectualBits(m), "never above the plain bit count: " + m);
            assertTrue(d >= Terms.boothTerms(m), "never below the NAF, the minimal form: " + m);
            differ += d != Terms.boothTerms(m) ? 1 : 0;
        }
        assertEquals(6147, differ, "differs from the NAF on 6,147 of the 32,768 magnitudes");
        assertEquals(Terms.Booth.DNNSIM, Terms.Booth.of("dnnsim"));
        assertEquals(Terms.Booth.NAF, Terms.Booth.of("naf"));
    }

    @Test
    void theRunsBoothRuleCountsTheBoothColumnsAndHistograms() {
        // fully connected 1 -> 2: a = [27]; weights [91, -3]. 27 = 11011b: NAF 3 terms, DNNsim 4; 91: 4 / 5; 3: 2 / 2.
        QLayer layer = new QLayer("fc", ConvGeometry.fullyConnected(1, 2), new short[] {91, -3}, 0, null, 0, 0, 0);
        QTensor in = new QTensor(Shape.of(1, 1), new short[] {27}, 0);
        Work naf = new LayerWork(layer, new CountingRules(Terms.Booth.NAF, false)).count(in, Threshold.zero(0), 16);
        Work dnnsim = new LayerWork(layer, new CountingRules(Terms.Booth.DNNSIM, false))
                .count(in, Threshold.zero(0), 16);
        assertEquals(2 * 16 * 3, naf.aeBooth());
        assertEquals(2 * 16 * 4, dnnsim.aeBooth());
        assertEquals(3 * (4 + 2), naf.weAeBooth());
        assertEquals(4 * (5 + 2), dnnsim.weAeBooth());
        assertEquals(naf.ae(), dnnsim.ae(), "plain effectual bits do not depend on the Booth rule");
        Histograms h = Histograms.empty();
        h.add(new short[] {27, 91, 7}, false, Terms.Booth.DNNSIM);
        assertEquals(1, h.activationBoothTerms()[4], "27");
        assertEquals(1, h.activationBoothTerms()[5], "91");
        assertEquals(1, h.activationBoothTerms()[2], "7");
        h.add(new short[] {27, 91, 7}, true, Terms.Booth.NAF);
        assertEquals(1, h.weightBoothTerms()[3], "27 under NAF");
        assertEquals(1, h.weightBoothTerms()[4], "91 under NAF");
    }

    @Test
    void valuePrecisionSizesEachActivationAloneAndAZeroCostsOneBit() {
        assertEquals(1, Terms.valueWidth(0, false), "a zero costs 1 bit");
        assertEquals(2, Terms.valueWidth(0, true), "plus the sign bit of a signed layer");
        assertEquals(3, Terms.valueWidth(7, false));
        assertEquals(4, Terms.valueWidth(7, true));
        assertEquals(3, Terms.valueWidth(-4, true), "~(-4) = 3: 2 bits + sign");
        assertEquals(2, Terms.valueWidth(-1, true), "~(-1) = 0: 1 bit + sign");
        assertEquals(16, Terms.valueWidth(-32768, true));
        // fully connected 2 -> 2, a = [7, 0]: per value 3 + 1 bits; per brick both take 3
        QLayer fc = new QLayer("fc", ConvGeometry.fullyConnected(2, 2), new short[] {5, 0, -1, 2}, 0, null, 0, 0, 0);
        QTensor in = new QTensor(Shape.of(1, 2), new short[] {7, 0}, 0);
        assertEquals(2 * 16 * (3 + 1), new LayerWork(fc, new CountingRules(Terms.Booth.NAF, true))
                .count(in, Threshold.zero(0), 16).dynamicAp(), "value: 2 filters x 16 x (3 + 1)");
        assertEquals(2 * 16 * (3 + 3), new LayerWork(fc).count(in, Threshold.zero(0), 16).dynamicAp(), "brick");
        // signed: a = [-4, 3, 0, 0] into 1 filter: 3 + 3 + 2 + 2 bits
        QLayer signed = new QLayer("fc", ConvGeometry.fullyConnected(4, 1), new short[] {1, 1, 1, 1}, 0, null, 0, 0, 0);
        assertEquals(16 * (3 + 3 + 2 + 2), new LayerWork(signed, new CountingRules(Terms.Booth.NAF, true))
                .count(new QTensor(Shape.of(1, 4), new short[] {-4, 3, 0, 0}, 0), Threshold.zero(0), 16).dynamicAp());
        // padding: 1x1 input, 3x3 kernel, pad 1. Per value the 8 padding MACs cost a zero's 1 bit; per brick 0
        ConvGeometry g = new ConvGeometry(1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        short[] w = new short[9];
        java.util.Arrays.fill(w, (short) 1);
        QLayer conv = new QLayer("c", g, w, 0, null, 0, 0, 0);
        QTensor one = new QTensor(Shape.of(1, 1, 1, 1), new short[] {3}, 0);
        assertEquals(16 * (2 + 8), new LayerWork(conv, new CountingRules(Terms.Booth.NAF, true))
                .count(one, Threshold.zero(0), 16).dynamicAp(), "3 needs 2 bits, 8 padding positions 1 each");
        assertEquals(16 * 2, new LayerWork(conv).count(one, Threshold.zero(0), 16).dynamicAp(), "padding costs 0");
    }

    @Test
    void effectualBitsArePopcountOfTheMagnitude() {
        assertEquals(0, Terms.effectualBits(0));
        assertEquals(2, Terms.effectualBits(5));
        assertEquals(2, Terms.effectualBits(-5));
        assertEquals(15, Terms.effectualBits(32767));
        assertEquals(1, Terms.effectualBits(-32768));
    }

    @Test
    void precisionIsTwosComplementBitsWithASignBitOnlyInSignedGroups() {
        assertEquals(0, Terms.precision(0, false));
        assertEquals(1, Terms.precision(1, false));
        assertEquals(8, Terms.precision(255, false));
        assertEquals(2, Terms.precision(1, true));
        assertEquals(1, Terms.precision(-1, true));
        assertEquals(2, Terms.precision(-2, true));
        assertEquals(16, Terms.precision(-32768, true));
        assertEquals(16, Terms.precision(32767, true));
        assertEquals(15, Terms.precision(32767, false));
    }

    @Test
    void everyMetricOfAHandWorkedLayer() {
        // fully connected, 2 inputs -> 2 outputs: a = [7, 0]; weights [[5, 0], [-1, 2]]. 4 MACs.
        QLayer layer = new QLayer("fc", ConvGeometry.fullyConnected(2, 2), new short[] {5, 0, -1, 2}, 0, null, 0,
                0, 0);
        QTensor in = new QTensor(Shape.of(1, 2), new short[] {7, 0}, 0);
        Work w = new LayerWork(layer).count(in, Threshold.zero(0), 16);
        assertEquals(4 * 256, w.dense());
        assertEquals(2 * 256, w.a(), "a0 is effectual for both filters");
        assertEquals(3 * 256, w.w(), "three non-zero weights");
        assertEquals(2 * 256, w.aw(), "a0 with 5 and with -1");
        assertEquals(4 * 16 * 3, w.dynamicAp(), "the brick {7, 0} needs 3 bits, for all 4 MACs");
        assertEquals(2 * 16 * 3, w.ae(), "popcount(7) = 3, two filters");
        assertEquals(2 * 16 * 2, w.aeBooth(), "7 = 8 - 1: 2 terms");
        assertEquals(3 * (2 + 1), w.weAe(), "3 bits x (popcount 5 + popcount 1); a1 = 0 adds nothing");
        assertEquals(2 * (2 + 1), w.weAeBooth());
        assertEquals(4, new LayerWork(layer).weightPrecision(), "5 in a signed set needs 4 bits");
        // a threshold makes a0 ineffectual for A only (the term counts see the value)
        assertEquals(0, new LayerWork(layer).count(in, new Threshold(8, 0), 16).a());
    }

    @Test
    void paddingPositionsAreMacsWithZeroActivations() {
        // 1 channel 1x1 input, 3x3 kernel, padding 1: one output, 9 MACs of which 8 read padding
        ConvGeometry g = new ConvGeometry(1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        short[] w = new short[9];
        java.util.Arrays.fill(w, (short) 1);
        QLayer layer = new QLayer("c", g, w, 0, null, 0, 0, 0);
        Work work = new LayerWork(layer).count(new QTensor(Shape.of(1, 1, 1, 1), new short[] {3}, 0),
                Threshold.zero(0), 16);
        assertEquals(9 * 256, work.dense());
        assertEquals(256, work.a(), "only the centre activation is effectual");
        assertEquals(9 * 256, work.w(), "W counts every MAC position");
    }

    @Test
    void workCountsEqualABruteForceCountOverEveryMacAndNeverExceedDense() {
        Random r = new Random(2019);
        for (int i = 0; i < 150; i++) {
            Case c = randomCase(r, i);
            Threshold t = new Threshold(r.nextInt(3) == 0 ? r.nextDouble() * 0.1 : 0, c.input.frac());
            CountingRules rules = new CountingRules(i % 2 == 0 ? Terms.Booth.NAF : Terms.Booth.DNNSIM, i % 4 >= 2);
            Work fast = new LayerWork(c.layer, rules).count(c.input, t, 16);
            Work slow = bruteForce(c.layer, c.input, t, rules);
            assertEquals(slow, fast, "case " + i + " " + rules + " " + c.layer.geometry());
            for (Map.Entry<String, Long> m : fast.byMetric().entrySet()) {
                assertTrue(m.getValue() <= fast.dense(), m.getKey() + " above dense in case " + i);
            }
        }
    }

    @Test
    void aNetworkIsTheSumOfItsLayersAndOfItsImages() {
        Random rnd = new Random(8);
        Network.Builder b = Network.builder("two").input("x", Shape.of(1, 3, 8, 8));
        b.node("c1", conv(rnd, 3, 8), List.of("x"), "y1");
        b.node("r1", Activation.relu(), List.of("y1"), "z1");
        b.node("c2", conv(rnd, 8, 4), List.of("z1"), "y2");
        Network net = b.output("y2").build();
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            float[] x = new float[3 * 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian();
            }
            samples.add(new Sample(i, new Tensor(Shape.of(1, 3, 8, 8), x), -1, "r" + i));
        }
        Calibration cal = Calibrator.profile(net, samples.stream().map(s -> Map.of("x", s.input())).toList(), "t");
        Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, RunConfig.DEFAULT.withArch("cnv"), cal,
                EnergyTable.DEFAULT);
        PotentialsReport p = Potentials.characterize(emu, samples, "two", "random", null);
        assertEquals(2, p.layers().size());
        Work layers = p.layers().get(0).work().plus(p.layers().get(1).work());
        Work images = p.perImage().stream().reduce(Work.ZERO, Work::plus);
        assertEquals(layers, p.network());
        assertEquals(layers, images);
        assertEquals(6 * 256 * (net.acceleratorLayers().size() > 0 ? p.layers().get(0).macsPerImage()
                + p.layers().get(1).macsPerImage() : 0), p.network().dense());
        assertTrue(p.networkIdealSpeedup().get("A") > 1.3, "after a ReLU about half the inputs are zero: "
                + p.networkIdealSpeedup());
        LayerPotentials c2 = p.layers().get(1);
        assertEquals(16L * 6 * c2.activationPrecision() * c2.macsPerImage(), c2.work().ap(), "Ap = 16 p MACs");
        long values = 6L * 8 * 8 * 8;
        assertEquals(values, java.util.Arrays.stream(c2.histograms().activationEffectualBits()).sum());
        assertEquals(4L * 8 * 9, java.util.Arrays.stream(c2.histograms().weightPrecision()).sum());
    }

    @Test
    void aPotentialsRunCountsUnderItsRunsRulesAndItsReportNamesThem() throws Exception {
        Random rnd = new Random(9);
        Network.Builder b = Network.builder("one").input("x", Shape.of(1, 3, 8, 8));
        b.node("c1", conv(rnd, 3, 8), List.of("x"), "y1");
        Network net = b.output("y1").build();
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            float[] x = new float[3 * 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextGaussian();
            }
            samples.add(new Sample(i, new Tensor(Shape.of(1, 3, 8, 8), x), -1, "r" + i));
        }
        Calibration cal = Calibrator.profile(net, samples.stream().map(s -> Map.of("x", s.input())).toList(), "t");
        RunConfig dnnsim = RunConfig.DEFAULT.withArch("cnv").withPreset("dnnsim");
        Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, dnnsim, cal, EnergyTable.DEFAULT);
        PotentialsReport p = Potentials.characterize(emu, samples, "one", "random", null);
        // the same inputs counted by hand under DNNsim's rules: signed inputs (no ReLU before c1)
        Work want = Work.ZERO;
        long[] boothHist = new long[17];
        for (Sample s : samples) {
            var tap = emu.step(s.input(), true).taps().get(0);
            want = want.plus(new LayerWork(tap.weights(), new CountingRules(Terms.Booth.DNNSIM, true))
                    .count(tap.input(), Threshold.zero(tap.input().frac()), 16));
            for (short q : tap.input().data()) {
                boothHist[Terms.dnnsimBoothTerms(q)]++;
            }
        }
        Work got = p.layers().get(0).work();
        assertEquals(want.aeBooth(), got.aeBooth());
        assertEquals(want.weAeBooth(), got.weAeBooth());
        assertEquals(want.dynamicAp(), got.dynamicAp());
        assertEquals(java.util.Arrays.toString(boothHist),
                java.util.Arrays.toString(p.layers().get(0).histograms().activationBoothTerms()));
        PotentialsReport cnv2 = Potentials.characterize(emu.with(dnnsim.withPreset("cnv2")), samples, "one", "random",
                null);
        assertTrue(cnv2.network().aeBooth() < got.aeBooth(), "NAF is the minimal form: fewer terms than DNNsim's");
        assertTrue(cnv2.network().dynamicAp() != got.dynamicAp());
        assertEquals(cnv2.network().ae(), got.ae(), "Ae does not depend on the rules");
        // the report says which rules: the run in the JSON, a sentence in the HTML page
        var json = io.cnv2.config.Json.MAPPER.readTree(io.cnv2.config.Json.write(p));
        assertEquals("dnnsim", json.get("run").get("booth").asText());
        assertEquals("value", json.get("run").get("dynamicPrecision").asText());
        String html = io.cnv2.report.ReportPages.potentials(p).html();
        assertTrue(html.contains("DNNsim&#39;s Booth recoding (booth dnnsim)")
                || html.contains("DNNsim's Booth recoding (booth dnnsim)"), "the HTML report names the rule");
        assertTrue(io.cnv2.report.ReportPages.potentials(cnv2).html().contains("canonical NAF (booth naf)"));
    }

    private static Conv conv(Random rnd, int c, int k) {
        float[] w = new float[k * c * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextInt(4) == 0 ? 0 : (float) rnd.nextGaussian() * 0.3f;
        }
        return new Conv(1, 1, 1, 1, 1, 1, 1, 1, 1, new Tensor(Shape.of(k, c, 3, 3), w), null);
    }

    private record Case(QLayer layer, QTensor input) {
    }

    private static Case randomCase(Random r, int i) {
        int groups = i % 4 == 3 ? 2 : 1;
        int c = groups * (1 + r.nextInt(20));
        int k = groups * (1 + r.nextInt(6));
        int ky = 1 + r.nextInt(3);
        int kx = 1 + r.nextInt(3);
        ConvGeometry g = new ConvGeometry(c, ky + r.nextInt(5), kx + r.nextInt(5), k, ky, kx, 1 + r.nextInt(2),
                1 + r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2), 1, 1, groups);
        short[] w = new short[k * (c / groups) * ky * kx];
        for (int j = 0; j < w.length; j++) {
            w[j] = r.nextInt(3) == 0 ? 0 : (short) (r.nextInt(65536) - 32768);
        }
        short[] a = new short[c * g.height() * g.width()];
        boolean relu = r.nextBoolean();
        for (int j = 0; j < a.length; j++) {
            int v = r.nextInt(2) == 0 ? 0 : r.nextInt(65536) - 32768;
            a[j] = (short) (relu ? Math.abs(v) & 0x7FFF : v);
        }
        return new Case(new QLayer("r" + i, g, w, 0, null, 0, 8, 8), new QTensor(Shape.of(1, c, g.height(),
                g.width()), a, 8));
    }

    /** Every metric MAC by MAC, over every filter, straight from section 7, under {@code rules}. */
    private static Work bruteForce(QLayer layer, QTensor input, Threshold t, CountingRules rules) {
        ConvGeometry g = layer.geometry();
        short[] in = input.data();
        boolean signedLayer = false;
        for (short x : in) {
            signedLayer |= x < 0;
        }
        short[] w = layer.weights();
        int cg = g.channelsPerGroup();
        int fg = g.filtersPerGroup();
        long[] s = new long[11];
        for (int k = 0; k < g.filters(); k++) {
            int group = k / fg;
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    for (int ky = 0; ky < g.kernelY(); ky++) {
                        for (int kx = 0; kx < g.kernelX(); kx++) {
                            int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                            int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                            boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                            for (int c = 0; c < cg; c++) {
                                int ch = group * cg + c;
                                int a = inside ? in[(ch * g.height() + iy) * g.width() + ix] : 0;
                                int wv = w[((k * cg + c) * g.kernelY() + ky) * g.kernelX() + kx];
                                s[0] += 256;
                                s[1] += t.ineffectual(a) ? 0 : 256;
                                s[2] += wv != 0 ? 256 : 0;
                                s[3] += a != 0 && wv != 0 ? 256 : 0;
                                s[5] += 16L * (rules.perValue() ? Terms.valueWidth(a, signedLayer)
                                        : inside ? brickPrecision(in, g, ch, iy, ix) : 0);
                                s[6] += 16L * Terms.effectualBits(a);
                                s[7] += 16L * rules.booth().terms(a);
                                s[8] += (long) Terms.effectualBits(a) * Terms.effectualBits(wv);
                                s[9] += (long) rules.booth().terms(a) * rules.booth().terms(wv);
                            }
                        }
                    }
                }
            }
        }
        return new Work(s[0], s[1], s[2], s[3], 0, s[5], s[6], s[7], s[8], s[9], 0);
    }

    /** The precision of the 16 channels (a brick of the whole tensor) around channel ch at (iy, ix). */
    private static int brickPrecision(short[] in, ConvGeometry g, int ch, int iy, int ix) {
        int c0 = ch / 16 * 16;
        int plane = g.height() * g.width();
        boolean signed = false;
        int p = 0;
        for (int c = c0; c < Math.min(g.channels(), c0 + 16); c++) {
            signed |= in[c * plane + iy * g.width() + ix] < 0;
        }
        for (int c = c0; c < Math.min(g.channels(), c0 + 16); c++) {
            p = Math.max(p, Terms.precision(in[c * plane + iy * g.width() + ix], signed));
        }
        return p;
    }
}
