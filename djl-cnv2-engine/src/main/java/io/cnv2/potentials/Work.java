package io.cnv2.potentials;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Work of one layer (or image, or network) in "bit products", as DNNsim's Potentials task
 * counts it (CNV2-MODEL.md section 7), summed over every MAC (output, kernel position, input
 * channel; positions in the zero padding included). Dense = 256 per MAC (16b x 16b).
 *
 * @param dense     256 per MAC
 * @param a         256 per MAC whose activation is effectual (non-zero, not below the threshold): CNV
 * @param w         256 per MAC whose weight is non-zero
 * @param aw        256 per MAC whose activation and weight are both non-zero (SCNN)
 * @param ap        16 x the layer's activation precision per MAC (Stripes)
 * @param dynamicAp 16 x the precision of the activation's group of 16 (its brick), or of the activation
 *                  alone (run option dynamicPrecision value, DNNsim), per MAC (ShapeShifter)
 * @param ae        16 x effectual bits of the activation per MAC (Pragmatic)
 * @param aeBooth   16 x Booth terms of the activation per MAC (run option booth: NAF or DNNsim's recoding)
 * @param weAe      effectual bits of the activation x of the weight per MAC (Laconic)
 * @param weAeBooth Booth terms of the activation x of the weight per MAC
 * @param wp        16 x the layer's weight precision per MAC
 */
public record Work(long dense, long a, long w, long aw, long ap, long dynamicAp, long ae, long aeBooth, long weAe,
                   long weAeBooth, long wp) {
    public static final Work ZERO = new Work(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public Work plus(Work o) {
        return new Work(dense + o.dense, a + o.a, w + o.w, aw + o.aw, ap + o.ap, dynamicAp + o.dynamicAp,
                ae + o.ae, aeBooth + o.aeBooth, weAe + o.weAe, weAeBooth + o.weAeBooth, wp + o.wp);
    }

    /** Each metric's work in a fixed order, by the names reports use. */
    public Map<String, Long> byMetric() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("A", a);
        m.put("W", w);
        m.put("A*W", aw);
        m.put("Ap", ap);
        m.put("dynamic Ap", dynamicAp);
        m.put("Ae", ae);
        m.put("Ae Booth", aeBooth);
        m.put("We*Ae", weAe);
        m.put("We*Ae Booth", weAeBooth);
        m.put("Wp", wp);
        return m;
    }

    /** dense / work per metric: the ideal speedup (infinite when a metric leaves no work). */
    public Map<String, Double> idealSpeedups() {
        Map<String, Double> s = new LinkedHashMap<>();
        byMetric().forEach((k, v) -> s.put(k, v == 0 ? Double.POSITIVE_INFINITY : (double) dense / v));
        return s;
    }

    /** 1 - work / dense per metric. */
    public Map<String, Double> reductions() {
        Map<String, Double> s = new LinkedHashMap<>();
        byMetric().forEach((k, v) -> s.put(k, dense == 0 ? 0 : 1 - (double) v / dense));
        return s;
    }
}
