package io.cnv2.spark;

import io.cnv2.BadInputException;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.accuracy.ConfigRunner;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Emulator;
import io.cnv2.stats.PredictionRecord;
import io.cnv2.stats.ReportBuilder;
import io.cnv2.stats.RunReport;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Function2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.BoxedUnit;

/**
 * The driver of accuracy runs and sweeps on Spark. The images of each run are cut into parts of
 * {@code partImages} consecutive images; every (run, part) is one task; each executor builds the
 * emulator once (the model file travels with {@code addFile}) and emulates its parts; the driver
 * adds the parts' integer statistics up and lays their per-image results end to end in image
 * order, so the report is the single-machine {@link Emulator#evaluate}'s, every number of it.
 * Each part is written to the {@link PartCheckpoint} (when given) as soon as it arrives.
 */
public final class SparkEmulation implements ConfigRunner {
    private final JavaSparkContext sc;
    private final EmulationRecipe recipe;
    private final Emulator base;
    private final ImageSet images;
    private final String model;
    private final String dataset;
    private final int partImages;
    private final PartCheckpoint checkpoint;
    private final Map<String, Emulator> drivers = new HashMap<>();
    private IntConsumer onImages = n -> { };
    private int computedParts;
    private int reusedParts;
    private long floatRuns;
    /** Each image's float class once a part brought it back, else -1 (the same for every run). */
    private final int[] floatClasses;

    /**
     * @param modelPath  the model on the driver (added to the job's files; executors read their copy)
     * @param partImages images per task (a part is also what a checkpoint keeps)
     * @param parts      the folder of finished parts, or null for none
     */
    public SparkEmulation(JavaSparkContext sc, Path modelPath, EmulationRecipe recipe, ImageSet images, String model,
                          String dataset, int partImages, Path parts) {
        if (partImages < 1) {
            throw new BadInputException("option --spark-part-images must be >= 1, got " + partImages);
        }
        this.sc = sc;
        this.recipe = recipe;
        this.images = images;
        this.model = model;
        this.dataset = dataset;
        this.partImages = partImages;
        this.checkpoint = parts == null ? null : new PartCheckpoint(parts);
        this.base = recipe.build(modelPath);
        this.floatClasses = new int[images.size()];
        java.util.Arrays.fill(floatClasses, -1);
        sc.addFile(modelPath.toAbsolutePath().toString());
    }

    /** The driver's emulator of the recipe (the one every report is built with). */
    public Emulator base() {
        return base;
    }

    /** {@code listener} hears the number of images finished in the current call, as parts arrive. */
    public SparkEmulation onImages(IntConsumer listener) {
        this.onImages = listener;
        return this;
    }

    /** Parts computed by tasks so far. */
    public int computedParts() {
        return computedParts;
    }

    /** Parts read from the checkpoint instead of computed. */
    public int reusedParts() {
        return reusedParts;
    }

    @Override
    public boolean sideBySide() {
        return true;
    }

    /**
     * {@inheritDoc} Runs side by side, except that while some of the images' float classes are
     * not known yet the first run goes alone: its parts bring them back and the other runs get
     * them (broadcast), so each image's float reference runs once per sweep wherever Spark
     * places the tasks.
     */
    @Override
    public List<RunReport> reports(List<RunConfig> runs, int from, int to) {
        List<String> json = runs.stream().map(EmulationRecipe::json).toList();
        List<Integer> which = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            which.add(i);
        }
        List<List<PartResult>> parts = new ArrayList<>();
        if (runs.size() > 1 && !floatsKnown(from, to)) {
            parts.addAll(run(new Job(recipe, json, images, false, knownFloats()), which.subList(0, 1), from, to));
            which = which.subList(1, which.size());
        }
        parts.addAll(run(new Job(recipe, json, images, false, knownFloats()), which, from, to));
        List<RunReport> reports = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Emulator e = drivers.computeIfAbsent(json.get(i), k -> base.with(EmulationRecipe.run(k)));
            reports.add(report(e, parts.get(i)));
        }
        return reports;
    }

    /** {@link AccuracyRun#measure} of the recipe's run over every image. */
    public AccuracyRun.Result accuracy() {
        long t0 = System.nanoTime();
        List<PartResult> parts = run(new Job(recipe, List.of(), images, true, null), List.of(-1), 0, images.size())
                .get(0);
        RunReport report = report(base, parts);
        double secs = (System.nanoTime() - t0) / 1e9;
        return new AccuracyRun.Result(model, dataset, images.size(), base.run().arch(),
                AccuracyRun.topK(concat(parts, PartResult::floatRanks)), AccuracyRun.topK(concat(parts,
                PartResult::denseRanks)), AccuracyRun.topK(concat(parts, PartResult::fixedRanks)),
                report.totals().speedup(), AccuracyRun.reusesDense(base), secs, report);
    }

    /** Images whose float reference ran in a task, over every part computed (not read back) so far. */
    public long floatRuns() {
        return floatRuns;
    }

    private boolean floatsKnown(int from, int to) {
        for (int i = from; i < to; i++) {
            if (floatClasses[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** The float classes the driver has, for the executors; null when it has none. */
    private Broadcast<int[]> knownFloats() {
        for (int c : floatClasses) {
            if (c >= 0) {
                return sc.broadcast(floatClasses.clone());
            }
        }
        return null;
    }

    /** Keeps the float classes a part carries (the float reference ignores the run: one network). */
    private void learn(Part p, PartResult r) {
        System.arraycopy(r.floatClasses(), 0, floatClasses, p.from(), p.to() - p.from());
    }

    /** The report {@link Emulator#evaluate} gives, from the parts of one run in image order. */
    private RunReport report(Emulator e, List<PartResult> parts) {
        ReportBuilder b = e.newReport();
        List<PredictionRecord> predictions = new ArrayList<>();
        for (PartResult p : parts) {
            b.absorb(p.tally());
            for (int k = 0; k < p.labels().length; k++) {
                predictions.add(new PredictionRecord(p.sources()[k], p.labels()[k], p.floatClasses()[k],
                        p.fixedClasses()[k]));
            }
        }
        return e.report(b, model, dataset, predictions);
    }

    private static int[] concat(List<PartResult> parts, java.util.function.Function<PartResult, int[]> field) {
        return parts.stream().flatMapToInt(p -> java.util.Arrays.stream(field.apply(p))).toArray();
    }

    /**
     * The parts of each run in {@code which} over images [from, to), in image order: those in the
     * checkpoint read back, the others computed in one Spark job, one task each.
     */
    private List<List<PartResult>> run(Job job, List<Integer> which, int from, int to) {
        if (from < 0 || to > images.size() || from >= to) {
            throw new IllegalArgumentException("images [" + from + ", " + to + ") of " + images.size());
        }
        List<Part> all = new ArrayList<>();
        for (int r : which) {
            for (int s = from; s < to; s += partImages) {
                all.add(new Part(r, s, Math.min(to, s + partImages)));
            }
        }
        Map<Part, PartResult> done = new HashMap<>();
        List<Part> todo = new ArrayList<>();
        int[] finished = {0};
        for (Part p : all) {
            PartResult r = checkpoint == null ? null : checkpoint.get(key(job, p));
            if (r != null) {
                done.put(p, r);
                learn(p, r);
                reusedParts++;
                finished[0] += p.to() - p.from();
            } else {
                todo.add(p);
            }
        }
        onImages.accept(finished[0]);
        if (!todo.isEmpty()) {
            JavaRDD<Part> rdd = sc.parallelize(todo, todo.size());
            @SuppressWarnings("unchecked")
            Function2<TaskContext, scala.collection.Iterator<Part>, PartResult> task =
                    (Function2<TaskContext, scala.collection.Iterator<Part>, PartResult> & Serializable)
                            (ctx, it) -> job.run(it.next());
            // runs on the driver as each task's result arrives: checkpointed at once
            Function2<Object, PartResult, BoxedUnit> arrived = (i, r) -> {
                Part p = todo.get((Integer) i);
                if (checkpoint != null) {
                    checkpoint.put(key(job, p), r);
                }
                synchronized (done) {
                    done.put(p, r);
                    learn(p, r);
                    floatRuns += r.floatRuns();
                    computedParts++;
                    finished[0] += p.to() - p.from();
                    onImages.accept(finished[0]);
                }
                return BoxedUnit.UNIT;
            };
            List<Object> indices = new ArrayList<>();
            for (int i = 0; i < todo.size(); i++) {
                indices.add(i);
            }
            sc.sc().runJob(rdd.rdd(), task, CollectionConverters.asScala(indices).toSeq(), arrived,
                    ClassTag$.MODULE$.apply(PartResult.class));
        }
        List<List<PartResult>> out = new ArrayList<>();
        for (int r : which) {
            out.add(all.stream().filter(p -> p.run() == r).map(done::get).toList());
        }
        return out;
    }

    /** A part's name in the checkpoint: everything its result depends on. */
    private String key(Job job, Part p) {
        String run = p.run() < 0 ? "recipe" : job.runs().get(p.run());
        return EmulationRecipe.digest(recipe.id() + "\n" + images.identity() + "\n" + run + "\n" + job.ranks()
                + "\n" + p.from() + "-" + p.to());
    }
}
