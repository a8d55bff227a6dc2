package io.cnv2.trace;

import java.util.List;

/**
 * The {@code index.json} of a trace folder.
 *
 * @param model     the model traced
 * @param images    images traced
 * @param batchSize images per activation file
 * @param batches   activation files per layer ({@code act-<trace>-0.npy} ...)
 * @param values    "real": the values q 2^-f the integers stand for; "integers": the integers q (--integers)
 * @param modelCsv  "model.csv", or why DNNsim's model.csv was not written (a layer it cannot describe)
 * @param layers    the conv and fully connected layers, in network order
 */
public record TraceIndex(String model, int images, int batchSize, int batches, String values, String modelCsv,
                         List<Layer> layers) {

    /** Reads a trace folder's {@code index.json}; a clear error naming the file when it is not one. */
    public static TraceIndex read(java.nio.file.Path file) {
        com.fasterxml.jackson.databind.JsonNode root = io.cnv2.config.Json.read(file, "trace index");
        TraceIndex t;
        try {
            t = io.cnv2.config.Json.MAPPER.treeToValue(root, TraceIndex.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new io.cnv2.BadInputException("trace index " + file + " is not a cnv2 trace index: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (t == null || t.layers() == null || t.images() < 0 || t.batchSize() < 1 || t.batches() < 0
                || t.layers().stream().anyMatch(l -> l == null || l.name() == null || l.activationFiles() == null)) {
            throw new io.cnv2.BadInputException("trace index " + file + " is incomplete (layers, images, batchSize, "
                    + "batches and every layer's name and files are needed)");
        }
        return t;
    }


    /**
     * One layer.
     *
     * @param name                the layer's node name in the model
     * @param trace               its name in the file names (DNNsim's {@code $LAYER})
     * @param kind                conv or fc
     * @param inputShape          one image's input activations (leading 1)
     * @param weightShape         [K, C/groups, Ky, Kx], or [K, C] for fc
     * @param inputFrac           fraction bits of the input activations
     * @param weightFrac          fraction bits of the weights
     * @param outputFrac          fraction bits of the outputs
     * @param inputPrecision      the input activations' profiled precision over the traced images, Ap's
     *                            p_layer (CNV2-MODEL.md section 7): what precision.txt carries
     * @param threshold           the run's ineffectual-activation threshold (real units)
     * @param zeroFraction        input activations that are zero, over the traced images
     * @param ineffectualFraction input activations the threshold makes ineffectual (zeros included)
     * @param weightFile          weights file
     * @param activationFiles     activation files, one per batch
     * @param integers            a quantised model's integer layer: its types ("uint8 x int8 -> uint8"; the
     *                            fraction bits are then 0), else null
     * @param inputScale          such a layer's input scale (real = (q - inputZeroPoint) x inputScale; the
     *                            first traced image's for a dynamically quantised input), else null
     * @param inputZeroPoint      such a layer's input zero point, else null
     */
    public record Layer(String name, String trace, String kind, List<Integer> inputShape, List<Integer> weightShape,
                        int strideY, int strideX, int padTop, int padLeft, int groups, int inputFrac, int weightFrac,
                        int outputFrac, int inputPrecision, double threshold, double zeroFraction,
                        double ineffectualFraction, String weightFile, List<String> activationFiles,
                        String integers, Double inputScale, Integer inputZeroPoint) {
    }
}
