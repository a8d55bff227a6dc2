package io.cnv2.stats;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Calibration;
import java.util.List;
import java.util.Map;

/**
 * Everything one run produced, with the configuration that produced it: the record behind the
 * CLI table, the JSON file and the HTML report. {@code images} is the number of images every
 * {@code <name>Total} of {@link LayerReport} and {@link Totals} sums over, and every
 * {@code <name>PerImage} divides by; {@code weightSaturations} counts weights that saturated when
 * quantised, a property of the network (no image involved).
 */
public record RunReport(String tool, String model, String dataset, int images, MachineConfig machine,
                        RunConfig run, EnergyTable energy, Calibration calibration, Map<String, Integer> weightFormats,
                        List<LayerReport> layers, Totals totals, Accuracy accuracy,
                        List<String> hostFloatLayers, List<String> warnings, long weightSaturations,
                        List<PredictionRecord> predictions, List<OutputReport> outputs) {
}
