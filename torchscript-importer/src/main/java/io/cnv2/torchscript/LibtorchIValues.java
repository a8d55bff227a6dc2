package io.cnv2.torchscript;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * forward run through DJL's PyTorch engine at the level of libtorch's IValues, for the results
 * DJL's NDList forward refuses ("Unsupported IValue type"): a tuple or NamedTuple with a None among
 * its items (GoogLeNet's and Inception v3's outputs in eval mode). The tensors are taken in the
 * order the translation takes them ({@code TorchScriptImporter.flatten}): a tuple's or list's items
 * in order, None skipped, a dict's single value. A dict of several entries is refused: DJL hands
 * its entries back unordered. Loaded only once the PyTorch engine is known to be there.
 */
final class LibtorchIValues {
    private LibtorchIValues() {
    }

    /** forward's tensors for {@code args} (arrays of {@code manager}, which also owns the results). */
    static NDList forward(Model model, NDList args, NDManager manager) {
        PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
        IValue[] in = new IValue[args.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = IValue.from((PtNDArray) args.get(i));
        }
        List<IValue> owned = new ArrayList<>(List.of(in));
        try {
            IValue result = block.forward(in);
            owned.add(result);
            List<NDArray> out = new ArrayList<>();
            flatten(result, (PtNDManager) manager, out, owned);
            return new NDList(out);
        } finally {
            owned.forEach(IValue::close);
        }
    }

    private static void flatten(IValue v, PtNDManager m, List<NDArray> out, List<IValue> owned) {
        if (v.isTensor()) {
            out.add(v.toTensor(m));
        } else if (v.isTensorList()) {
            out.addAll(List.of(v.toTensorArray(m)));
        } else if (v.isTuple() || v.isList()) {
            IValue[] items = v.isTuple() ? v.toIValueTuple() : v.toIValueArray();
            owned.addAll(List.of(items));
            for (IValue item : items) {
                if (!"NoneType".equals(item.getType())) {
                    flatten(item, m, out, owned);
                }
            }
        } else if (v.isMap()) {
            Map<String, IValue> entries = v.toIValueMap();
            owned.addAll(entries.values());
            if (entries.size() != 1) {
                throw new UnsupportedOperationException("a dict of " + entries.size() + " entries (DJL returns them unordered)");
            }
            flatten(entries.values().iterator().next(), m, out, owned);
        } else {
            throw new UnsupportedOperationException("a result of type " + v.getType());
        }
    }
}
