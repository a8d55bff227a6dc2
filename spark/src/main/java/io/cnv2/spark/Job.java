package io.cnv2.spark;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.stats.ReportBuilder;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkFiles;
import org.apache.spark.broadcast.Broadcast;

/**
 * The executor side of a distributed run: what every task of one Spark job shares (the recipe,
 * the runs as JSON, the images) and the work of one {@link Part}. Each executor JVM builds the
 * recipe's emulator once and keeps the emulators of recent runs, so a task costs its images only.
 *
 * @param runs  runs as JSON, each given to {@link Emulator#with} (a {@link Part} names one by position)
 * @param ranks  true for an accuracy run: the label's rank in the float, accelerator and dense outputs
 * @param floats the float classes the driver already has for the images (-1: not yet), or null;
 *               a sweep point runs the float reference only for the others
 */
record Job(EmulationRecipe recipe, List<String> runs, ImageSet images, boolean ranks, Broadcast<int[]> floats)
        implements Serializable {
    /** The recipes' emulators this JVM has built (the model read and quantised once per executor). */
    private static final Map<String, Emulator> BASES = new LinkedHashMap<>();
    /** Emulators this JVM has built, by recipe and run; a few, as each holds a quantised copy of the weights. */
    private static final Map<String, Emulator> BUILT = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Emulator> e) {
            return size() > 8;
        }
    };

    /** Runs one part; its images one after another (the executor's cores run other tasks). */
    PartResult run(Part part) {
        Emulator emu = emulator(part.run());
        Emulator dense = ranks && !AccuracyRun.reusesDense(emu) ? dense(emu, part.run()) : null;
        ReportBuilder report = emu.newReport();
        int n = part.to() - part.from();
        String[] sources = new String[n];
        int[] labels = new int[n];
        int[] floats = new int[n];
        int[] fixeds = new int[n];
        int[] floatRanks = ranks ? new int[n] : null;
        int[] fixedRanks = ranks ? new int[n] : null;
        int[] denseRanks = ranks ? new int[n] : null;
        String in = emu.network().inputs().get(0).name();
        String out = emu.network().outputs().get(0);
        int floatRuns = 0;
        int[] known = this.floats == null ? null : this.floats.value();
        for (int k = 0; k < n; k++) {
            // what Emulator.measure does for one image of a sweep point, or Emulator.evaluate and
            // AccuracyRun's dense pass for one image of an accuracy run
            Sample s = images.get(part.from() + k);
            sources[k] = s.source();
            labels[k] = s.label();
            if (!ranks) { // a sweep point: the float class from the driver once a part brought it back
                int fc = known == null ? -1 : known[part.from() + k];
                floatRuns += fc < 0 ? 1 : 0;
                Emulator.Classified c = emu.classify(s.input(), fc);
                report.add(c.nodes(), c.floatClass(), c.fixedClass(), s.label());
                floats[k] = c.floatClass();
                fixeds[k] = c.fixedClass();
                continue;
            }
            Emulator.Step step = emu.step(s.input());
            floatRuns++;
            floats[k] = step.floatClass();
            fixeds[k] = step.fixedClass();
            report.add(step.nodes(), floats[k], fixeds[k], s.label());
            report.compare(step.floatOutputs(), step.fixedOutputs());
            int label = s.label();
            floatRanks[k] = label < 0 ? -1 : AccuracyRun.rank(step.floatOutput().data(), label);
            fixedRanks[k] = label < 0 ? -1 : AccuracyRun.rank(step.fixedOutput().data(), label);
            denseRanks[k] = label < 0 ? -1 : dense == null ? fixedRanks[k] : AccuracyRun.rank(dense
                    .fixedExecutor().run(emu.inputs(s.input()), false).outputs().get(out).data(), label);
        }
        return new PartResult(report.tally(), sources, labels, floats, fixeds, floatRanks, fixedRanks, denseRanks,
                floatRuns);
    }

    private Emulator emulator(int run) {
        String key = recipe.id() + " " + (run < 0 ? "recipe" : runs.get(run));
        synchronized (BUILT) {
            Emulator e = BUILT.get(key);
            if (e == null) {
                Emulator base = base();
                e = run < 0 ? base : base.with(EmulationRecipe.run(runs.get(run)));
                BUILT.put(key, e);
            }
            return e;
        }
    }

    private Emulator dense(Emulator emu, int run) {
        String key = recipe.id() + " dense " + (run < 0 ? "recipe" : runs.get(run));
        synchronized (BUILT) {
            return BUILT.computeIfAbsent(key, k -> emu.with(emu.run().withArch("dadn")));
        }
    }

    /** The recipe's emulator, built once per JVM (the model read from the file the driver added); under BUILT's lock. */
    private Emulator base() {
        if (BASES.size() > 2) {
            BASES.clear(); // a long-lived executor that served other recipes: keep memory bounded
        }
        return BASES.computeIfAbsent(recipe.id(), k -> recipe.build(Path.of(SparkFiles.get(recipe.modelFile()))));
    }
}
