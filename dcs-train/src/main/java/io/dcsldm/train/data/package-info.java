/**
 * Data pipeline: IDX (MNIST / Fashion-MNIST) and image-folder readers, dataset specs with a shipped
 * fallback subset, resampling (area / bilinear / bicubic, padding, cropping) and deterministic batch
 * order.
 *
 * <p>Images are float arrays in {@code [0, 1]}, one image as a flat {@code [C, H, W]} array in row-major
 * (channel, row, column) order; batches are {@link io.dcsldm.train.data.ImageSet} objects or ND4J
 * {@code INDArray}s of shape {@code [N, C, H, W]}, float32, C order. {@link io.dcsldm.train.data.ImageSet}
 * converts between the two.
 */
package io.dcsldm.train.data;
