package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.data.Sample;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.SampleTaps;
import io.cnv2.trace.TraceIndex;
import io.cnv2.trace.TraceWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cnv2 trace}: per-layer activation and weight traces for the DNNsim simulator and NumPy. */
@Command(name = "trace", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write per-layer traces (act-<layer>-<batch>.npy, wgt-<layer>.npy, model.csv, precision.txt, "
                + "index.json) of a model run on the emulated accelerator.")
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder for the trace files.")
    Path out;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Images per activation file (default 16).")
    int batchSize;

    @Option(names = "--integers",
            description = "Store the 16-bit integers q the emulator used (as float32), not the values q 2^-f: "
                    + "for DNNsim's quantised mode.")
    boolean integers;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (batchSize < 1) {
            throw new BadInputException("option --batch-size must be >= 1, got " + batchSize);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("option --out: " + out + " is a file, not a folder");
        }
        if (Files.isDirectory(out) && Files.exists(out.resolve("index.json"))) {
            o.println("replacing the trace in " + out);
        }
        SessionOptions.Session s = session.open();
        FixedExecutor exec = s.emulator().fixedExecutor();
        TraceWriter writer = new TraceWriter(out, s.modelName(), exec, s.run(), batchSize, integers);
        List<Sample> samples = s.samples();
        Progress bar = progress.bar(spec.commandLine().getErr(), samples.size(), "tracing");
        ForkJoinPool pool = new ForkJoinPool(s.run().effectiveThreads());
        try {
            // a batch at a time: its images in parallel, then written in order, so memory holds one batch
            for (int b = 0; b < samples.size(); b += batchSize) {
                List<Sample> batch = samples.subList(b, Math.min(samples.size(), b + batchSize));
                SampleTaps[] taps = new SampleTaps[batch.size()];
                int first = b;
                pool.submit(() -> IntStream.range(0, batch.size()).parallel().forEach(i ->
                        taps[i] = new SampleTaps(first + i, s.emulator().step(batch.get(i).input(), true).taps())))
                        .get();
                for (SampleTaps t : taps) {
                    writer.add(t);
                }
                bar.accept(b + batch.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
        TraceIndex index = writer.finish();
        if (index.modelCsv() != null && !index.modelCsv().equals("model.csv")) {
            o.println("model.csv " + index.modelCsv() + " (with --preset dnnsim such a trace is refused)");
        }
        o.printf("traced %d image(s) of %s through %d layer(s) of %s into %s (%d batch file(s) per layer)%n",
                index.images(), s.datasetName(), index.layers().size(), s.modelName(), out, index.batches());
        Table t = new Table("layer", "trace name", "kind", "input shape", "zero", "ineffectual", "formats a/w/o or integers")
                .alignRight(4, 5);
        for (TraceIndex.Layer l : index.layers()) {
            t.row(l.name(), l.trace(), l.kind(), l.inputShape().toString(), pct(l.zeroFraction()),
                    pct(l.ineffectualFraction()), l.integers() != null ? l.integers()
                    : l.inputFrac() + "/" + l.weightFrac() + "/" + l.outputFrac());
        }
        o.print(t.render());
        o.flush();
        return 0;
    }

    private static String pct(double f) {
        return String.format("%.1f %%", 100 * f);
    }
}
