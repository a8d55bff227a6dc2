package io.cnv2.torchscript;

/**
 * What a persistent id {@code ('storage', torch.FloatStorage, key, location, numel)} loads to: the
 * archive's storage and the element type the pickle reads it as, the first argument of
 * {@code _rebuild_tensor_v2}.
 */
record TypedStorage(TorchStorage storage, TorchDtype dtype) {
}
