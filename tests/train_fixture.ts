/**
 * A learnable toy problem for the training loop's tests, which run in seconds on cpu: 8×8 images
 * whose class is their bright quadrant, and a tiny seeded classifier for them.
 */
import * as tf from "@tensorflow/tfjs";
import { Random, routeMathRandom } from "../lib/random.ts";
import type { Batcher } from "../lib/train/trainer.ts";

/** 8×8 images whose class is which quadrant is bright, with noise: learnable in a few epochs. */
export function quadrantData(count: number, seed: number): Batcher {
  const random = new Random(seed);
  const pixels = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = random.int(4);
    labels[n] = label;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const quadrant = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1);
        pixels[n * 64 + y * 8 + x] = (quadrant === label ? 0.8 : 0.2) + 0.1 * random.normal();
      }
    }
  }
  return {
    count,
    labels,
    images(indices) {
      const batch = new Float32Array(indices.length * 64);
      for (let i = 0; i < indices.length; i++) {
        batch.set(pixels.subarray(indices[i] * 64, indices[i] * 64 + 64), i * 64);
      }
      return tf.tensor4d(batch, [indices.length, 8, 8, 1]);
    },
  };
}

/**
 * conv → (batch norm) → ReLU → flatten → (dropout 0.3) → dense softmax over 4 classes, its weights
 * fixed by `seed`. Without batch norm and dropout it computes the same in training and inference.
 */
export function tinyModel(
  seed: number,
  { batchNorm = true, dropout = true }: { batchNorm?: boolean; dropout?: boolean } = {},
): tf.LayersModel {
  const restore = routeMathRandom(new Random(seed));
  try {
    const input = tf.input({ shape: [8, 8, 1] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", name: "conv" })
      .apply(input) as tf.SymbolicTensor;
    if (batchNorm) x = tf.layers.batchNormalization({ name: "bn" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: "relu" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
    if (dropout) {
      x = tf.layers.dropout({ rate: 0.3, name: "dropout" }).apply(x) as tf.SymbolicTensor;
    }
    const output = tf.layers.dense({ units: 4, activation: "softmax", name: "head" })
      .apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  } finally {
    restore();
  }
}
