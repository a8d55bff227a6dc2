package io.cnv2.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.metric.Unit;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.cnv2.stats.RunReport;
import io.cnv2.stats.Totals;

/**
 * DJL's predictor, plus DJL's convention for per-prediction figures: when the caller set
 * {@code Metrics} on it ({@link #setMetrics}), every prediction adds the emulated accelerator's
 * figures of its batch, beside DJL's own timings: {@code cnv2.cycles} (all samples of the batch),
 * {@code cnv2.cyclesPerSample}, {@code cnv2.speedup} (over DaDianNao, same timing profile),
 * {@code cnv2.effectualFraction} (of the accelerator layers' input activations, weighted by their MACs) and
 * {@code cnv2.samples}. The same figures, and every other, are records in
 * {@code Cnv2SymbolBlock.lastRun()}.
 */
final class Cnv2Predictor<I, O> extends ai.djl.inference.Predictor<I, O> {
    Cnv2Predictor(Model model, Translator<I, O> translator, Device device) {
        super(model, translator, device, false);
    }

    @Override
    protected NDList predictInternal(TranslatorContext ctx, NDList ndList) throws TranslateException {
        NDList out = super.predictInternal(ctx, ndList);
        if (metrics != null && block instanceof Cnv2SymbolBlock b) {
            RunReport r = b.lastRunOnThisThread();
            if (r != null) {
                Totals t = r.totals();
                metrics.addMetric("cnv2.cycles", t.cyclesTotal(), Unit.COUNT);
                metrics.addMetric("cnv2.cyclesPerSample", t.cyclesPerImage(), Unit.COUNT_PER_ITEM);
                metrics.addMetric("cnv2.speedup", t.speedup(), Unit.NONE);
                metrics.addMetric("cnv2.effectualFraction", effectual(r), Unit.NONE);
                metrics.addMetric("cnv2.samples", r.images(), Unit.COUNT);
            }
        }
        return out;
    }

    /** Effectual input activations of the accelerator layers over all of theirs. */
    private static double effectual(RunReport r) {
        double eff = 0;
        double all = 0;
        for (var l : r.layers()) {
            if (l.placement().equals("accelerator") && l.effectualFraction() >= 0) {
                double inputs = l.macsPerImage(); // weight by work: a layer's share of the MACs
                eff += l.effectualFraction() * inputs;
                all += inputs;
            }
        }
        return all == 0 ? 0 : eff / all;
    }
}
