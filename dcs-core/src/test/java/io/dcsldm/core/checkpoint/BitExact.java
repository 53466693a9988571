package io.dcsldm.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Bit-for-bit tensor comparison, independent of the code under test. */
final class BitExact {

    private BitExact() {
    }

    static void assertBitIdentical(String name, INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType(), name + ": dtype");
        assertArrayEquals(expected.shape(), actual.shape(), name + ": shape");
        if (expected.isEmpty()) {
            assertEquals(true, actual.isEmpty(), name + ": empty");
            return;
        }
        // dup('c') gives a compact buffer whose elements are exactly the array's, in C order
        INDArray e = expected.dup('c');
        INDArray a = actual.dup('c');
        switch (expected.dataType()) {
            case FLOAT -> assertArrayEquals(floatBits(e.data().asFloat()), floatBits(a.data().asFloat()), name);
            case DOUBLE -> assertArrayEquals(doubleBits(e.data().asDouble()), doubleBits(a.data().asDouble()), name);
            case INT -> assertArrayEquals(e.data().asInt(), a.data().asInt(), name);
            case LONG -> assertArrayEquals(e.data().asLong(), a.data().asLong(), name);
            default -> {
                // narrow types (half, bfloat16, 8/16-bit ints, bool) are exact in double
                for (long i = 0; i < e.length(); i++) {
                    assertEquals(Double.doubleToRawLongBits(e.getDouble(i)), Double.doubleToRawLongBits(a.getDouble(i)),
                            name + ": element " + i);
                }
            }
        }
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static long[] doubleBits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }
}
