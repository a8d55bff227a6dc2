package io.cnv2.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cnv2.BadInputException;
import io.cnv2.ir.HostFunction;
import io.cnv2.ir.Tensor;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link HostFunction} run by ONNX Runtime: one session over a sub-model of the imported file
 * (the host-float nodes of one segment). Sessions run one intra-op thread: the emulator already
 * runs one sample per core. Safe from many threads (ONNX Runtime's {@code Run} is). The session is
 * closed when the function is no longer reachable.
 */
final class OrtHost implements HostFunction {
    static final String RUNTIME = "ONNX Runtime";
    private static final Cleaner CLEANER = Cleaner.create();

    private final OrtEnvironment env = OrtHost.env();
    private final OrtSession session;
    private final List<String> inputs;
    private final int[] inputTypes;
    private final List<String> outputs;

    /**
     * A session over {@code model} (serialised ONNX), fed {@code inputs} of the given ONNX element
     * types, returning {@code outputs}. {@code what} names the segment in errors.
     */
    OrtHost(byte[] model, List<String> inputs, int[] inputTypes, List<String> outputs, String what) {
        this.inputs = List.copyOf(inputs);
        this.inputTypes = inputTypes.clone();
        this.outputs = List.copyOf(outputs);
        this.session = optimisedOrPlain(model, what);
        OrtSession s = session;
        CLEANER.register(this, () -> {
            try {
                s.close();
            } catch (OrtException ignored) {
                // closing at collection: nothing to tell anyone
            }
        });
    }

    /**
     * ONNX Runtime's session set-up recurses deeply (graph resolution and optimisation): on a
     * thread with the JVM's default 1 MB stack it overflowed and killed the process (seen on the
     * shipped CNN whenever enough of the stack was already in use). Sessions are therefore made
     * on a thread of {@value #SESSION_STACK_MB} MB.
     */
    static final int SESSION_STACK_MB = 256;

    /**
     * The process's ONNX Runtime environment, logging errors only: its warnings (unused initializers
     * in third-party files, say) are not the user's business, and cnv2 reports failures itself.
     */
    static OrtEnvironment env() {
        return Env.ENV;
    }

    /** Made on first use, once per process (the JVM's class initialisation). */
    private static final class Env {
        static final OrtEnvironment ENV = create();

        private static OrtEnvironment create() {
            OrtEnvironment env = OrtEnvironment.getEnvironment(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "cnv2");
            try {
                // ONNX Runtime 1.29's telemetry on Linux: its runtime switch stops the events of
                // sessions and runs; only ORT_DISABLE_TELEMETRY=1 in the environment, which ./cnv2,
                // the tests and Spark's executors set, also stops the one sent when the environment
                // is created (README, "No network")
                env.setTelemetry(false);
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException("ONNX Runtime refused to turn its telemetry off", e);
            }
            return env;
        }
    }

    static OrtSession session(byte[] model, String what, boolean noOpt) {
        return session(model, what, noOpt, 1);
    }

    /** As {@link #session(byte[], String, boolean)} with {@code threads} intra-op threads (a whole-model run). */
    static OrtSession session(byte[] model, String what, boolean noOpt, int threads) {
        OrtSession[] made = new OrtSession[1];
        RuntimeException[] failed = new RuntimeException[1];
        Thread t = new Thread(null, () -> {
            try {
                made[0] = createSession(model, what, noOpt, threads);
            } catch (RuntimeException e) {
                failed[0] = e;
            }
        }, "cnv2-ort-session", (long) SESSION_STACK_MB << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ONNX Runtime loaded " + what, e);
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        return made[0];
    }

    private static OrtSession createSession(byte[] model, String what, boolean noOpt, int threads) {
        OrtEnvironment env = OrtHost.env();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            if (noOpt) {
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            }
            return env.createSession(model, o);
        } catch (OrtException e) {
            throw new BadInputException(what + ": ONNX Runtime refuses it: " + firstLine(e.getMessage()));
        }
    }

    /**
     * A session with ONNX Runtime's graph optimisations, or without them where they fail: its
     * optimiser re-infers shapes inside control flow and refused a sub-model of Silero VAD v5 (an If
     * whose branches hold LSTMs) that it runs unoptimised.
     */
    static OrtSession optimisedOrPlain(byte[] model, String what) {
        try {
            return session(model, what, false);
        } catch (BadInputException optimiserFailed) {
            return session(model, what, true);
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    @Override
    public List<Tensor> apply(List<Tensor> in) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                feed.put(inputs.get(i), OrtTensors.toOrt(env, in.get(i), inputTypes[i]));
            }
            List<Tensor> out = new ArrayList<>(outputs.size());
            try (OrtSession.Result r = session.run(feed)) {
                for (String o : outputs) {
                    Optional<OnnxValue> v = r.get(o);
                    if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
                        throw new IllegalStateException("ONNX Runtime returned no tensor '" + o + "'");
                    }
                    out.add(OrtTensors.fromOrt(t));
                }
            }
            return out;
        } catch (OrtException e) {
            throw new io.cnv2.BadInputException("ONNX Runtime cannot run the host nodes producing " + outputs + " on this "
                    + "input: " + firstLine(e.getMessage()), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }
}
