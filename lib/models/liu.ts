/**
 * Liu et al.'s five-block CNN for 7-class FER2013 (48×48 grey): one 3×3 'same' convolution per
 * block (32, 64, 128, 256, 512 filters); blocks 2–5 add BN and max-pool, blocks 2–4 dropout; L2
 * on the 256-filter convolution; then dense 256 and 128 with BN and dropout. About 172M MACs per
 * image.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { batchNorm, classifier, conv2d, dense, dropout, flatten, maxPool } from "./layers.ts";
import { scaleNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

function buildLiu(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const { convDropout = 0, dropout: headDropout = 0, l2 = 0 } = context.config;
  const conv = (x: tf.SymbolicTensor, filters: number, kernelL2 = 0) =>
    conv2d(context, x, { filters, kernelSize: 3, activation: "relu", l2: kernelL2 });
  let x = conv(input, 32);
  // Blocks 2-5: conv + BN + pool, with dropout except after the last block.
  const blocks = [
    { filters: 64, l2: 0, drop: convDropout },
    { filters: 128, l2: 0, drop: convDropout },
    // The paper regularises only this block's kernel; `l2` sets its factor.
    { filters: 256, l2, drop: convDropout },
    { filters: 512, l2: 0, drop: 0 },
  ];
  for (const block of blocks) {
    x = conv(x, block.filters, block.l2);
    x = batchNorm(context, x);
    x = maxPool(context, x);
    x = dropout(context, x, block.drop);
  }
  x = flatten(context, x);
  x = dense(context, x, { units: 256, activation: "relu", l2: 0 });
  x = batchNorm(context, x);
  x = dropout(context, x, headDropout);
  x = dense(context, x, { units: 128, activation: "relu", l2: 0 });
  const embedding = batchNorm(context, x);
  const probabilities = classifier(context, dropout(context, embedding, headDropout), { l2: 0 });
  return { embedding, probabilities };
}

/** `liu-cnn5`. */
registerModels([
  {
    name: "liu-cnn5",
    description:
      "5 conv blocks (32–512) with BN/dropout, L2 on conv256, dense 256-128 (~172M MACs)",
    paper: "Liu et al., five-block CNN for FER2013 (7 classes)",
    convention: "keras",
    defaults: { inputShape: [48, 48, 1], numClasses: 7, convDropout: 0.2, dropout: 0.2, l2: 0.01 },
    normalization: scaleNormalization,
    minInputSize: () => 16,
    channels: [1, 3],
    build: buildLiu,
  },
]);
