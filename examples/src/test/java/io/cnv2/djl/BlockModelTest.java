package io.cnv2.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.cnv2.BadInputException;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DJL block tree built in Java (convolutions, batch norm, a residual parallel block, pooling,
 * a dense layer), trained briefly on real Fashion-MNIST images, saved and reloaded, then read
 * into the IR and run on the emulated accelerator end to end.
 */
class BlockModelTest {
    @TempDir
    Path dir;

    static Block architecture() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(8).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
                .add(Activation.reluBlock())
                .add(new ParallelBlock(l -> new NDList(l.get(0).singletonOrThrow().add(l.get(1).singletonOrThrow())),
                        List.of(Blocks.identityBlock(), new SequentialBlock()
                                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                                        .setFilters(16).build())
                                .add(Activation.reluBlock()))))
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Test
    void aTrainedDjlBlockTreeRunsOnTheEmulatedAcceleratorEndToEnd() throws Exception {
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(1000);
        List<Sample> train = images.subList(0, 800);
        List<Sample> test = images.subList(800, 1000);
        try (Model model = Model.newInstance("djl-cnn", "PyTorch")) {
            model.setBlock(architecture());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.003f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, 1, 28, 28));
                NDManager m = trainer.getManager();
                for (int epoch = 0; epoch < 2; epoch++) {
                    for (int b = 0; b < train.size(); b += 32) {
                        List<Sample> batch = train.subList(b, Math.min(train.size(), b + 32));
                        try (NDManager sub = m.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray x = sub.create(stack(batch), new Shape(batch.size(), 1, 28, 28));
                            NDArray y = sub.create(batch.stream().mapToInt(Sample::label).toArray());
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                }
            }
            model.save(dir, "djl-cnn");
        }

        try (Model model = Model.newInstance("djl-cnn", "PyTorch")) {
            model.setBlock(architecture());
            model.load(dir, "djl-cnn");
            NDManager m = model.getNDManager();
            Network net = BlockImporter.toNetwork("djl-cnn", model.getBlock(), io.cnv2.ir.Shape.of(1, 1, 28, 28), m);
            assertEquals(4, net.acceleratorLayers().size(), "three convolutions (batch norm folded) and the dense layer");

            // the float reference of the imported network against DJL's own forward pass
            FloatExecutor reference = new FloatExecutor(net);
            ParameterStore ps = new ParameterStore(m, false);
            int djlCorrect = 0;
            for (Sample s : test) {
                float[] want = model.getBlock().forward(ps, new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))),
                        false).singletonOrThrow().toFloatArray();
                float[] got = reference.run(new Tensor(io.cnv2.ir.Shape.of(1, 1, 28, 28), s.input().data())).data();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), "image " + s.index() + " class " + i);
                }
                djlCorrect += argmax(want) == s.label() ? 1 : 0;
            }
            assertTrue(djlCorrect > 120, "brief training learned something: " + djlCorrect + "/200");

            // on the emulated accelerator: Cnvlutin at threshold 0 gives DaDianNao's bits, and the run reports
            String in = net.inputs().get(0).name();
            Calibration cal = Calibrator.profile(net, train.subList(0, 100).stream()
                    .map(s -> Map.of(in, s.input())).toList(), "first 100 training images");
            // the ideal profile (section 4), where skipping zeros pays even on this one-channel first layer
            RunConfig ideal = RunConfig.DEFAULT.withTiming("ideal");
            RunConfig cnv = ideal.withArch("cnv");
            FixedExecutor dense = new FixedExecutor(net, cal, Accelerators.create(ideal, MachineConfig.DEFAULT), 48);
            FixedExecutor skipping = new FixedExecutor(net, cal, Accelerators.create(cnv, MachineConfig.DEFAULT), 48);
            for (Sample s : test.subList(0, 20)) {
                assertEquals(dense.run(Map.of(in, s.input()), true).tensors(),
                        skipping.run(Map.of(in, s.input()), true).tensors(), "image " + s.index());
            }
            Emulator emu = new Emulator(net, MachineConfig.DEFAULT, cnv, cal, Accelerators.create(cnv, MachineConfig.DEFAULT));
            var report = emu.evaluate(test, "djl-cnn", "sample", null).report();
            assertTrue(report.totals().speedup() > 1, "zero skipping pays: " + report.totals().speedup());
            assertTrue(Math.abs(report.accuracy().fixedTop1() - report.accuracy().floatTop1()) <= 0.02,
                    "16-bit fixed point keeps the accuracy: " + report.accuracy());

            // the same block through the CNV2 engine, as a DJL user loads it
            Path calFile = dir.resolve("djl-cnn.calibration.json");
            java.nio.file.Files.writeString(calFile, io.cnv2.config.Json.write(cal));
            Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                    .optModelPath(dir).optModelName("djl-cnn").optBlock(architecture()).optEngine("CNV2")
                    .optOption("arch", "cnv").optOption("inputShape", "input=1,1,28,28")
                    .optTranslator(new NoopTranslator()).build();
            try (ZooModel<NDList, NDList> engineModel = criteria.loadModel();
                 Predictor<NDList, NDList> p = engineModel.newPredictor();
                 NDManager cm = NDManager.newBaseManager("CNV2")) {
                for (Sample s : test.subList(0, 5)) {
                    float[] got = p.predict(new NDList(cm.create(s.input().data(), new Shape(1, 1, 28, 28))))
                            .singletonOrThrow().toFloatArray();
                    assertArrayEquals(emu.step(s.input()).fixedOutput().data(), got, "image " + s.index());
                }
            }
        }
    }

    @Test
    void aFunctionBlockNoCandidateReproducesIsRefusedByName() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Block odd = new SequentialBlock().add(new LambdaBlock(l -> new NDList(l.singletonOrThrow().mul(3)), "triple"));
            odd.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 2, 4, 4));
            BadInputException e = assertThrows(BadInputException.class,
                    () -> BlockImporter.toNetwork("odd", odd, io.cnv2.ir.Shape.of(1, 2, 4, 4), m));
            assertTrue(e.getMessage().contains("'triple'"), e.getMessage());
        }
    }

    private static float[] stack(List<Sample> batch) {
        float[] x = new float[batch.size() * 784];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).input().data(), 0, x, i * 784, 784);
        }
        return x;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
