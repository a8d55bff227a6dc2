package io.cnv2.hw.design;

import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.OutputStage;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import java.util.HashMap;
import java.util.Map;

/**
 * Cnvlutin on temporal deltas (CNV2-MODEL.md section 8; the Delta Activation Layer idea): for a
 * sequence of frames each layer keeps the input it last applied and its accumulators; a new
 * frame's input x_t becomes the delta d = x_t - x_applied, deltas with |d| below the delta
 * threshold are not sent (x_applied keeps their old value), and since the layer is linear before
 * its activation function, acc_t = acc_(t-1) + W * d exactly. The output stage (bias, rounding,
 * saturation) then runs on acc_t, so at delta threshold 0 every output equals the frame-by-frame
 * run's bit for bit: acc_t is W * x_t, summed exactly (products of 17-bit deltas and 16-bit
 * weights in 64 bits) and wrapped to the accumulator once (wrapping is arithmetic modulo
 * 2^bits, so it equals wrapping after every addition, rule 3). Timing: Cnvlutin on the delta
 * tensor, whose effectual values are the deltas sent. Stateful: frames must arrive in order,
 * one at a time ({@link #reset} starts a new sequence).
 */
public final class DeltaCnvlutin implements Accelerator {
    private final MachineConfig machine;
    private final double deltaThreshold;
    private final Accelerator timing;
    private final Map<String, State> states = new HashMap<>();

    /** A layer's memory between frames: the input it last applied and its exact accumulators. */
    private record State(int[] applied, long[] acc) {
    }

    /** Deltas below {@code deltaThreshold} (real units) are not sent. */
    public DeltaCnvlutin(MachineConfig machine, RunConfig run, double deltaThreshold) {
        this.machine = machine;
        this.deltaThreshold = deltaThreshold;
        this.timing = new CnvlutinFast(machine, run.withArch("cnv").withThresholds(0, Map.of()));
    }

    @Override
    public String name() {
        return "cnv-delta";
    }

    /** Forgets every layer's state: the next frame starts a new sequence (its deltas are its inputs). */
    public synchronized void reset() {
        states.clear();
    }

    @Override
    public synchronized LayerRun run(QLayer layer, QTensor input) {
        ConvGeometry g = layer.geometry();
        short[] x = input.data();
        State s = states.computeIfAbsent(layer.name(), n -> new State(new int[x.length],
                new long[g.filters() * g.outY() * g.outX()]));
        Threshold td = Threshold.inUnits(deltaThreshold, input.unit());
        short[] sent = new short[x.length];
        long held = 0;
        for (int i = 0; i < x.length; i++) {
            int d = x[i] - s.applied[i];
            if (d == 0) {
                continue;
            }
            if (td.ineffectual(d)) {
                held++; // below the delta threshold: not sent, the layer keeps the old value
                continue;
            }
            s.applied[i] += d;
            scatter(layer, i, d, s.acc);
            // for timing only whether a delta is sent matters; keep its sign in 16 bits
            sent[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, d));
        }
        OutputStage out = new OutputStage(layer, machine.accumulatorBits());
        for (int k = 0; k < g.filters(); k++) {
            for (int p = 0; p < g.outY() * g.outX(); p++) {
                int i = k * g.outY() * g.outX() + p;
                out.put(i, k, Fixed.wrap(s.acc[i], machine.accumulatorBits()));
            }
        }
        LayerStats t = timing.run(layer, input.withData(input.shape(), sent)).stats();
        QTensor y = out.tensor(input.shape());
        return new LayerRun(y, new LayerStats(t.cycles(), t.baselineCycles(), t.macs(), out.saturations(),
                t.sbBitsRead(), t.nmBitsRead(), t.nmBitsWritten(), t.effectualLaneCycles(), t.idleLaneCycles(),
                t.inputActivations(), t.effectualInputs(), held, t.footprintBits(), t.rawFootprintBits()));
    }

    /** acc += W * (delta d at input element i): every output the element reaches through every filter. */
    private static void scatter(QLayer layer, int i, int d, long[] acc) {
        ConvGeometry g = layer.geometry();
        int plane = g.height() * g.width();
        int c = i / plane;
        int iy = (i % plane) / g.width();
        int ix = i % g.width();
        int cg = g.channelsPerGroup();
        int fg = g.filtersPerGroup();
        int group = c / cg;
        int cl = c % cg;
        short[] w = layer.weights();
        for (int ky = 0; ky < g.kernelY(); ky++) {
            int y = iy + g.padTop() - ky * g.dilationY();
            if (y < 0 || y % g.strideY() != 0 || y / g.strideY() >= g.outY()) {
                continue;
            }
            int oy = y / g.strideY();
            for (int kx = 0; kx < g.kernelX(); kx++) {
                int xx = ix + g.padLeft() - kx * g.dilationX();
                if (xx < 0 || xx % g.strideX() != 0 || xx / g.strideX() >= g.outX()) {
                    continue;
                }
                int ox = xx / g.strideX();
                for (int k = group * fg; k < (group + 1) * fg; k++) {
                    int wv = w[((k * cg + cl) * g.kernelY() + ky) * g.kernelX() + kx];
                    acc[(k * g.outY() + oy) * g.outX() + ox] += (long) wv * d;
                }
            }
        }
    }
}
