package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.config.Json;
import io.cnv2.data.Sample;
import io.cnv2.exec.ImportCheck;
import io.cnv2.ir.Tensor;
import io.cnv2.stats.CheckReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cnv2 check}: how faithfully cnv2 handles a model, against ONNX Runtime running the file,
 * per output and per intermediate tensor. What a researcher runs first on a new model; exit 0
 * whatever the errors are (2 only on bad input).
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare cnv2's float execution and its 16-bit emulation of a model with ONNX Runtime, tensor "
                + "by tensor. Without inputs: two seeded random ones.")
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(names = "--json", paramLabel = "OUT", description = "Write outputs[] and tensors[] as JSON.")
    Path json;

    @Option(names = "--show", paramLabel = "N", description = "Intermediate tensors listed (worst first; default 10).")
    int show = 10;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        session.randomSamples = 2;
        if (session.limit == null) {
            session.limit = 4; // a check, not a run: a few inputs say what one can
        }
        SessionOptions.Session s = session.open();
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (Sample x : s.samples()) {
            inputs.add(s.emulator().inputs(x.input()));
        }
        CheckReport r = ImportCheck.run(s.net(), s.emulator().calibration(), inputs, s.modelName(), s.datasetName());
        out.printf("cnv2 check: model %s against %s on %d input(s) of %s%n", r.model(), r.authority(), r.samples(),
                r.inputs());
        for (CheckReport.Place p : r.placements()) {
            out.printf(Locale.ROOT, "  %-12s %5d node(s), %5.1f %% of the MACs%n", p.placement(), p.nodes(),
                    100 * p.macShare());
        }
        Table t = new Table("output", "shape", "placement", "float rel. err", "16-bit rel. err");
        for (CheckReport.Entry e : r.outputs()) {
            t.row(e.name(), e.shape().toString(), e.placement(), sci(e.maxRelativeError()),
                    sci(e.fixedPointRelativeError()));
        }
        out.print(t.render());
        List<CheckReport.Entry> worst = new ArrayList<>(r.tensors());
        worst.sort(Comparator.comparingDouble(CheckReport.Entry::maxRelativeError).reversed());
        if (!worst.isEmpty() && show > 0) {
            Table w = new Table("tensor (worst float error first)", "op", "placement", "float rel. err",
                    "16-bit rel. err");
            for (CheckReport.Entry e : worst.subList(0, Math.min(show, worst.size()))) {
                w.row(e.name(), e.op(), e.placement(), sci(e.maxRelativeError()), sci(e.fixedPointRelativeError()));
            }
            out.print(w.render());
        }
        double f = 0;
        double q = 0;
        for (CheckReport.Entry e : r.outputs()) {
            f = Math.max(f, e.maxRelativeError());
            q = Math.max(q, e.fixedPointRelativeError());
        }
        out.printf(Locale.ROOT, "outputs: cnv2's float execution within %s of %s, the 16-bit emulation within %s; "
                + "%d intermediate tensor(s) compared%n", sci(f), r.authority(), sci(q), r.tensors().size());
        for (String w : s.emulator().fixedExecutor().layers().warnings()) {
            out.println("warning: " + w);
        }
        if (json != null) {
            AtomicFiles.write(json, Json.write(r));
            out.println("wrote " + json);
        }
        out.flush();
        return 0;
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
