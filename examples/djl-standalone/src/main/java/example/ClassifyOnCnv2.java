package example;

import ai.djl.inference.Predictor;
import ai.djl.metric.Metrics;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.cnv2.djl.Cnv2SymbolBlock;
import io.cnv2.stats.LayerReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Classifies an image on emulated Cnvlutin2 and prints the accelerator's statistics.
 *
 * <pre>java -jar target/classify-on-cnv2.jar MODEL.onnx|MODEL.pt IMAGE [INPUT=1,C,H,W]</pre>
 *
 * The third argument declares the input shape of a model whose file leaves it open.
 */
public final class ClassifyOnCnv2 {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -jar classify-on-cnv2.jar MODEL IMAGE [INPUT=1,C,H,W]");
            System.exit(2);
        }
        Path modelFile = Path.of(args[0]);
        Image image = ImageFactory.getInstance().fromFile(Path.of(args[1]));
        Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(modelFile)
                .optEngine("CNV2") // instead of "OnnxRuntime" or "PyTorch"
                .optOption("arch", "cnv2");
        if (args.length > 2) {
            criteria.optOption("inputShape", args[2]);
        }
        try (ZooModel<NDList, NDList> model = criteria.build().loadModel()) {
            // the translator follows the model: its input (1, C, H, W) and its number of classes
            Shape in = model.describeInput().get(0).getValue();
            Shape out = model.describeOutput().get(0).getValue();
            ImageClassificationTranslator.Builder translator = ImageClassificationTranslator.builder()
                    .setImageSize((int) in.get(3), (int) in.get(2))
                    .optFlag(in.get(1) == 1 ? Image.Flag.GRAYSCALE : Image.Flag.COLOR)
                    .optSynset(labels(modelFile, (int) out.get(out.dimension() - 1)))
                    .optApplySoftmax(true);
            if (image.getWidth() != in.get(3) || image.getHeight() != in.get(2)) {
                translator.addTransform(new Resize((int) in.get(3), (int) in.get(2)));
            }
            translator.addTransform(new ToTensor());

            Metrics metrics = new Metrics();
            try (Predictor<Image, Classifications> predictor = model.newPredictor(translator.build())) {
                predictor.setMetrics(metrics); // the engine adds cnv2.* figures per prediction
                System.out.println(predictor.predict(image).topK(3));
            }

            System.out.printf("%n%-24s %12s %12s %8s %10s%n", "layer", "CNV2 cycles", "DaDN cycles", "speedup",
                    "effectual");
            for (LayerReport l : Cnv2SymbolBlock.of(model).lastRun().layers()) {
                if (l.cyclesTotal() > 0) {
                    System.out.printf("%-24s %,12d %,12d %8.2f %9.1f%%%n", l.name(), l.cyclesTotal(),
                            l.baselineCyclesTotal(), l.speedup(), 100 * l.effectualFraction());
                }
            }
            System.out.printf("network: %,.0f cycles, %.2fx over DaDianNao, %.1f%% of activations effectual%n",
                    metrics.latestMetric("cnv2.cycles").getValue().doubleValue(),
                    metrics.latestMetric("cnv2.speedup").getValue().doubleValue(),
                    100 * metrics.latestMetric("cnv2.effectualFraction").getValue().doubleValue());
        }
    }

    /** labels.txt or synset.txt beside the model, else the class indices. */
    private static List<String> labels(Path model, int classes) throws Exception {
        for (String name : List.of("labels.txt", "synset.txt")) {
            Path file = model.resolveSibling(name);
            if (Files.isRegularFile(file)) {
                return Files.readAllLines(file);
            }
        }
        return IntStream.range(0, classes).mapToObj(Integer::toString).toList();
    }
}
