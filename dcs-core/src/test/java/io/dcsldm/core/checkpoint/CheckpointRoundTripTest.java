package io.dcsldm.core.checkpoint;

import static io.dcsldm.core.checkpoint.BitExact.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class CheckpointRoundTripTest {

    @TempDir
    Path dir;

    /** Floats that a value-based round trip would lose: NaN payloads, -0, subnormals, infinities. */
    private static INDArray awkwardFloats() {
        return Nd4j.createFromArray(new float[] {
            Float.intBitsToFloat(0x7fc00123), Float.intBitsToFloat(0xffa00001), -0.0f, Float.MIN_VALUE,
            Float.NEGATIVE_INFINITY, Float.MAX_VALUE, 1.1f, -3.5e-30f}).reshape(2, 4);
    }

    /** Every supported width, views and other orders, a scalar and an empty tensor, in a deliberate order. */
    private static Map<String, INDArray> sampleTensors() {
        INDArray grid = Nd4j.rand(DataType.DOUBLE, 4, 6);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("tok.enc.0.attn.qkv.w", awkwardFloats());
        tensors.put("opt/tok.enc.0.attn.qkv.w/m", Nd4j.createFromArray(new double[] {
            Double.longBitsToDouble(0x7ff8000000000abcL), -0.0, Double.MIN_VALUE, Math.PI, 1e300}));
        tensors.put("ints", Nd4j.createFromArray(new int[][] {{Integer.MIN_VALUE, -1, 0}, {1, 7, Integer.MAX_VALUE}}));
        tensors.put("longs", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE}));
        tensors.put("view.columns", grid.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 5)));
        tensors.put("view.transposed", Nd4j.rand(DataType.FLOAT, 3, 5).transpose());
        tensors.put("fortran", Nd4j.rand(DataType.FLOAT, 'f', 3, 4));
        tensors.put("scalar", Nd4j.scalar(2.5f));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        tensors.put("half", Nd4j.createFromArray(new float[] {0.5f, -2f, 65504f}).castTo(DataType.HALF));
        tensors.put("bf16", Nd4j.createFromArray(new float[] {0.5f, -2f, 1e30f}).castTo(DataType.BFLOAT16));
        tensors.put("mask", Nd4j.createFromArray(new boolean[] {true, false, true}));
        tensors.put("bytes", Nd4j.createFromArray(new byte[] {-128, 0, 127}));
        tensors.put("ema/rank4", Nd4j.rand(DataType.FLOAT, 2, 1, 3, 2));
        return tensors;
    }

    private static Checkpoint sample(Map<String, INDArray> tensors, Map<String, String> metadata) {
        return Checkpoint.builder()
                .modelKind("dcs-tok")
                .configFingerprint("fp-1234")
                .step(123_456_789_012L)
                .rngState(new byte[] {0, -1, 42, 7})
                .configYaml("model:\n  levels: 4\ntrain:\n  lr: 3.0E-4\n")
                .metadata(metadata)
                .tensors(tensors)
                .build();
    }

    @Test
    void everyFieldAndTensorSurvivesBitExactly() {
        Map<String, INDArray> tensors = sampleTensors();
        assertTrue(tensors.get("view.columns").isView(), "the test needs a real non-contiguous view");
        assertEquals('f', tensors.get("view.transposed").ordering());
        Checkpoint original = sample(tensors, Map.of("codeVersion", "0.1.0", "seed", "42"));
        Path file = dir.resolve("step-000001.dcs");

        CheckpointIO.write(file, original);
        Checkpoint loaded = CheckpointIO.read(file);

        assertEquals(CheckpointIO.FORMAT_VERSION, loaded.formatVersion());
        assertEquals("dcs-tok", loaded.modelKind());
        assertEquals("fp-1234", loaded.configFingerprint());
        assertEquals(123_456_789_012L, loaded.step());
        assertArrayEquals(new byte[] {0, -1, 42, 7}, loaded.rngState());
        assertEquals(original.configYaml(), loaded.configYaml());
        assertEquals(original.metadata(), loaded.metadata());
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(loaded.tensors().keySet()), "tensor order");
        tensors.forEach((name, tensor) -> assertBitIdentical(name, tensor, loaded.tensor(name)));
        assertTrue(loaded.tensor("scalar").isScalar());
        assertEquals(0, loaded.tensor("scalar").rank());
    }

    @Test
    void emptyMetadataNoTensorsAndEmptyRngStateRoundTrip() {
        Checkpoint original = Checkpoint.builder().modelKind("dcs-dit").configFingerprint("x").build();
        Path file = dir.resolve("bare.dcs");

        CheckpointIO.write(file, original);
        Checkpoint loaded = CheckpointIO.read(file);

        assertTrue(loaded.metadata().isEmpty());
        assertTrue(loaded.tensors().isEmpty());
        assertEquals(0, loaded.rngState().length);
        assertEquals("", loaded.configYaml());
        assertEquals(0L, loaded.step());
    }

    @Test
    void metadataKeepsInsertionOrder() {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String key : new String[] {"zeta", "alpha", "mid", "beta"}) {
            metadata.put(key, key.toUpperCase());
        }
        Path file = dir.resolve("meta.dcs");
        CheckpointIO.write(file, sample(Map.of(), metadata));
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(CheckpointIO.read(file).metadata().keySet()));
    }

    @Test
    void checkpointIsASnapshotOfItsTensors() {
        INDArray param = Nd4j.createFromArray(1f, 2f, 3f);
        Checkpoint checkpoint = sample(Map.of("p", param), Map.of());
        param.addi(10f); // training goes on after the snapshot
        assertBitIdentical("p", Nd4j.createFromArray(1f, 2f, 3f), checkpoint.tensor("p"));
    }

    @Test
    void tensorsFromAWorkspaceOutliveIt() {
        // training steps run inside a reused workspace (ND4J-NOTES pitfall 1); its memory is recycled
        WorkspaceConfiguration config = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        Checkpoint checkpoint;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "checkpoint-test")) {
            INDArray inWorkspace = Nd4j.createFromArray(1f, 2f, 3f).mul(2f);
            assertTrue(inWorkspace.isAttached());
            checkpoint = sample(Map.of("p", inWorkspace), Map.of());
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "checkpoint-test")) {
            Nd4j.createFromArray(9f, 9f, 9f).mul(9f); // reuses the memory the array lived in
        }
        assertFalse(checkpoint.tensor("p").isAttached());
        assertBitIdentical("p", Nd4j.createFromArray(2f, 4f, 6f), checkpoint.tensor("p"));
    }

    @Test
    void smallChunksCrossTensorBoundariesCorrectly() throws IOException {
        // 7- and 5-byte chunks split elements of every width, exercising the chunked native copies
        Map<String, INDArray> tensors = sampleTensors();
        Path file = dir.resolve("chunked.dcs");
        new CheckpointWriter(7).write(file, sample(tensors, Map.of()));
        Checkpoint loaded;
        try (CheckpointReader reader = CheckpointReader.open(file, 5)) {
            loaded = reader.read();
        }
        tensors.forEach((name, tensor) -> assertBitIdentical(name, tensor, loaded.tensor(name)));
        // and the chunk size is not part of the format
        assertArrayEquals(writtenWithDefaults(tensors), Files.readAllBytes(file));
    }

    private byte[] writtenWithDefaults(Map<String, INDArray> tensors) throws IOException {
        Path file = dir.resolve("defaults.dcs");
        CheckpointIO.write(file, sample(tensors, Map.of()));
        return Files.readAllBytes(file);
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("step-000002.dcs");
        CheckpointIO.write(file, sample(Map.of("a", Nd4j.createFromArray(1, 2)), Map.of()));
        CheckpointIO.write(file, sample(Map.of("b", Nd4j.createFromArray(3L)), Map.of()));

        assertEquals(List.of("b"), List.copyOf(CheckpointIO.read(file).tensors().keySet()));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failedWriteRemovesItsTemporaryFile() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectories(target);
        Files.writeString(target.resolve("keep.txt"), "a non-empty directory cannot be replaced");

        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointIO.write(target, sample(Map.of(), Map.of())));

        assertTrue(e.getMessage().startsWith("checkpoint " + target + " could not be written: "), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void missingTensorIsNamed() {
        Checkpoint checkpoint = sample(Map.of("a", Nd4j.createFromArray(1f)), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoint.tensor("tok.missing"));
        assertTrue(e.getMessage().contains("'tok.missing'"), e.getMessage());
    }

    @Test
    void builderRejectsDuplicateNamesAndUnstorableTypes() {
        Checkpoint.Builder builder = Checkpoint.builder().tensor("a", Nd4j.createFromArray(1f));
        assertThrows(IllegalArgumentException.class, () -> builder.tensor("a", Nd4j.createFromArray(2f)));
        assertThrows(IllegalArgumentException.class, () -> builder.tensor("s", Nd4j.create("text")));
        assertThrows(IllegalStateException.class, () -> Checkpoint.builder().modelKind("dcs-tok").build());
    }

    @Test
    void verifyCompatibleNamesBothKindsAndBothFingerprints() {
        Checkpoint checkpoint = sample(Map.of(), Map.of());
        CheckpointIO.verifyCompatible(checkpoint, "dcs-tok", "fp-1234");

        CheckpointException kind = assertThrows(CheckpointException.class,
                () -> CheckpointIO.verifyCompatible(checkpoint, "dcs-dit", "fp-1234"));
        assertTrue(kind.getMessage().contains("'dcs-tok'") && kind.getMessage().contains("'dcs-dit'"), kind.getMessage());

        CheckpointException config = assertThrows(CheckpointException.class,
                () -> CheckpointIO.verifyCompatible(checkpoint, "dcs-tok", "fp-9999"));
        assertTrue(config.getMessage().contains("fp-1234") && config.getMessage().contains("fp-9999"), config.getMessage());
        assertFalse(config.getMessage().contains("\n"));
    }
}
