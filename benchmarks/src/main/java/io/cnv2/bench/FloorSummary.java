package io.cnv2.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.LayerTap;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.BrickMasks;
import io.cnv2.hw.brick.KernelFloorBenchmark;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The least time an exact emulation of a network's products can take on this machine (issue 23):
 * per accelerator layer, the smallest of its effectual products at the sparse kernel shape's rate,
 * all its products (zeros included) at the FMA units' peak, and, for a 3x3 stride-1 layer,
 * Winograd's products (the fewer of F(2x2, 3x3)'s, 16 a 2x2 tile per channel and filter, and
 * F(4x4, 3x3)'s, 36 a 4x4 tile, both exact in integers, see the engine's WinogradSums and
 * Winograd4Sums) at the FMA units' peak, from one JMH run of
 * {@link KernelFloorBenchmark} beside {@link WholeNetworkBenchmark}'s ONNX Runtime (and emulation)
 * on the same file. Effectual products are counted on the benchmark's own images under
 * {@code cnv2} with thresholds 0, each window's effectual activations (the engine's
 * {@link BrickMasks#windowSum}) times the group's filters. Nothing else is charged: no timing
 * model, statistic, output stage or host op, so an emulation can only be slower.
 *
 * <p>Usage: {@code FloorSummary results.json [model.onnx]}.
 */
public final class FloorSummary {
    private FloorSummary() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FloorSummary results.json [model.onnx]");
            System.exit(2);
        }
        Map<String, double[]> scores = scores(new File(args[0]));
        String model = args.length > 1 ? args[1] : "models/exports/.cache/resnet18.onnx";
        double lanes = KernelFloorBenchmark.lanes();
        double[] peak = need(scores, "fmaRegisters", args[0]);
        double[] l1 = need(scores, "sparseTap/8", args[0]);
        double[] ort = need(scores, "onnxRuntime", args[0]);
        // exact products a nanosecond: vector FMAs a nanosecond times the lanes of a vector
        double peakRate = peak[0] * lanes;
        double sparseRate = l1[0] * lanes;
        System.out.printf(Locale.ROOT, "exact products a ns (G a second), one core: FMA peak %.1f +- %.1f;"
                + " sparse shape, weights in 8 KiB %.1f +- %.1f", peakRate, peak[1] * lanes, sparseRate, l1[1] * lanes);
        for (String k : new String[] {"48", "512"}) {
            double[] s = scores.get("sparseTap/" + k);
            if (s != null) {
                System.out.printf(Locale.ROOT, ", %s KiB %.1f +- %.1f", k, s[0] * lanes, s[1] * lanes);
            }
        }
        System.out.println();

        Network net = ModelLoader.load(Path.of(model));
        List<Map<String, Tensor>> images = WholeNetworkBenchmark.images(net);
        Calibration cal = Calibrator.profile(net, images.subList(0, 4), "benchmark inputs");
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2");
        Emulator em = new Emulator(net, MachineConfig.DEFAULT, run, cal, Accelerators.create(run, MachineConfig.DEFAULT));
        Map<String, long[]> layers = new LinkedHashMap<>();
        for (Map<String, Tensor> x : images) {
            for (LayerTap t : em.step(x.values().iterator().next(), true).taps()) {
                ConvGeometry g = t.weights().geometry();
                long effectual = 0;
                for (int group = 0; group < g.groups(); group++) {
                    effectual += new BrickMasks(t.input().data(), g, group, 16, Threshold.zero(t.input().frac()))
                            .windowSum() * g.filtersPerGroup();
                }
                long[] sum = layers.computeIfAbsent(t.layer(), k -> new long[3]);
                sum[0] += g.macs();
                sum[1] += effectual;
                long winograd = KernelFloorBenchmark.winogradProducts(g);
                sum[2] += winograd >= 0 ? winograd : Long.MAX_VALUE / 16;
            }
        }
        System.out.printf(Locale.ROOT, "%-28s %10s %12s %10s %10s %10s %10s %10s%n",
                "layer (mean of " + images.size() + " images)", "M products", "M effectual", "M Winograd", "sparse ms",
                "dense ms", "Winograd", "floor ms");
        double floor = 0;
        double direct = 0;
        double macs = 0;
        double effectual = 0;
        for (var e : layers.entrySet()) {
            double d = e.getValue()[0] / (double) images.size();
            double s = e.getValue()[1] / (double) images.size();
            boolean winograd = e.getValue()[2] < Long.MAX_VALUE / 16;
            double wd = e.getValue()[2] / (double) images.size();
            double sparseMs = s / sparseRate / 1e6;
            double denseMs = d / peakRate / 1e6;
            double winogradMs = winograd ? wd / peakRate / 1e6 : Double.POSITIVE_INFINITY;
            double least = Math.min(Math.min(sparseMs, denseMs), winogradMs);
            floor += least;
            direct += Math.min(sparseMs, denseMs);
            macs += d;
            effectual += s;
            System.out.printf(Locale.ROOT, "%-28s %10.1f %12.1f %10s %10.3f %10.3f %10s %10.3f%n", e.getKey(), d / 1e6,
                    s / 1e6, winograd ? String.format(Locale.ROOT, "%.1f", wd / 1e6) : "-", sparseMs, denseMs,
                    winograd ? String.format(Locale.ROOT, "%.3f", winogradMs) : "-", least);
        }
        System.out.printf(Locale.ROOT, "%-28s %10.1f %12.1f %10s %10s %10s %10s %10.2f%n", "whole network", macs / 1e6,
                effectual / 1e6, "", "", "", "", floor);
        System.out.printf(Locale.ROOT, "ONNX Runtime, same run: %.2f +- %.2f ms; the products' floor is %.2f x it"
                + " (%.2f x with direct kernels only; issue 23's emulation target 1.5x, ./cnv2 run's 2.5x)%n",
                ort[0], ort[1], floor / ort[0], direct / ort[0]);
        double[] emulation = scores.get("emulation");
        if (emulation != null) {
            System.out.printf(Locale.ROOT, "emulation, same run: %.2f +- %.2f ms, %.2f x ONNX Runtime; %.0f %% of it above"
                    + " the floor%n", emulation[0], emulation[1], emulation[0] / ort[0],
                    100 * (emulation[0] - floor) / emulation[0]);
        }
    }

    /** Scores by method (sparseTap by its weightsKiB): {score, error}, in the result's own units. */
    private static Map<String, double[]> scores(File file) throws IOException {
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (JsonNode r : new ObjectMapper().readTree(file)) {
            String method = r.get("benchmark").asText().replaceAll(".*\\.", "");
            JsonNode kib = r.path("params").get("weightsKiB");
            JsonNode m = r.get("primaryMetric");
            scores.put(method + (kib == null ? "" : "/" + kib.asText()),
                    new double[] {m.get("score").asDouble(), m.get("scoreError").asDouble()});
        }
        return scores;
    }

    private static double[] need(Map<String, double[]> scores, String key, String file) {
        double[] s = scores.get(key);
        if (s == null) {
            System.err.println(file + ": no " + key + " result (run KernelFloorBenchmark and"
                    + " WholeNetworkBenchmark.onnxRuntime together: benchmarks/run-floor.sh)");
            System.exit(2);
        }
        return s;
    }
}
