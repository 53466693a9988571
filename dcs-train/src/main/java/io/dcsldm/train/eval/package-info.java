/**
 * Evaluation metrics and baselines: PSNR, SSIM, a PCA reconstruction baseline, a complexity measure
 * (mean gradient magnitude), Spearman rank correlation, the Fréchet distance between feature sets, and
 * {@link io.dcsldm.train.eval.FmnistClassifier}, a small CNN whose accuracy and feature layer score
 * generated Fashion-MNIST images.
 *
 * <p>Images are {@code [C, H, W]} float arrays or {@code [N, C, H, W]} INDArrays with data range 1
 * (values in [0, 1]), as produced by {@link io.dcsldm.train.data}. All metrics accumulate in double.
 */
package io.dcsldm.train.eval;
