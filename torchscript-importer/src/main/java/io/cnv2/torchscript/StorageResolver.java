package io.cnv2.torchscript;

/**
 * Finds the storage a pickle's persistent id names. {@link TorchArchive} looks in the folder beside
 * the pickle ({@code data/} for {@code data.pkl}, {@code constants/} for {@code constants.pkl}).
 */
@FunctionalInterface
public interface StorageResolver {
    /**
     * The storage called {@code key} that holds at least {@code numel} elements of {@code dtype}; a
     * {@link io.cnv2.BadInputException} if there is none or it is shorter.
     */
    TorchStorage storage(String key, TorchDtype dtype, long numel);

    /** For pickles with no tensors: any persistent id is an error. */
    StorageResolver NONE = (key, dtype, numel) -> {
        throw new IllegalArgumentException("the pickle refers to storage '" + key + "' but has no storages beside it");
    };
}
