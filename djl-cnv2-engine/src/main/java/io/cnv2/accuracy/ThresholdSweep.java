package io.cnv2.accuracy;

import io.cnv2.BadInputException;
import io.cnv2.config.RunConfig;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.ir.Node;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Ineffectual-activation thresholds against accuracy, the library side of {@code cnv2 sweep}.
 * {@link #search}: the per-layer search of the Cnvlutin paper: on a validation subset each conv
 * and fully connected layer's threshold is raised alone through the grid and the largest that
 * keeps top-1 within the budget of the zero-threshold top-1 is kept; the per-layer choices are
 * combined, and while the combination loses more than the budget the largest threshold steps
 * down one grid point; the table is confirmed on the test images. {@link #grid}: one threshold
 * for every layer at each grid value, on all images: the speedup vs top-1 curve. Every point is
 * kept in the {@link SweepCheckpoint} (when given) as soon as it is finished.
 */
public final class ThresholdSweep {
    /** One evaluated configuration: which images ("validation" or "test"), the thresholds, top-1 and speedup. */
    public record Point(String images, Map<String, Double> thresholds, double top1, double speedup) {
    }

    /**
     * The outcome. In grid mode {@code chosen}, {@code validation}, {@code test} and
     * {@code testBaseline} are empty or null and {@code points} is the curve.
     */
    public record Result(String mode, double baselineTop1, double budget, Map<String, Double> chosen,
                         Point validation, Point testBaseline, Point test, List<Point> points, int computed,
                         int reused) {
    }

    private final Emulator base;
    private final String model;
    private final String dataset;
    private final SweepCheckpoint checkpoint;
    private ConfigRunner runner;
    private final Map<String, Point> seen = new LinkedHashMap<>();
    private int computed;
    private int reused;
    private java.util.function.IntConsumer onPoint = n -> { };

    /** A sweep of {@code base}'s network under its run (arch cnv or cnv2), thresholds aside. */
    public ThresholdSweep(Emulator base, String model, String dataset, SweepCheckpoint checkpoint) {
        if (!base.run().arch().equals("cnv") && !base.run().arch().equals("cnv2")) {
            throw new BadInputException("sweep needs a skipping accelerator: arch cnv or cnv2, not " + base.run().arch());
        }
        this.base = base;
        this.model = model;
        this.dataset = dataset;
        this.checkpoint = checkpoint;
    }

    /**
     * Runs the sweep's configurations with {@code r} (a cluster) instead of on this machine; the
     * image-range methods ({@link #search(int, int, double[], double, Consumer)}, {@link #grid(int,
     * double[])}) then name images by their position in the set {@code r} was made for.
     */
    public ThresholdSweep runner(ConfigRunner r) {
        this.runner = r;
        return this;
    }

    /** {@code listener} hears the number of points finished (computed or reused) after each one. */
    public ThresholdSweep onPoint(java.util.function.IntConsumer listener) {
        this.onPoint = listener;
        return this;
    }

    /** The most points {@link #search} evaluates over {@code layers} layers: a bound for a progress bar. */
    public static int searchPoints(int layers, int gridSize) {
        return 1 + layers * (gridSize - 1) + 1 + layers * (gridSize - 1) + 2;
    }

    /** The grid a sweep tries: sorted, distinct, finite, >= 0 and containing 0. */
    public static double[] checkGrid(double[] grid, String option) {
        if (grid.length == 0 || Arrays.stream(grid).anyMatch(t -> !(t >= 0) || Double.isInfinite(t))) {
            throw new BadInputException(option + ": thresholds must be finite numbers >= 0");
        }
        double[] ts = Arrays.stream(grid).distinct().sorted().toArray();
        if (ts[0] != 0) {
            throw new BadInputException(option + " must contain 0 (the reference point)");
        }
        return ts;
    }

    /** The per-layer search within {@code budget} (a top-1 fraction); {@code log} hears each layer's choice. */
    public Result search(List<Sample> validation, List<Sample> test, double[] grid, double budget,
                         Consumer<String> log) {
        runner = ConfigRunner.local(base, concat(validation, test), model, dataset);
        return search(validation.size() + test.size(), validation.size(), grid, budget, log);
    }

    /**
     * {@link #search(List, List, double[], double, Consumer)} over the images of this sweep's
     * {@link #runner}: the first {@code validation} of {@code images} search, the rest confirm.
     */
    public Result search(int images, int validation, double[] grid, double budget, Consumer<String> log) {
        requireRunner();
        double[] ts = checkGrid(grid, "grid");
        Images val = new Images("validation", 0, validation);
        Images test = new Images("test", validation, images);
        Map<String, Double> none = new TreeMap<>();
        Point start = evaluate(val, none);
        double floor = start.top1() - budget;
        Map<String, Double> chosen = new TreeMap<>();
        for (String layer : layers()) {
            double best = 0;
            for (double t : ts) {
                if (t == 0) {
                    continue;
                }
                if (evaluate(val, Map.of(layer, t)).top1() < floor) {
                    break; // larger thresholds cut more: stop at the first that loses too much
                }
                best = t;
            }
            chosen.put(layer, best);
            if (log != null) {
                log.accept("layer " + layer + ": threshold " + best);
            }
        }
        Point combined = evaluate(val, chosen);
        while (combined.top1() < floor) {
            // step the largest threshold down one grid point (the first such layer on ties)
            String top = chosen.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            double lower = 0;
            for (double g : ts) {
                if (g < chosen.get(top)) {
                    lower = g;
                }
            }
            chosen.put(top, lower);
            combined = evaluate(val, chosen);
        }
        Point testBase = evaluate(test, none);
        Point confirmed = evaluate(test, chosen);
        return new Result("search", start.top1(), budget, chosen, combined, testBase, confirmed,
                List.copyOf(seen.values()), computed, reused);
    }

    /** Every layer at each grid threshold, on all the images: the trade-off curve. */
    public Result grid(List<Sample> images, double[] grid) {
        runner = ConfigRunner.local(base, images, model, dataset);
        return grid(images.size(), grid);
    }

    /**
     * {@link #grid(List, double[])} over the first {@code images} images of this sweep's
     * {@link #runner}. The grid's points do not depend on each other: those not in the
     * checkpoint are handed together to a runner that runs them {@link ConfigRunner#sideBySide}
     * (a cluster, which keeps its own checkpoint of finished parts).
     */
    public Result grid(int images, double[] grid) {
        requireRunner();
        Images all = new Images("test", 0, images);
        List<Map<String, Double>> tables = new ArrayList<>();
        for (double g : checkGrid(grid, "grid")) {
            Map<String, Double> table = new TreeMap<>();
            layers().forEach(l -> table.put(l, g));
            tables.add(table);
        }
        Map<String, Point> fresh = new LinkedHashMap<>();
        // on this machine one at a time, so that each point is in the checkpoint as soon as it is finished
        List<Map<String, Double>> todo = !runner.sideBySide() ? List.of()
                : tables.stream().filter(t -> fromCheckpoint(all, t) == null).toList();
        List<RunReport> reports = todo.isEmpty() ? List.of() : runner.reports(todo.stream().map(this::runOf).toList(),
                all.from(), all.to());
        for (int i = 0; i < todo.size(); i++) {
            fresh.put(key(all.which(), todo.get(i)), point(all, todo.get(i), reports.get(i)));
        }
        List<Point> curve = new ArrayList<>();
        for (Map<String, Double> t : tables) {
            Point p = fresh.get(key(all.which(), t));
            curve.add(p != null ? record(all, t, p) : evaluate(all, t));
        }
        return new Result("grid", curve.get(0).top1(), 0, Map.of(), null, null, null, curve, computed, reused);
    }

    private List<String> layers() {
        return base.network().acceleratorLayers().stream().map(Node::name).toList();
    }

    private void requireRunner() {
        if (runner == null) {
            throw new IllegalStateException("a sweep over image positions needs runner(...): the images live there");
        }
    }

    /** A range of the sweep's images: the validation or the test images. */
    private record Images(String which, int from, int to) {
    }

    private RunConfig runOf(Map<String, Double> thresholds) {
        return base.run().withThresholds(0, thresholds);
    }

    private Point fromCheckpoint(Images images, Map<String, Double> thresholds) {
        return checkpoint == null ? null : checkpoint.get(key(images.which(), thresholds));
    }

    private static Point point(Images images, Map<String, Double> thresholds, RunReport report) {
        return new Point(images.which(), new TreeMap<>(thresholds), report.accuracy().fixedTop1(),
                report.totals().speedup());
    }

    /** The top-1 and speedup of one threshold table on one image set, from the checkpoint when it is there. */
    private Point evaluate(Images images, Map<String, Double> thresholds) {
        Point p = fromCheckpoint(images, thresholds);
        if (p != null) {
            reused++;
            return seen(images, thresholds, p);
        }
        RunReport report = runner.reports(List.of(runOf(thresholds)), images.from(), images.to()).get(0);
        return record(images, thresholds, point(images, thresholds, report));
    }

    /** A point just computed: into the checkpoint, then counted. */
    private Point record(Images images, Map<String, Double> thresholds, Point p) {
        if (checkpoint != null) {
            checkpoint.put(key(images.which(), thresholds), p);
        }
        computed++;
        return seen(images, thresholds, p);
    }

    private Point seen(Images images, Map<String, Double> thresholds, Point p) {
        seen.putIfAbsent(key(images.which(), thresholds), p);
        onPoint.accept(computed + reused);
        return p;
    }

    private static List<Sample> concat(List<Sample> a, List<Sample> b) {
        return new java.util.AbstractList<>() {
            @Override
            public Sample get(int i) {
                return i < a.size() ? a.get(i) : b.get(i - a.size());
            }

            @Override
            public int size() {
                return a.size() + b.size();
            }
        };
    }

    /** A point's identity: the images and the non-zero thresholds (a zero entry is the same point as none). */
    static String key(String which, Map<String, Double> thresholds) {
        Map<String, Double> nonZero = new TreeMap<>();
        thresholds.forEach((k, v) -> {
            if (v != 0) {
                nonZero.put(k, v);
            }
        });
        return which + " " + nonZero;
    }
}
