package io.cnv2.djl;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;

/**
 * Registers the {@code CNV2} engine with DJL (listed in
 * {@code META-INF/services/ai.djl.engine.EngineProvider}). Loading this class also makes DJL
 * offline: cnv2 never downloads anything at run time (DEPENDENCIES.md), and DJL reads these
 * settings when its engines start.
 */
public final class Cnv2EngineProvider implements EngineProvider {
    static {
        Offline.apply();
    }

    private volatile Engine engine;

    @Override
    public String getEngineName() {
        return Cnv2Engine.ENGINE_NAME;
    }

    @Override
    public int getEngineRank() {
        return Cnv2Engine.RANK;
    }

    @Override
    public Engine getEngine() {
        if (engine == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = new Cnv2Engine();
                }
            }
        }
        return engine;
    }
}
