package io.cnv2.importer;

import io.cnv2.BadInputException;
import java.util.List;

/**
 * A model file that declares no input shapes (TorchScript) was loaded without them. The message
 * tells a command-line user which option to give; {@link #inputs()} lets a caller that will see
 * the inputs later (DJL's engine, at the first {@code predict}) import it then.
 */
public final class InputShapesNeeded extends BadInputException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> inputs;

    public InputShapesNeeded(String message, List<String> inputs) {
        super(message);
        this.inputs = List.copyOf(inputs);
    }

    /** The model's inputs, in order. */
    public List<String> inputs() {
        return inputs;
    }
}
