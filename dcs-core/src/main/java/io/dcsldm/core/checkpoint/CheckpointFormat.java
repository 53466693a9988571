package io.dcsldm.core.checkpoint;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;

/**
 * The constants and header schema of checkpoint format version 1; the layout itself is documented in
 * {@code package-info.java}. Any change to what is written here is a new format version.
 */
final class CheckpointFormat {

    /**
     * {@code 0x89 'D' 'C' 'S' 'C' 'K' 'P' '\n'}. The high first byte means no text file starts this way and
     * catches 7-bit transfers; the final LF catches newline translation (as in PNG's signature).
     */
    static final byte[] MAGIC = {(byte) 0x89, 'D', 'C', 'S', 'C', 'K', 'P', '\n'};

    static final int VERSION = 1;

    /** Offset of the little-endian u32 format version, right after the magic. */
    static final int VERSION_OFFSET = 8;

    /** Magic (8) + version (u32) + header length (u32) + total file length (u64). */
    static final int PREAMBLE_BYTES = 24;

    /** CRC32C (u32, little-endian) of every byte before it. */
    static final int TRAILER_BYTES = 4;

    static final int MIN_FILE_BYTES = PREAMBLE_BYTES + TRAILER_BYTES;

    /**
     * Strict on purpose: a version-1 header has exactly these fields. A reader that ignored unknown
     * fields would silently drop whatever a newer writer thought worth storing.
     */
    static final ObjectMapper HEADER_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private CheckpointFormat() {
    }

    /** The JSON header. {@code rngState} is written as base64; {@code tensors} in file order. */
    @JsonPropertyOrder({"modelKind", "step", "configFingerprint", "metadata", "tensors", "rngState", "configYaml"})
    record Header(
            String modelKind,
            long step,
            String configFingerprint,
            Map<String, String> metadata,
            List<TensorEntry> tensors,
            byte[] rngState,
            String configYaml) {
    }

    /**
     * One tensor: its dtype's file name, its shape ({@code []} for a scalar), and where its C-order
     * little-endian bytes lie, as an offset from the start of the data section and a length.
     */
    @JsonPropertyOrder({"name", "dtype", "shape", "offset", "bytes"})
    record TensorEntry(String name, String dtype, long[] shape, long offset, long bytes) {
    }
}
