package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cnv2.BadInputException;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelImporter;
import io.cnv2.ir.IrException;
import io.cnv2.ir.Network;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads an ONNX model file into the cnv2 IR (registered as a {@link ModelImporter} service).
 * Any opset ONNX Runtime runs; cnv2's own translators claim nodes of default-domain opsets
 * {@value #MIN_OPSET} to {@value #MAX_OPSET} (the versions whose operator definitions they follow),
 * and every node of other opsets runs on the host in float; weights from initializers
 * and Constant nodes; shape-only subgraphs folded; Identity and Dropout removed; BatchNorm after a
 * conv folded into it. Every problem with the file is a {@link BadInputException} naming the file
 * and, where there is one, the node.
 */
public final class OnnxImporter implements ModelImporter {
    public static final int MIN_OPSET = 6;
    public static final int MAX_OPSET = 21;

    @Override
    public String format() {
        return "ONNX";
    }

    @Override
    public boolean accepts(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public Network load(Path file, ImportOptions options) {
        return translate(file.toString(), parse(file), options);
    }

    /**
     * The network of an ONNX model held in memory ({@code file} names it in messages), with ONNX
     * Runtime running that model as its float reference: what {@link #load} does after parsing,
     * for importers that translate another format to ONNX first (TorchScript).
     */
    public static Network translate(String file, ModelProto model, ImportOptions options) {
        int opset = opset(file, model);
        try {
            // a QDQ model's layers as the integer ops ONNX Runtime runs (the reference below runs the file as it is)
            Network net = new GraphTranslator(file.toString(), QdqFusion.apply(model), opset, options).translate().foldBatchNorm();
            java.util.Map<String, io.cnv2.ir.Shape> shapes = new java.util.LinkedHashMap<>();
            net.inputs().forEach(i -> shapes.put(i.name(), i.shape()));
            // ONNX Runtime on the file itself is the float authority (docs/ARCHITECTURE.md)
            return net.withFloatReference(new OrtFloatReference(file, model, shapes));
        } catch (IrException e) {
            throw new BadInputException("model file " + file + ": " + e.getMessage());
        }
    }

    /** Parses the protobuf; a file that is not one, or is cut short, is a clear error. */
    public static ModelProto parse(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("model file " + file + " does not exist or is not a file");
        }
        try {
            long size = Files.size(file);
            long room = (long) (io.cnv2.Limits.heap() * io.cnv2.Limits.HEAP_SHARE);
            if (size > Integer.MAX_VALUE || size * io.cnv2.Limits.PARSE_BYTES_PER_FILE_BYTE > room) {
                throw new BadInputException("model file " + file + " (" + io.cnv2.Limits.megabytes(size) + ") needs "
                        + "about " + io.cnv2.Limits.megabytes(size * io.cnv2.Limits.PARSE_BYTES_PER_FILE_BYTE)
                        + " of heap to import; this JVM may use " + io.cnv2.Limits.megabytes(room)
                        + " (give it more with CNV2_JAVA_OPTS=-Xmx16g; ONNX files are limited to 2 GB)");
            }
        } catch (IOException e) {
            throw new BadInputException("model file " + file + " cannot be read: " + e.getMessage());
        }
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setRecursionLimit(200);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new BadInputException("model file " + file + " is not a valid ONNX model (truncated or not ONNX: "
                    + e.getMessage() + ")");
        } catch (IOException e) {
            throw new BadInputException("model file " + file + " cannot be read: " + e.getMessage());
        }
        // protobuf accepts many byte strings as a message with unknown fields: demand an ONNX model's parts
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0
                || model.getGraph().getOutputCount() == 0) {
            throw new BadInputException("model file " + file + " is not an ONNX model (no IR version, graph, nodes "
                    + "or outputs)");
        }
        return model;
    }

    private static int opset(String file, ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                long v = o.getVersion();
                if (v < 1 || v > 1000) {
                    throw new BadInputException("model file " + file + " imports ONNX opset " + v + ", which no ONNX "
                            + "release defines");
                }
                return (int) v;
            }
        }
        return -1; // only custom domains: every node runs on the host
    }
}
