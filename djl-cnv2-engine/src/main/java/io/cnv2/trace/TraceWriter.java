package io.cnv2.trace;

import io.cnv2.AtomicFiles;
import io.cnv2.BadInputException;
import io.cnv2.config.Json;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.LayerTap;
import io.cnv2.exec.SampleTaps;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.potentials.Terms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-layer traces in the layout the DNNsim simulator reads: for every conv and fully connected
 * layer, {@code act-<layer>-<batch>.npy} (its input activations as the accelerator received
 * them, a batch of images per file) and {@code wgt-<layer>.npy} (its weights as run), float32,
 * plus {@code model.csv} ({@code name,conv|fc,stride,padding}), {@code precision.txt} and
 * {@code index.json} with shapes, formats, thresholds and sparsity. {@code precision.txt} holds
 * per layer the activations' profiled precision, the one Ap counts, as magnitude + fraction with
 * cnv2's fraction bits, so DNNsim quantises exactly as cnv2 did and its Stripes figure equals our
 * Ap (CNV2-MODEL.md section 7); the weights keep their storage format. A layer model.csv cannot
 * describe (one stride and one padding per layer) is refused by name before anything is written
 * when the traces are for DNNsim ({@code preset dnnsim}); other traces leave model.csv out and
 * say why in the index (section 7: never silently wrong). The values are the fixed-point ones, written as the
 * floats they stand for (exact in float32), or with {@code integers} as the 16-bit integers q
 * themselves (CNV2-MODEL.md section 7: DNNsim's {@code quantised: true} mode then reads exactly
 * cnv2's values). Memory holds one batch; every file is written atomically and the index last,
 * so a directory with an index is complete.
 */
public final class TraceWriter {
    private final Path dir;
    /** Why model.csv is not written (a layer DNNsim's format cannot describe), or null. */
    private final String modelCsvOmitted;
    private final int batchSize;
    private final List<LayerTrace> layers = new ArrayList<>();
    private final String model;
    private final boolean integers;
    private int images;
    private int batches;

    /** What is known and collected about one layer. */
    private static final class LayerTrace {
        final Node node;
        final QLayer layer;
        final String trace;
        final Threshold threshold;
        final List<float[]> pending = new ArrayList<>();
        int[] sampleShape;
        long values;
        long zeros;
        long ineffectual;
        /** Ap's p_layer over the traced images: the most bits any image's input needs (section 7). */
        int precision;
        /** A quantised model's input quantisation, as the first traced image had it; null in fixed point. */
        io.cnv2.fixed.Affine inputAffine;
        final List<String> files = new ArrayList<>();

        LayerTrace(Node node, QLayer layer, String trace, Threshold threshold) {
            this.node = node;
            this.layer = layer;
            this.trace = trace;
            this.threshold = threshold;
        }
    }

    /** Traces of {@code exec}'s network into {@code dir} (created if needed), {@code batchSize} images per file. */
    public TraceWriter(Path dir, String model, FixedExecutor exec, RunConfig run, int batchSize) {
        this(dir, model, exec, run, batchSize, false);
    }

    /** The same; with {@code integers} the files hold the integers q, not the values q 2^-f they stand for. */
    public TraceWriter(Path dir, String model, FixedExecutor exec, RunConfig run, int batchSize, boolean integers) {
        this.integers = integers;
        if (batchSize < 1) {
            throw new BadInputException("trace batch size must be >= 1, got " + batchSize);
        }
        this.dir = dir;
        this.model = model;
        this.batchSize = batchSize;
        Network net = exec.network();
        String cannot = dnnsimCannotDescribe(net, exec);
        if (cannot != null && run.preset().equals("dnnsim")) {
            // traces asked for DNNsim: refused by name before anything is written (section 7)
            throw new BadInputException("cannot write traces for DNNsim (--preset dnnsim), whose model.csv " + cannot);
        }
        this.modelCsvOmitted = cannot;
        try {
            Files.createDirectories(dir);
            retireOldTrace(dir);
        } catch (IOException e) {
            throw new BadInputException("cannot create trace folder " + dir + ": " + e.getMessage());
        }
        Set<String> taken = new HashSet<>();
        for (Node n : net.acceleratorLayers()) {
            QLayer q = exec.layers().layer(n.name());
            layers.add(new LayerTrace(n, q, unique(sanitise(n.name()), taken),
                    Threshold.of(run.thresholdOf(n.name()), q)));
        }
    }

    /**
     * DNNsim's {@code model.csv} holds one stride and one padding per layer: every layer is checked
     * before the folder is touched, and those it cannot describe (padding that differs by side,
     * strides that differ in y and x, dilation) are named in one message (section 7), or null when
     * it describes them all. Traces for DNNsim ({@code preset dnnsim}) are then refused; other
     * traces are written without {@code model.csv}, and the index and the command say why.
     */
    private static String dnnsimCannotDescribe(Network net, FixedExecutor exec) {
        List<String> refused = new ArrayList<>();
        for (Node n : net.acceleratorLayers()) {
            ConvGeometry g = exec.layers().layer(n.name()).geometry();
            List<String> why = new ArrayList<>();
            if (g.padTop() != g.padBottom() || g.padLeft() != g.padRight() || g.padTop() != g.padLeft()) {
                why.add("asymmetric padding (top " + g.padTop() + ", left " + g.padLeft() + ", bottom "
                        + g.padBottom() + ", right " + g.padRight() + ")");
            }
            if (g.strideY() != g.strideX()) {
                why.add("different y and x strides (" + g.strideY() + ", " + g.strideX() + ")");
            }
            if (g.dilationY() != 1 || g.dilationX() != 1) {
                why.add("dilation (" + g.dilationY() + ", " + g.dilationX() + ")");
            }
            if (!why.isEmpty()) {
                refused.add("layer " + n.name() + " has " + String.join(" and ", why));
            }
        }
        return refused.isEmpty() ? null : "holds one stride and one padding per layer and no dilation: "
                + String.join("; ", refused);
    }

    /** A file-name-safe layer name: what DNNsim does to '/' (it becomes '-'), for every unsafe character. */
    static String sanitise(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_.]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "layer" : s;
    }

    private static String unique(String s, Set<String> taken) {
        String u = s;
        for (int i = 2; !taken.add(u); i++) {
            u = s + "-" + i;
        }
        return u;
    }

    /** One image's taps (the instrumentation's capture); images must come in order. */
    public void add(SampleTaps taps) {
        if (taps.layers().size() != layers.size()) {
            throw new IllegalArgumentException("taps of " + taps.layers().size() + " layers for a trace of "
                    + layers.size());
        }
        for (int i = 0; i < layers.size(); i++) {
            LayerTrace l = layers.get(i);
            LayerTap tap = taps.layers().get(i);
            if (!tap.layer().equals(l.node.name())) {
                throw new IllegalArgumentException("tap of layer " + tap.layer() + " where " + l.node.name() + " is traced");
            }
            QTensor x = tap.input();
            l.sampleShape = x.shape().dims();
            if (l.inputAffine == null) {
                l.inputAffine = x.affine();
            }
            // a quantised model's integers as the model holds them (with their zero point), else the 16-bit q
            l.pending.add(integers ? x.affine() != null ? x.onnxValue().data() : asFloats(x.data()) : x.dequantize().data());
            l.precision = Math.max(l.precision, Terms.precision(x.data()));
            // the threshold on this image's integers: a dynamically quantised input has its own scale per image
            Threshold th = x.affine() == null ? l.threshold : Threshold.inUnits(l.threshold.real(), x.unit());
            for (short q : x.data()) {
                l.values++;
                l.zeros += q == 0 ? 1 : 0;
                l.ineffectual += th.ineffectual(q) ? 1 : 0;
            }
        }
        images++;
        if (images % batchSize == 0) {
            flush();
        }
    }

    private void flush() {
        if (layers.isEmpty() || layers.get(0).pending.isEmpty()) {
            return;
        }
        for (LayerTrace l : layers) {
            int n = l.pending.size();
            int per = l.pending.get(0).length;
            float[] all = new float[n * per];
            for (int i = 0; i < n; i++) {
                System.arraycopy(l.pending.get(i), 0, all, i * per, per);
            }
            // [N, C, H, W] for conv, [N, C] for fully connected: the sample's leading 1 becomes N
            int[] shape = l.sampleShape.clone();
            shape[0] = n;
            String file = "act-" + l.trace + "-" + batches + ".npy";
            AtomicFiles.write(dir.resolve(file), Npy.encode(new Npy.Array(shape, all)));
            l.files.add(file);
            l.pending.clear();
        }
        batches++;
    }

    /** Writes the last batch, the weights, model.csv, precision.txt and the index; returns the index. */
    public TraceIndex finish() {
        flush();
        List<TraceIndex.Layer> entries = new ArrayList<>();
        StringBuilder csv = new StringBuilder();
        StringBuilder[] precision = {new StringBuilder(), new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (LayerTrace l : layers) {
            ConvGeometry g = l.layer.geometry();
            boolean fc = l.sampleShape != null && l.sampleShape.length == 2;
            short[] q = l.layer.weights();
            float[] w = new float[q.length];
            float scale = integers ? 1f : (float) Math.scalb(1.0, -l.layer.weightFrac());
            io.cnv2.fixed.IntegerOutput io = l.layer.integer();
            int per = q.length / g.filters();
            for (int i = 0; i < q.length; i++) {
                // a quantised model's weights: its integers, or their real values (held less the zero point)
                w[i] = io == null ? q[i] * scale : integers ? q[i] + io.weightZeroPoints()[i / per]
                        : q[i] * io.weightScales()[i / per];
            }
            int[] wShape = fc ? new int[] {g.filters(), g.channelsPerGroup()}
                    : new int[] {g.filters(), g.channelsPerGroup(), g.kernelY(), g.kernelX()};
            String wFile = "wgt-" + l.trace + ".npy";
            AtomicFiles.write(dir.resolve(wFile), Npy.encode(new Npy.Array(wShape, w)));
            csv.append(l.trace).append(',').append(fc ? "fc" : "conv").append(',').append(g.strideY()).append(',')
                    .append(g.padTop()).append('\n');
            // magnitude + fraction = p_layer, Ap's precision (Stripes): DNNsim takes their sum as the
            // layer's precision and quantises with the fraction (values within p_layer bits are not clipped)
            int p = l.values == 0 ? 16 : l.precision;
            precision[0].append(p - l.layer.inputFrac()).append(';');
            precision[1].append(l.layer.inputFrac()).append(';');
            precision[2].append(16 - l.layer.weightFrac()).append(';');
            precision[3].append(l.layer.weightFrac()).append(';');
            entries.add(new TraceIndex.Layer(l.node.name(), l.trace, fc ? "fc" : "conv",
                    l.sampleShape == null ? List.of() : Arrays.stream(l.sampleShape).boxed().toList(),
                    Arrays.stream(wShape).boxed().toList(), g.strideY(), g.strideX(), g.padTop(), g.padLeft(),
                    g.groups(), l.layer.inputFrac(), l.layer.weightFrac(), l.layer.outputFrac(), p,
                    l.threshold.real(), ratio(l.zeros, l.values), ratio(l.ineffectual, l.values), wFile,
                    List.copyOf(l.files), io == null ? null : io.describe(),
                    l.inputAffine == null ? null : (double) l.inputAffine.scale(),
                    l.inputAffine == null ? null : l.inputAffine.zeroPoint()));
        }
        if (modelCsvOmitted == null) {
            AtomicFiles.write(dir.resolve("model.csv"), csv.toString());
        } else {
            try {
                Files.deleteIfExists(dir.resolve("model.csv")); // an earlier trace's, never left beside this one
            } catch (IOException e) {
                throw new BadInputException("cannot remove the old " + dir.resolve("model.csv") + ": " + e.getMessage());
            }
        }
        AtomicFiles.write(dir.resolve("precision.txt"), "magnitude (+1 of the sign), fraction, wgt_magnitude, "
                + "wgt_fraction\n" + precision[0] + "\n" + precision[1] + "\n" + precision[2] + "\n" + precision[3] + "\n");
        TraceIndex index = new TraceIndex(model, images, batchSize, batches, integers ? "integers" : "real",
                modelCsvOmitted == null ? "model.csv" : "not written: DNNsim's model.csv " + modelCsvOmitted, entries);
        AtomicFiles.write(dir.resolve("index.json"), Json.write(index));
        return index;
    }

    /**
     * A folder holding an index is a complete trace: replacing it starts by removing the old
     * index (the old trace stops being complete before any of its files is overwritten), then the
     * files it listed, so no stale batch of a longer earlier trace is left beside the new one.
     */
    private static void retireOldTrace(Path dir) throws IOException {
        Path index = dir.resolve("index.json");
        if (!Files.exists(index)) {
            removeLayoutFiles(dir); // a run killed before its index leaves batches no index lists
            return;
        }
        TraceIndex old = null;
        try {
            old = TraceIndex.read(index);
        } catch (BadInputException unreadable) {
            // an index we cannot read lists nothing we could remove
        }
        Files.delete(index);
        removeLayoutFiles(dir);
        if (old != null) {
            for (TraceIndex.Layer l : old.layers()) {
                for (String f : l.activationFiles()) {
                    Files.deleteIfExists(dir.resolve(Path.of(f).getFileName()));
                }
                if (l.weightFile() != null) {
                    Files.deleteIfExists(dir.resolve(Path.of(l.weightFile()).getFileName()));
                }
            }
        }
    }

    /** The file names this layout writes; nothing else in the folder is touched. */
    private static final java.util.regex.Pattern LAYOUT = java.util.regex.Pattern.compile(
            "(act|wgt)-.+\\.npy|precision\\.txt|model\\.csv");

    /** Removes every file of the trace layout (an earlier, possibly unfinished, trace). */
    private static void removeLayoutFiles(Path dir) throws IOException {
        try (var files = Files.newDirectoryStream(dir, p -> Files.isRegularFile(p)
                && LAYOUT.matcher(p.getFileName().toString()).matches())) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static float[] asFloats(short[] q) {
        float[] f = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            f[i] = q[i];
        }
        return f;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }
}
