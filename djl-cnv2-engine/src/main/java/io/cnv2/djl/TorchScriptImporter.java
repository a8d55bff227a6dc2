package io.cnv2.djl;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.cnv2.BadInputException;
import io.cnv2.importer.GraphCard;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelImporter;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * TorchScript files, read through DJL's PyTorch engine: the layer graph from the cnv2 graph
 * card the exporter embedded ({@code cnv2.graph.json}, see {@code models/torchscript_card.py}),
 * the weights from the file's own parameters. A file without a card is refused, never run in
 * float behind the user's back.
 */
public final class TorchScriptImporter implements ModelImporter {
    static final String CARD = "cnv2.graph.json";

    @Override
    public String format() {
        return "TorchScript (with a cnv2 graph card)";
    }

    @Override
    public boolean accepts(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".pt") || n.endsWith(".torchscript");
    }

    @Override
    public Network load(Path file, ImportOptions options) {
        Offline.apply();
        if (!Engine.hasEngine("PyTorch")) {
            throw new BadInputException(file + " is TorchScript: reading it needs DJL's PyTorch engine "
                    + "(ai.djl.pytorch:pytorch-engine) on the class path");
        }
        try (Model m = Model.newInstance("cnv2-torchscript", Device.cpu(), "PyTorch")) {
            m.load(file, null, Map.of("extraFiles", CARD));
            String card = m.getProperty(CARD);
            if (card == null || card.isBlank()) {
                throw new BadInputException(file + " carries no cnv2 graph card (" + CARD + "): TorchScript has no "
                        + "layer graph cnv2 can read; save it with models/torchscript_card.py (save(model, example, "
                        + "path)) or export it to ONNX");
            }
            Map<String, Tensor> params = new HashMap<>();
            for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
                NDArray a = p.getValue().getArray();
                int[] dims = Arrays.stream(a.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
                params.put(p.getKey(), new Tensor(new Shape(dims), a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                        .toFloatArray()));
            }
            return GraphCard.build(file.toString(), card, params);
        } catch (IOException | MalformedModelException e) {
            throw new BadInputException("cannot read TorchScript file " + file + ": " + e.getMessage());
        }
    }
}
