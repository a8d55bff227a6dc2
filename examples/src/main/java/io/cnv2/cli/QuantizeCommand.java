package io.cnv2.cli;

import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.config.Json;
import io.cnv2.data.Sample;
import io.cnv2.ir.Tensor;
import io.cnv2.onnx.OnnxImporter;
import io.cnv2.onnx.OrtAccuracy;
import io.cnv2.onnx.QuantSpec;
import io.cnv2.onnx.StaticQuantizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnv2 quantize}: static post-training quantisation of an ONNX model into the QDQ form ONNX
 * Runtime runs with its integer kernels ({@link StaticQuantizer}; docs/FIXED-POINT.md, "Static
 * quantisation"), with the float and quantised files' top-1 and top-5 as ONNX Runtime runs them.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Quantise an ONNX model's Conv, Gemm and MatMul layers (and unrolled LSTMs and GRUs) statically (QDQ, calibrated on the "
                + "dataset) into a file ONNX Runtime runs with its integer kernels; report float vs quantised top-1.")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(names = "--out", paramLabel = "Q.onnx", required = true, description = "The quantised model file.")
    Path out;

    @Option(names = "--bits", paramLabel = "N", defaultValue = "8",
            description = "Weight bits: 8 (stored in [-63, 63], ONNX Runtime's reduce_range) or 4 ([-7, 7], stored "
                    + "in int8). Default 8.")
    int bits;

    @Option(names = "--per-channel", description = "One weight scale per output channel (default: one per tensor).")
    boolean perChannel;

    @Option(names = "--symmetric", description = "int8 activations with zero point 0, Relu kept (default: uint8 with a "
            + "zero point, Relu folded into the quantiser).")
    boolean symmetric;

    @Option(names = "--keep-recurrent", description = "Keep LSTM and GRU nodes float (default: each forward or reverse one "
            + "is unrolled over its time steps into MatMuls that are quantised).")
    boolean keepRecurrent;

    @Option(names = "--calibration-samples", paramLabel = "N", defaultValue = "100",
            description = "Activation ranges from the first N samples of the dataset (default 100).")
    int calibrationSamples;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the result as JSON.")
    Path json;

    /** What {@code --json} writes: the table's figures and how the file was quantised. */
    record Report(String model, String out, String dataset, int images, int calibrationSamples, int weightBits,
                  int weightMax, boolean perChannel, String activations, long opset, List<StaticQuantizer.Layer> layers,
                  Map<String, Integer> unrolled, AccuracyRun.TopK floatModel, AccuracyRun.TopK quantised) {
    }

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        QuantSpec q = QuantSpec.of(bits, perChannel, symmetric).withUnrollRecurrent(!keepRecurrent);
        if (calibrationSamples < 1) {
            throw new BadInputException("option --calibration-samples must be at least 1, got " + calibrationSamples);
        }
        AtomicFiles.checkWritable(out, "--out");
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        session.refuseUnused("quantize", "writes a model file for ONNX Runtime and runs no accelerator", "--arch",
                "--impl", "--encoding", "--detect", "--weight-skip", "--timing", "--threshold", "--prune",
                "--calibration");
        SessionOptions.Session s = session.open();
        List<Sample> cal = s.dataset() != null ? s.dataset().samples(calibrationSamples)
                : s.samples().subList(0, Math.min(calibrationSamples, s.samples().size()));
        StaticQuantizer.Result r = StaticQuantizer.quantize(s.modelPath(), inputs(s, cal), q);

        List<Map<String, Tensor>> eval = inputs(s, s.samples());
        List<Integer> labels = s.samples().stream().map(Sample::label).toList();
        AccuracyRun.TopK f = OrtAccuracy.measure(OnnxImporter.parse(s.modelPath()), "model file " + s.modelPath(), eval,
                labels);
        AccuracyRun.TopK qa = OrtAccuracy.measure(r.model(), "the quantised model", eval, labels);

        Map<String, Integer> ops = new TreeMap<>();
        r.layers().forEach(l -> ops.merge(l.op(), 1, Integer::sum));
        o.printf("cnv2 quantize: model %s, calibrated on %d sample(s), evaluated on %d image(s) of %s, ONNX Runtime "
                + "with %d thread(s)%n", s.modelName(), cal.size(), s.samples().size(), s.datasetName(),
                io.cnv2.onnx.OrtModel.cores());
        String how = String.format(Locale.ROOT, "%d-bit weights %s, %s activations", bits,
                perChannel ? "per channel" : "per tensor", q.activations());
        Table t = new Table("model (ONNX Runtime)", "top-1", "top-5").alignRight(1, 2);
        t.row("float", pct(f.top1()), pct(f.top5()));
        t.row("quantised, " + how, pct(qa.top1()), pct(qa.top5()));
        o.print(t.render());
        o.printf(Locale.ROOT, "%d layer(s) quantised (%s); weights int8 in [-%d, %d]%s; activations %s; opset %d%n",
                r.layers().size(), ops.toString().replaceAll("[{}]", "").replace("=", " "), q.weightMax(),
                q.weightMax(), bits == 8 ? " (7 bits: ONNX Runtime's reduce_range, no int16 saturation on AVX2)"
                        : " (4-bit levels stored in int8)", q.activations(), r.opset());
        r.unrolled().forEach((n, steps) -> o.printf("recurrent node %s unrolled over %d time steps into MatMuls (float: "
                + "--keep-recurrent)%n", n, steps));
        StaticQuantizer.write(r, out);
        o.println("wrote " + out);
        if (json != null) {
            AtomicFiles.write(json, Json.write(new Report(s.modelName(), out.toString(), s.datasetName(),
                    s.samples().size(), cal.size(), bits, q.weightMax(), perChannel, q.activations(), r.opset(),
                    r.layers(), r.unrolled(), f, qa)));
            o.println("wrote " + json);
        }
        o.flush();
        return 0;
    }

    /** The model's inputs for each sample, prepared as every other command prepares them. */
    private static List<Map<String, Tensor>> inputs(SessionOptions.Session s, List<Sample> samples) {
        return samples.stream().map(x -> s.emulator().inputs(x.input())).toList();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
