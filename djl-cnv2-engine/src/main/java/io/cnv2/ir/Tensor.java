package io.cnv2.ir;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order: the float side of the project (weights as
 * imported, the float reference executor's activations).
 */
public record Tensor(Shape shape, float[] data) {
    public Tensor {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException(
                    "tensor data has " + data.length + " values but shape " + shape + " needs " + shape.size());
        }
    }

    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.size()]);
    }

    public static Tensor scalar(float v) {
        return new Tensor(Shape.of(), new float[] {v});
    }

    public float get(int i) {
        return data[i];
    }

    /** Same data, another shape with the same element count. */
    public Tensor reshape(Shape s) {
        return new Tensor(s, data);
    }

    public float maxAbs() {
        float m = 0f;
        for (float v : data) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.shape.equals(shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + shape;
    }
}
