package io.cnv2.onnx;

import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A network's float authority that counts what it is asked: the images it runs, and the batches of
 * more than one image ({@code FloatWorkOnceTest}, {@code BatchedFloatTest}).
 */
final class CountingReference implements FloatReference {
    final FloatReference inner;
    final AtomicInteger images = new AtomicInteger();
    final AtomicInteger batches = new AtomicInteger();

    CountingReference(FloatReference inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean computes(String tensor) {
        return inner.computes(tensor);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> wanted) {
        images.incrementAndGet();
        return inner.run(inputs, wanted);
    }

    @Override
    public void stream(Map<String, Tensor> inputs, Set<String> wanted, BiConsumer<String, Tensor> each) {
        images.incrementAndGet();
        inner.stream(inputs, wanted, each);
    }

    @Override
    public List<Map<String, Tensor>> runBatch(List<Map<String, Tensor>> inputs, Set<String> wanted) {
        images.addAndGet(inputs.size());
        batches.addAndGet(inputs.size() > 1 ? 1 : 0);
        return inner.runBatch(inputs, wanted);
    }
}
