/**
 * Chen et al.'s small LeNet-style CNN for CK+48 (48×48 RGB crops, 7 classes): 6 filters 5×5,
 * 16 filters 5×5 and 64 filters 3×3, each 'valid' with ReLU and 2×2 max-pool, then dense 128 with
 * dropout and the softmax (48→44→22→18→9→7→3).
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { classifier, conv2d, dense, dropout, flatten, maxPool } from "./layers.ts";
import { scaleNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

function buildChen(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  let x = input;
  for (const [filters, kernelSize] of [[6, 5], [16, 5], [64, 3]]) {
    x = conv2d(context, x, { filters, kernelSize, padding: "valid", activation: "relu" });
    x = maxPool(context, x);
  }
  x = flatten(context, x);
  const embedding = dense(context, x, { units: 128, activation: "relu" });
  const probabilities = classifier(
    context,
    dropout(context, embedding, context.config.dropout ?? 0),
  );
  return { embedding, probabilities };
}

/** `chen-ckplus`. */
registerModels([
  {
    name: "chen-ckplus",
    description: "3 small valid convs (6, 16, 64) + dense128 for CK+48 RGB crops",
    paper: "Chen et al., CNN for the CK+48 dataset",
    convention: "keras",
    defaults: { inputShape: [48, 48, 3], numClasses: 7, dropout: 0.5, l2: 0 },
    normalization: scaleNormalization,
    minInputSize: () => 28,
    channels: [1, 3],
    build: buildChen,
  },
]);
