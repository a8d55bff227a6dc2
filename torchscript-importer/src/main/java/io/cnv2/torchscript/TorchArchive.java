package io.cnv2.torchscript;

import io.cnv2.BadInputException;
import io.cnv2.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A TorchScript file ({@code torch.jit.save} in Python, {@code torch::jit::save} in libtorch) read without
 * libtorch. The file is a zip whose entries share one top folder, named after the file by Python
 * ({@code fashion_cnn/}) and {@code archive/} by libtorch: {@code data.pkl} (the module tree),
 * {@code constants.pkl} (the tensors code names {@code CONSTANTS.c0}, ...), {@code code/**.py}, the
 * storages {@code data/<key>} and {@code constants/<key>}, {@code extra/*}, {@code version} (or
 * {@code .data/version}) and, from PyTorch 1.x on, {@code byteorder}.
 *
 * <p>Opening reads the pickles and the code; tensor storages are read when a tensor's values are first
 * asked for, once each, so they must be asked for before {@link #close()}. Every problem with the file
 * is a {@link BadInputException} naming it.
 */
public final class TorchArchive implements AutoCloseable {
    /** Entries in one archive (each tensor storage is one; large models hold a few thousand). */
    public static final int MAX_ENTRIES = 100_000;
    /** Bytes of one pickle, and of all code together; real ones are kilobytes to a few megabytes. */
    public static final int MAX_PICKLE_BYTES = 64 << 20;
    /**
     * Heap per pickle byte, worst case: one opcode byte can make a 16-to-70-byte Java object (an empty tuple,
     * list or Long) and the next one can keep it.
     */
    public static final int PICKLE_HEAP_PER_BYTE = 64;
    /** The byte order tensors are stored in; PyTorch writes the machine's own. */
    private static final String LITTLE = "little";

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final String version;
    private final Map<String, TorchStorage> storages = new ConcurrentHashMap<>();
    private final Map<String, String> code;
    private final PyObject root;
    private final List<Object> constants;

    private TorchArchive(Path file, ZipFile zip, String prefix) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        checkByteOrder();
        this.version = readVersion();
        this.code = readCode();
        this.root = readRoot();
        this.constants = readConstants();
    }

    /** Opens {@code file}; a file that is not a TorchScript archive is refused with its name. */
    public static TorchArchive open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("TorchScript file " + file + " does not exist or is not a file");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new BadInputException(file + " is not a TorchScript archive (not a zip file: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new BadInputException("TorchScript file " + file + " cannot be read: " + e.getMessage());
        }
        try {
            return new TorchArchive(file, zip, findPrefix(file, zip));
        } catch (RuntimeException e) {
            closeQuietly(zip, e);
            throw e;
        }
    }

    /** The file this archive was opened from. */
    public Path file() {
        return file;
    }

    /** The top module ({@code data.pkl}): its attributes hold submodules, parameters, buffers and plain values. */
    public PyObject root() {
        return root;
    }

    /** The constants of the code ({@code constants.pkl}), {@code CONSTANTS.c<i>} at index i; empty if none. */
    public List<Object> constants() {
        return constants;
    }

    /**
     * The code of every module, by qualified name: {@code code/__torch__/torch/nn/modules/conv.py} is
     * {@code __torch__.torch.nn.modules.conv}, {@code .../conv/___torch_mangle_0.py} is
     * {@code __torch__.torch.nn.modules.conv.___torch_mangle_0}. Sorted by name; read-only.
     */
    public Map<String, String> code() {
        return code;
    }

    /** The serialization format version, e.g. "3" (the {@code .data/version} entry, else {@code version}). */
    public String version() {
        return version;
    }

    /** The names of the extra files saved with the model ({@code _extra_files}), sorted. */
    public Set<String> extraNames() {
        Set<String> names = new TreeSet<>();
        String dir = prefix + "extra/";
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.startsWith(dir) && n.length() > dir.length()) {
                names.add(n.substring(dir.length()));
            }
        }
        return names;
    }

    /** The extra file {@code name} (e.g. {@code cnv2.graph.json}), if the archive has one. */
    public Optional<byte[]> extra(String name) {
        ZipEntry e = zip.getEntry(prefix + "extra/" + name);
        return e == null || e.isDirectory() ? Optional.empty() : Optional.of(read(e, heapLeft()));
    }

    /**
     * Every tensor of the module tree by its dotted path ({@code conv1.weight}, {@code bn1.running_mean}),
     * parameters and buffers alike, in file order.
     */
    public Map<String, TorchTensor> tensors() {
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        collectTensors(root, "", out);
        return Collections.unmodifiableMap(out);
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    private static void collectTensors(PyObject module, String path, Map<String, TorchTensor> out) {
        module.attributes().forEach((name, value) -> {
            if (value instanceof TorchTensor t) {
                out.put(path + name, t);
            } else if (value instanceof PyObject child) {
                collectTensors(child, path + name + ".", out); // depth bounded by Pickle.MAX_DEPTH
            }
        });
    }

    /** The top folder holding {@code data.pkl}: any name, or none; the whole archive shares it. */
    private static String findPrefix(Path file, ZipFile zip) {
        if (zip.size() > MAX_ENTRIES) {
            throw new BadInputException(file + " has " + zip.size() + " zip entries, more than the " + MAX_ENTRIES
                    + " a TorchScript archive may have");
        }
        List<String> found = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.equals("data.pkl") || n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                found.add(n.substring(0, n.length() - "data.pkl".length()));
            }
        }
        if (found.isEmpty()) {
            throw new BadInputException(file + " is not a TorchScript archive (no data.pkl)");
        }
        if (found.size() > 1) {
            throw new BadInputException(file + " is not a TorchScript archive (data.pkl in several folders: " + found + ")");
        }
        String prefix = found.get(0);
        boolean hasCode = zip.stream().anyMatch(e -> e.getName().startsWith(prefix + "code/"));
        if (!hasCode) {
            throw new BadInputException(file + " is not a TorchScript archive (no code/ beside data.pkl: "
                    + "a torch.save file? TorchScript files are written by torch.jit.save)");
        }
        return prefix;
    }

    private void checkByteOrder() {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        if (e == null) {
            return; // archives from before PyTorch 1.x wrote none; they came from little-endian machines
        }
        String order = new String(read(e, 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals(LITTLE)) {
            throw new BadInputException(file + " stores tensors in byte order '" + order
                    + "'; only little-endian archives are read (save it again on an x86 or ARM machine)");
        }
    }

    private String readVersion() {
        ZipEntry e = zip.getEntry(prefix + ".data/version");
        if (e == null) {
            e = zip.getEntry(prefix + "version");
        }
        if (e == null) {
            throw new BadInputException(file + " is not a TorchScript archive (no version entry)");
        }
        return new String(read(e, 64), StandardCharsets.US_ASCII).trim();
    }

    private Map<String, String> readCode() {
        String dir = prefix + "code/";
        Map<String, String> out = new TreeMap<>();
        long total = 0;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (!n.startsWith(dir) || !n.endsWith(".py") || e.isDirectory()) {
                continue;
            }
            byte[] text = read(e, MAX_PICKLE_BYTES - total);
            total += text.length;
            String module = n.substring(dir.length(), n.length() - ".py".length()).replace('/', '.');
            out.put(module, new String(text, StandardCharsets.UTF_8));
        }
        return Collections.unmodifiableMap(out);
    }

    private PyObject readRoot() {
        Object value = unpickle("data");
        if (value instanceof PyObject module) {
            return module;
        }
        throw new BadInputException("data.pkl in " + file + " holds a " + PickleGlobals.describe(value) + ", not a module");
    }

    private List<Object> readConstants() {
        if (zip.getEntry(prefix + "constants.pkl") == null) {
            return List.of();
        }
        Object value = unpickle("constants");
        if (value instanceof PyTuple t) {
            return t.items();
        }
        throw new BadInputException("constants.pkl in " + file + " holds a " + PickleGlobals.describe(value) + ", not a tuple");
    }

    /** Reads {@code <name>.pkl}, whose storages are in the folder {@code <name>/} (as libtorch's reader has it). */
    private Object unpickle(String name) {
        ZipEntry e = zip.getEntry(prefix + name + ".pkl");
        if (e == null) {
            throw new BadInputException(file + " is not a TorchScript archive (no " + name + ".pkl)");
        }
        long room = (long) (Limits.heap() * Limits.HEAP_SHARE);
        if (e.getSize() > MAX_PICKLE_BYTES || e.getSize() * PICKLE_HEAP_PER_BYTE > room) {
            throw new BadInputException(name + ".pkl in " + file + " (" + Limits.megabytes(e.getSize()) + ") is larger than "
                    + Limits.megabytes(Math.min(MAX_PICKLE_BYTES, room / PICKLE_HEAP_PER_BYTE))
                    + ", what this JVM reads safely (give it more with CNV2_JAVA_OPTS=-Xmx16g)");
        }
        byte[] bytes = read(e, MAX_PICKLE_BYTES);
        String dir = name + "/";
        return Pickle.load(bytes, name + ".pkl in " + file, (key, dtype, numel) -> storage(dir + key, dtype, numel));
    }

    /** The storage entry {@code dir/key}, made once per entry so that views of it share it. */
    private TorchStorage storage(String name, TorchDtype dtype, long numel) {
        ZipEntry e = zip.getEntry(prefix + name);
        if (e == null || e.isDirectory()) {
            throw new BadInputException("storage " + name + " is missing from " + file);
        }
        long need = Math.multiplyExact(numel, dtype.elementSize());
        if (e.getSize() < need) {
            throw new BadInputException("storage " + name + " in " + file + " holds " + e.getSize() + " bytes, fewer than "
                    + numel + " elements of " + dtype);
        }
        return storages.computeIfAbsent(name, n -> new TorchStorage(file.getFileName() + ":" + prefix + n, e.getSize(),
                () -> readStorage(e)));
    }

    private byte[] readStorage(ZipEntry e) {
        if (e.getSize() > Integer.MAX_VALUE - 8) {
            throw new BadInputException("storage " + e.getName() + " in " + file + " (" + Limits.megabytes(e.getSize())
                    + ") is larger than the 2 GB one tensor storage may be");
        }
        return read(e, heapLeft());
    }

    /**
     * The bytes of entry {@code e}, at most {@code limit}: its stated size is checked first and the read
     * stops past it, so a forged size cannot make us read more.
     */
    private byte[] read(ZipEntry e, long limit) {
        long size = e.getSize();
        if (size < 0 || size > limit) {
            throw new BadInputException("entry " + e.getName() + " of " + file + " has size " + size + ", above the "
                    + limit + " bytes it may have here (for a storage or extra file: the heap left; give the JVM more "
                    + "with CNV2_JAVA_OPTS=-Xmx16g)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readNBytes((int) size);
            if (bytes.length != size || in.read() != -1) {
                throw new BadInputException("entry " + e.getName() + " of " + file + " is not " + size + " bytes long as its zip header says");
            }
            return bytes;
        } catch (IllegalStateException closed) {
            throw new IllegalStateException("the TorchScript archive " + file + " is closed: read tensor values before closing it", closed);
        } catch (IOException ex) {
            throw new BadInputException("entry " + e.getName() + " of " + file + " cannot be read: " + ex.getMessage(), ex);
        }
    }

    /** Bytes this JVM can still allocate, within the share of the heap a run may plan to use. */
    private static long heapLeft() {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return Math.max(0, Math.min(Integer.MAX_VALUE - 8, (long) (Limits.heap() * Limits.HEAP_SHARE) - used));
    }

    private static void closeQuietly(ZipFile zip, RuntimeException cause) {
        try {
            zip.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
