package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import java.util.Random;

/**
 * Runs the randomised layers of {@link ScalarPathTest} and prints one line per layer (a hash of
 * its output bits and its statistics): started by that test in a JVM without the Vector API
 * module, where only the scalar kernels can run.
 */
public final class ScalarProbe {
    private ScalarProbe() {
    }

    public static void main(String[] args) {
        System.out.println("vector " + io.cnv2.Simd.present());
        for (String line : ScalarPathTest.run(Integer.parseInt(args[0]))) {
            System.out.println(line);
        }
    }

    /** One layer's outputs and statistics on every design, as text. */
    static String describe(int i, Random r) {
        RandomLayers.Case c = RandomLayers.next(r, i);
        StringBuilder sb = new StringBuilder();
        for (String arch : new String[] {"dadn", "cnv", "cnv2"}) {
            RunConfig run = RunConfig.DEFAULT.withArch(arch).withTiming(i % 2 == 0 ? "isca2016" : "ideal")
                    .withThresholds(i % 3 == 0 ? 0 : 0.01, null);
            LayerRun out = Accelerators.create(run, MachineConfig.DEFAULT).run(c.layer(), c.input());
            sb.append(arch).append(' ').append(java.util.Arrays.hashCode(out.output().data())).append(' ')
                    .append(out.stats()).append("; ");
        }
        return sb.toString();
    }
}
