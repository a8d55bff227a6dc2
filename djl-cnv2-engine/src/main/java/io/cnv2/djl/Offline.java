package io.cnv2.djl;

/** DJL's offline settings (DEPENDENCIES.md), set unless the user has set them otherwise. */
public final class Offline {
    private Offline() {
    }

    public static void apply() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
