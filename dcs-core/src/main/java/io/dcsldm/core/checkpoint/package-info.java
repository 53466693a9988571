/**
 * Checkpoints: one self-checking binary file per snapshot of a run, and rotation of those files.
 *
 * <h2>File format, version 1</h2>
 *
 * All integers are little-endian. A file is, with no gaps:
 *
 * <pre>
 * offset  size  content
 * 0       8     magic: 0x89 'D' 'C' 'S' 'C' 'K' 'P' 0x0A
 * 8       4     u32 format version = 1
 * 12      4     u32 H = length of the header in bytes
 * 16      8     u64 total length of the file in bytes, trailer included
 * 24      H     header: UTF-8 JSON, see below
 * 24+H    D     data: every tensor's elements, back to back, in header order
 * 24+H+D  4     u32 CRC32C (Castagnoli) of bytes [0, 24+H+D)
 * </pre>
 *
 * The header is a JSON object with exactly these fields:
 *
 * <pre>
 * {"modelKind": "dcs-tok", "step": 123, "configFingerprint": "3fa2...",
 *  "metadata": {"codeVersion": "...", "seed": "42"},          // string to string, order kept
 *  "tensors": [{"name": "tok.enc.0.attn.qkv.w", "dtype": "float32", "shape": [256, 768],
 *               "offset": 0, "bytes": 786432}, ...],
 *  "rngState": "base64...",                                   // opaque bytes
 *  "configYaml": "model:\n  levels: 4\n..."}
 * </pre>
 *
 * A tensor's {@code offset} counts from the start of the data section; tensors are contiguous, so each
 * offset is the sum of the previous {@code bytes}. Elements are in C (row-major) order, little-endian,
 * unpadded; a scalar has shape {@code []} and an empty tensor (a zero dimension) has no bytes. dtype
 * names: {@code float64 float32 float16 bfloat16 int64 int32 int16 int8 uint64 uint32 uint16 uint8 bool}
 * ({@code bool} is one byte, 0 or 1).
 *
 * <h2>Why this shape</h2>
 *
 * <ul>
 *   <li>Magic and version come first and never move, so any future version is recognised as such.
 *   <li>The total length in the preamble lets a reader report truncation with both sizes before reading
 *       further.
 *   <li>The trailing checksum is verified before the header is trusted or any tensor allocated. CRC32C
 *       detects every burst error up to 32 bits and all but 2<sup>-32</sup> of other corruptions at
 *       memory speed (hardware instruction). A cryptographic hash would add no protection against
 *       deliberate alteration: whoever alters the file can recompute a hash stored in it.
 *   <li>JSON keeps the header inspectable with {@code head -c}; raw little-endian data lets tensors move
 *       between file and ND4J native memory as bytes, which makes the round trip bit-exact and fast.
 *   <li>Files are written to a {@code .tmp-} file, fsynced and atomically renamed, so a crash never leaves
 *       a half-written file under a checkpoint name.
 * </ul>
 */
package io.dcsldm.core.checkpoint;
