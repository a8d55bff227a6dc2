package io.cnv2.potentials;

import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.LayerTap;
import io.cnv2.hw.Threshold;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Characterises the ineffectual computation of a network on a set of inputs (CNV2-MODEL.md
 * section 7; Nikolic et al., ISPASS 2019; Laconic, ISCA 2019): every conv and fully connected
 * layer's input, as the emulator quantised it, and its weights as run, counted per metric
 * ({@link Work}). Thresholds come from the emulator's run (0: only zeros are ineffectual), and so
 * do the counting rules where DNNsim differs (run options {@code booth} and
 * {@code dynamicPrecision}; the report's run names them).
 */
public final class Potentials {
    private Potentials() {
    }

    /** One layer's running totals (the layers are visited by every image's thread). */
    private static final class Tally {
        LayerWork counter;
        long macs;
        Work work = Work.ZERO;
        Histograms hist = Histograms.empty();
        int inputPrecision;
        boolean weightsCounted;
    }

    public static PotentialsReport characterize(Emulator emulator, List<Sample> samples, String model,
                                                String dataset, IntConsumer progress) {
        Map<String, Tally> layers = new LinkedHashMap<>();
        emulator.network().acceleratorLayers().forEach(n -> layers.put(n.name(), new Tally()));
        Work[] perImage = new Work[samples.size()];
        int brick = emulator.machine().neuronLanes();
        CountingRules rules = CountingRules.of(emulator.run());
        AtomicInteger done = new AtomicInteger();
        emulator.parallel(() -> IntStream.range(0, samples.size()).parallel().forEach(i -> {
            List<LayerTap> taps = emulator.step(samples.get(i).input(), true).taps();
            Work image = Work.ZERO;
            for (LayerTap tap : taps) {
                Tally t = layers.get(tap.layer());
                LayerWork counter;
                synchronized (t) {
                    if (t.counter == null) {
                        t.counter = new LayerWork(tap.weights(), rules);
                        t.macs = tap.weights().geometry().macs();
                    }
                    counter = t.counter;
                }
                Threshold th = Threshold.inUnits(emulator.run().thresholdOf(tap.layer()), tap.input().unit());
                Work w = counter.count(tap.input(), th, brick);
                Histograms h = Histograms.empty();
                h.add(tap.input().data(), false, rules.booth());
                int p = Terms.precision(tap.input().data());
                synchronized (t) {
                    t.work = t.work.plus(w);
                    t.hist.addAll(h);
                    t.inputPrecision = Math.max(t.inputPrecision, p);
                    if (!t.weightsCounted) {
                        t.hist.add(tap.weights().weights(), true, rules.booth());
                        t.weightsCounted = true;
                    }
                }
                image = image.plus(w);
            }
            perImage[i] = image;
            if (progress != null) {
                progress.accept(done.incrementAndGet());
            }
        }));
        // Ap and Wp: the layer's precision over the run times 16 per MAC (Stripes profiles once per layer)
        List<LayerPotentials> out = new ArrayList<>();
        Work network = Work.ZERO;
        long apPerImage = 0;
        long wpPerImage = 0;
        for (Map.Entry<String, Tally> e : layers.entrySet()) {
            Tally t = e.getValue();
            if (t.counter == null) {
                continue; // a layer no input reached (no samples)
            }
            int wp = t.counter.weightPrecision();
            long ap1 = (long) t.counter.weightBits() * t.inputPrecision * t.macs;
            long wp1 = (long) t.counter.activationBits() * wp * t.macs;
            apPerImage += ap1;
            wpPerImage += wp1;
            Work w = withPrecisions(t.work, ap1 * samples.size(), wp1 * samples.size());
            network = network.plus(w);
            out.add(new LayerPotentials(e.getKey(), t.macs, t.inputPrecision, wp, w, w.idealSpeedups(), t.hist));
        }
        List<Work> images = new ArrayList<>();
        for (Work w : perImage) {
            images.add(withPrecisions(w, apPerImage, wpPerImage));
        }
        return new PotentialsReport(model, dataset, samples.size(), emulator.run(), out, network,
                network.idealSpeedups(), images);
    }

    private static Work withPrecisions(Work w, long ap, long wp) {
        return new Work(w.dense(), w.a(), w.w(), w.aw(), ap, w.dynamicAp(), w.ae(), w.aeBooth(), w.weAe(),
                w.weAeBooth(), wp);
    }
}
