/**
 * Adebo et al.'s self-built 3-class network (3-channel input): two conv + BN + max-pool blocks, then
 * dense 4096 → 512 → 3. The paper gives the layer types, not the widths; we use 32 and 64 filters of
 * 5×5, 'valid' padding, so at 48×48 the flatten has 9×9×64 = 5,184 values (21.2M of the
 * 23.4M parameters are in the 4096-unit layer).
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { batchNorm, classifier, conv2d, dense, dropout, flatten, maxPool } from "./layers.ts";
import { scaleNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

function buildAdebo(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const rate = context.config.dropout ?? 0;
  let x = input;
  for (const filters of [32, 64]) {
    x = conv2d(context, x, { filters, kernelSize: 5, padding: "valid", activation: "relu" });
    x = batchNorm(context, x);
    x = maxPool(context, x);
  }
  x = flatten(context, x);
  x = dense(context, x, { units: 4096, activation: "relu" });
  x = dropout(context, x, rate);
  const embedding = dense(context, x, { units: 512, activation: "relu" });
  const probabilities = classifier(context, dropout(context, embedding, rate));
  return { embedding, probabilities };
}

/** `adebo-selfbuilt`. */
registerModels([
  {
    name: "adebo-selfbuilt",
    description: "2 conv5×5+BN+pool blocks (32, 64) + dense 4096-512, 3 classes",
    paper: "Adebo et al., self-built CNN for 3-class expression recognition",
    convention: "keras",
    defaults: { inputShape: [48, 48, 3], numClasses: 3, dropout: 0, l2: 0 },
    normalization: scaleNormalization,
    minInputSize: () => 16,
    channels: [1, 3],
    build: buildAdebo,
  },
]);
