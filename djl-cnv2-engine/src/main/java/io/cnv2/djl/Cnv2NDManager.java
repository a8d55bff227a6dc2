package io.cnv2.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;

/**
 * The CNV2 engine's NDManager: its arrays are plain buffers in host memory, which is all the
 * emulator needs to read inputs and return outputs; every other operation on them goes to the
 * alternative engine's manager (see {@link Cnv2NDArray}).
 */
public class Cnv2NDManager extends BaseNDManager {
    private static final Cnv2NDManager SYSTEM = new SystemManager();

    private Cnv2NDManager(NDManager parent, Device device) {
        super(parent, device);
    }

    static Cnv2NDManager system() {
        return SYSTEM;
    }

    @Override
    public ByteBuffer allocateDirect(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    @Override
    public Cnv2NDArray from(NDArray array) {
        if (array == null || array instanceof Cnv2NDArray) {
            return (Cnv2NDArray) array;
        }
        Cnv2NDArray result = create(array.toByteBuffer(), array.getShape(), array.getDataType());
        result.setName(array.getName());
        return result;
    }

    @Override
    public Cnv2NDArray create(Buffer data, Shape shape, DataType dataType) {
        if (dataType == DataType.STRING) {
            throw new UnsupportedOperationException("the CNV2 engine holds numeric arrays only, not strings");
        }
        int size = Math.toIntExact(shape.size());
        BaseNDManager.validateBuffer(data, dataType, size);
        ByteBuffer bb = allocateDirect(size * dataType.getNumOfBytes());
        copyBuffer(data, bb);
        bb.rewind();
        return new Cnv2NDArray(this, alternativeManager, bb, shape, dataType);
    }

    @Override
    public NDArray create(String[] data, Charset charset, Shape shape) {
        throw new UnsupportedOperationException("the CNV2 engine holds numeric arrays only, not strings");
    }

    @Override
    public Cnv2NDManager newSubManager(Device device) {
        Cnv2NDManager m = new Cnv2NDManager(this, device);
        attachInternal(m.uid, m);
        return m;
    }

    @Override
    public final Engine getEngine() {
        return Engine.getEngine(Cnv2Engine.ENGINE_NAME);
    }

    @Override
    public void close() {
        super.close();
        if (alternativeManager != null) {
            alternativeManager.close();
            alternativeManager = null;
        }
    }

    /** The root manager; never closed. */
    private static final class SystemManager extends Cnv2NDManager implements SystemNDManager {
        SystemManager() {
            super(null, null);
        }

        @Override
        public void close() {
        }
    }
}
