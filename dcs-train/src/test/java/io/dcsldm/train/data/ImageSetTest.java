package io.dcsldm.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ImageSetTest {
    @Test
    void convertsToAndFromNchwInChannelRowColumnOrder() {
        int c = 3;
        int h = 2;
        int w = 4;
        float[][] imgs = new float[2][c * h * w];
        for (int i = 0; i < 2; i++) {
            for (int p = 0; p < c * h * w; p++) {
                imgs[i][p] = (i * 100 + p) / 1000f;
            }
        }
        ImageSet s = new ImageSet(imgs, new int[] {3, 5}, c, h, w, "synthetic");
        INDArray x = s.toINDArray();
        assertArrayEquals(new long[] {2, 3, 2, 4}, x.shape());
        assertEquals(DataType.FLOAT, x.dataType());
        // element [n, ch, y, x] is image n at ch*h*w + y*w + x
        assertEquals(imgs[1][2 * h * w + 1 * w + 3], x.getFloat(1, 2, 1, 3), 0f);
        assertEquals(imgs[0][0 * h * w + 1 * w + 0], x.getFloat(0, 0, 1, 0), 0f);

        ImageSet back = ImageSet.fromINDArray(x, s.labels(), "back");
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(imgs[i], back.image(i), 0f);
        }
        // a permuted (non-contiguous) double view converts too
        INDArray f = x.castTo(DataType.DOUBLE).permute(0, 1, 3, 2).permute(0, 1, 3, 2);
        assertArrayEquals(imgs[1], ImageSet.toArrays(f)[1], 0f);

        INDArray batch = s.toINDArray(new int[] {1, 1, 0});
        assertArrayEquals(new long[] {3, 3, 2, 4}, batch.shape());
        assertEquals(imgs[0][5], batch.getFloat(2, 0, 1, 1), 0f);
        assertEquals(5, s.select(new int[] {1}).label(0));
        assertEquals(1, s.head(1).size());
    }

    @Test
    void rejectsWrongShapes() {
        assertThrows(IllegalArgumentException.class, () -> new ImageSet(new float[][] {new float[3]}, null, 1, 2, 2, "x"));
        assertThrows(IllegalArgumentException.class, () -> new ImageSet(new float[][] {new float[4]}, new int[2], 1, 2, 2, "x"));
    }
}
