package io.dcsldm.core.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a tensor's elements are laid out in a checkpoint file: which ND4J data types are supported, the
 * stable names the file uses for them, and raw access to an array's native memory in chunks.
 *
 * <p>The file stores elements in C (row-major) order, little-endian, with no padding. ND4J's native memory
 * has exactly that layout for a compact C-order array on a little-endian CPU, so tensors are copied
 * between file and native memory as raw bytes, never element by element; that is what makes the round
 * trip bit-exact (NaN payloads, -0.0 and subnormals included) and fast.
 */
final class TensorBytes {

    /** File names of the supported data types; the file never stores ND4J enum names, which may change. */
    private static final Map<DataType, String> NAMES = new EnumMap<>(DataType.class);
    private static final Map<String, DataType> TYPES = new HashMap<>();

    // ND4J's newer names (INT32, ...) are aliases of the same constants an array reports (INT, ...)
    static {
        name(DataType.DOUBLE, "float64");
        name(DataType.FLOAT, "float32");
        name(DataType.FLOAT16, "float16");
        name(DataType.BFLOAT16, "bfloat16");
        name(DataType.INT64, "int64");
        name(DataType.INT32, "int32");
        name(DataType.INT16, "int16");
        name(DataType.INT8, "int8");
        name(DataType.UINT64, "uint64");
        name(DataType.UINT32, "uint32");
        name(DataType.UINT16, "uint16");
        name(DataType.UINT8, "uint8");
        name(DataType.BOOL, "bool");
    }

    private static void name(DataType type, String name) {
        NAMES.put(type, name);
        TYPES.put(name, type);
    }

    private TensorBytes() {
    }

    static boolean isSupported(DataType type) {
        return NAMES.containsKey(type);
    }

    /** The file's name for {@code type}; the type must be {@linkplain #isSupported supported}. */
    static String fileName(DataType type) {
        String name = NAMES.get(type);
        if (name == null) {
            throw new IllegalArgumentException("data type " + type + " cannot be stored in a checkpoint");
        }
        return name;
    }

    /** The ND4J type for a file dtype name, or {@code null} when this build does not know the name. */
    static DataType dataType(String fileName) {
        return TYPES.get(fileName);
    }

    /** Bytes of a C-order tensor; {@link ArithmeticException} when the shape overflows a long. */
    static long byteLength(DataType type, long[] shape) {
        long elements = 1;
        for (long dim : shape) {
            elements = Math.multiplyExact(elements, dim);
        }
        return Math.multiplyExact(elements, (long) type.width());
    }

    /**
     * A detached, compact C-order copy of {@code array}: independent of later changes to the original and
     * of any workspace the original lives in (a workspace is reset every step, a checkpoint is not).
     */
    static INDArray detachedCopy(INDArray array) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return array.isEmpty() ? Nd4j.create(array.dataType(), array.shape(), 'c') : array.dup('c');
        }
    }

    /** Whether the array's native buffer holds exactly its elements in C order, starting at offset 0. */
    static boolean isCompactC(INDArray array) {
        return array.isEmpty()
                || (array.ordering() == 'c' && !array.isView() && array.offset() == 0
                        && array.data().length() == array.length());
    }

    /** A new detached, uninitialised array into which a tensor's bytes are read. */
    static INDArray allocate(DataType type, long[] shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.createUninitializedDetached(type, 'c', shape);
        }
    }

    /**
     * A little-endian view of {@code length} bytes of a compact array's native memory, starting
     * {@code offset} bytes in. Reads and writes go straight to native memory; the caller must keep the
     * array reachable while it uses the view.
     */
    static ByteBuffer nativeBytes(INDArray compact, long offset, int length) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // No ND4J native backend ships for a big-endian CPU; refuse rather than write swapped bytes.
            throw new CheckpointException("checkpoints are little-endian and this CPU is big-endian");
        }
        BytePointer base = new BytePointer(compact.data().addressPointer());
        BytePointer chunk = base.getPointer(offset);
        chunk.limit(length);
        return chunk.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
}
