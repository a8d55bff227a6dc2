package io.cnv2.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrayAdapter;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * An array of the CNV2 engine: a buffer, its shape and type. Arithmetic on it is done by the
 * alternative engine (NDArrayAdapter copies it there), as in DJL's OnnxRuntime engine.
 */
public class Cnv2NDArray extends NDArrayAdapter {
    private ByteBuffer data;

    Cnv2NDArray(Cnv2NDManager manager, NDManager alternativeManager, ByteBuffer data, Shape shape, DataType type) {
        super(manager, alternativeManager, shape, type, UUID.randomUUID().toString());
        this.data = data;
        manager.attachInternal(uid, this);
    }

    @Override
    public ByteBuffer toByteBuffer(boolean tryDirect) {
        checkOpen();
        return data.duplicate().order(ByteOrder.nativeOrder()).rewind();
    }

    @Override
    public void intern(NDArray replaced) {
        Cnv2NDArray other = (Cnv2NDArray) replaced;
        this.data = other.data;
        this.shape = other.shape;
        this.dataType = other.dataType;
        replaced.close();
    }

    @Override
    public void detach() {
        manager.detachInternal(getUid());
        manager = Cnv2NDManager.system();
    }

    private void checkOpen() {
        if (isClosed) {
            throw new IllegalStateException("NDArray " + uid + " of the CNV2 engine has been closed");
        }
    }

    @Override
    public void close() {
        data = null;
        super.close();
    }
}
