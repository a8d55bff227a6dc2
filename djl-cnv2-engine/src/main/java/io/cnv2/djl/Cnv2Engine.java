package io.cnv2.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The {@code CNV2} engine: models run on the emulated accelerator (a DaDianNao, Cnvlutin or
 * Cnvlutin2 machine, bit-exact fixed point); like DJL's OnnxRuntime engine it is a hybrid, and
 * NDArray arithmetic it does not do itself (pre- and post-processing in translators) goes to
 * the alternative engine, PyTorch when it is on the class path.
 *
 * <p>Get it with {@code Engine.getEngine("CNV2")} or {@code Criteria.builder().optEngine("CNV2")}.
 */
public final class Cnv2Engine extends Engine {
    public static final String ENGINE_NAME = "CNV2";
    /** Above PyTorch's, so that CNV2 is never DJL's default engine by accident. */
    static final int RANK = 10;
    private static final String ALTERNATIVE = "PyTorch";

    private Engine alternative;
    private boolean alternativeResolved;

    Cnv2Engine() {
        Offline.apply();
    }

    @Override
    public synchronized Engine getAlternativeEngine() {
        if (!alternativeResolved) {
            alternative = Engine.hasEngine(ALTERNATIVE) ? Engine.getEngine(ALTERNATIVE) : null;
            alternativeResolved = true;
        }
        return alternative;
    }

    @Override
    public String getEngineName() {
        return ENGINE_NAME;
    }

    @Override
    public int getRank() {
        return RANK;
    }

    @Override
    public String getVersion() {
        Package p = Cnv2Engine.class.getPackage();
        return p.getImplementationVersion() == null ? "development" : p.getImplementationVersion();
    }

    @Override
    public boolean hasCapability(String capability) {
        return false;
    }

    @Override
    public Model newModel(String name, Device device) {
        return new Cnv2Model(name, newBaseManager(device));
    }

    @Override
    public NDManager newBaseManager() {
        return newBaseManager(null);
    }

    @Override
    public NDManager newBaseManager(Device device) {
        return Cnv2NDManager.system().newSubManager(device);
    }

    @Override
    public String toString() {
        return ENGINE_NAME + ":" + getVersion() + " (emulated Cnvlutin2; NDArray arithmetic on "
                + (getAlternativeEngine() == null ? "no alternative engine" : ALTERNATIVE) + ")";
    }
}
