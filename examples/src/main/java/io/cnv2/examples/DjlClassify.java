package io.cnv2.examples;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.djl.Cnv2SymbolBlock;
import io.cnv2.models.ShippedModels;
import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a DJL user writes to run a model on emulated Cnvlutin: load the shipped Fashion-MNIST
 * network with {@code optEngine("CNV2")}, classify a few test images with an ordinary
 * translator, and read the accelerator's per-layer statistics as records.
 *
 * <pre>
 * java -cp examples/target/cnv2-cli.jar io.cnv2.examples.DjlClassify [N]   (add --add-modules jdk.incubator.vector: faster)
 * </pre>
 */
public final class DjlClassify {
    private DjlClassify() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = ShippedModels.fashionMnistDir();
        List<String> labels = Files.readAllLines(dir.resolve("labels.txt"));

        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(dir.resolve("fashion_cnn.onnx"))
                .optEngine("CNV2")
                .optOption("arch", "cnv") // Cnvlutin; thresholds 0 skip exact zeros only
                .optTranslator(ImageClassificationTranslator.builder()
                        .addTransform(new ToTensor()) // [H, W, 1] bytes to [1, H, W] in [0, 1], as trained
                        .optFlag(Image.Flag.GRAYSCALE)
                        .optSynset(labels)
                        .build())
                .build();

        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(n);
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
             Predictor<Image, Classifications> predictor = model.newPredictor()) {
            for (Sample s : samples) {
                Image image = ImageFactory.getInstance().fromPixels(argb(s.input().data()), 28, 28);
                Classifications c = predictor.predict(image);
                System.out.printf("image %d: %-12s (label %s)%n", s.index(), c.best().getClassName(),
                        labels.get(s.label()));
            }
            RunReport report = Cnv2SymbolBlock.of(model).total();
            System.out.printf("%n%-8s %14s %15s %8s%n", "layer", "cnv cycles/img", "dadn cycles/img", "speedup");
            for (LayerReport l : report.layers()) {
                if (l.cyclesTotal() > 0) {
                    System.out.printf("%-8s %,14.0f %,15.0f %8.2f%n", l.name(), l.cyclesPerImage(),
                            l.baselineCyclesPerImage(), l.speedup());
                }
            }
            System.out.printf("network: %.2fx over DaDianNao on %d image(s)%n", report.totals().speedup(),
                    report.images());
        }
    }

    /** Grey levels in [0, 1] (the data set's scaling) back to opaque ARGB pixels. */
    public static int[] argb(float[] grey) {
        int[] p = new int[grey.length];
        for (int i = 0; i < p.length; i++) {
            int v = Math.round(grey[i] * 255);
            p[i] = 0xff000000 | v << 16 | v << 8 | v;
        }
        return p;
    }
}
