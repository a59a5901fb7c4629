/**
 * Khaireddin & Chen's VGG variant for FER2013 ("Facial Emotion Recognition: State of the Art
 * Performance on FER2013", 2021): four stages of [conv3×3-BN-ReLU]×2 + max-pool (64, 128, 256, 512)
 * on 40×40 crops (40→20→10→5→2), then FC 4096 → 4096 with dropout → 7. Layer names are those of
 * the authors' PyTorch code (conv1a, bn1a, ..., lin1..lin3), whose dropout default is 0.2.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { convBnAct, maxPool, vggHead } from "./layers.ts";
import { scaleNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

function buildKhaireddin(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const rate = context.config.dropout ?? 0;
  let x = input;
  [64, 128, 256, 512].forEach((filters, stage) => {
    for (const half of ["a", "b"]) {
      const id = `${stage + 1}${half}`;
      x = convBnAct(context, x, {
        filters,
        kernelSize: 3,
        useBias: true, // the reference code keeps the conv bias before BN
        names: { conv: `conv${id}`, bn: `bn${id}`, act: `relu${id}` },
      });
    }
    x = maxPool(context, x, { name: `pool${stage + 1}` });
  });
  return vggHead(context, x, rate, ["lin1", "drop1", "lin2", "drop2", "lin3"]);
}

/** `khaireddin-vgg`. */
registerModels([
  {
    name: "khaireddin-vgg",
    description: "VGG variant: 4 stages of 2×(conv-BN-ReLU) + pool, FC 4096-4096, 40×40 crops",
    paper: "Khaireddin & Chen 2021, arXiv:2105.03588",
    convention: "torch",
    defaults: { inputShape: [40, 40, 1], numClasses: 7, dropout: 0.2, l2: 0 },
    normalization: scaleNormalization,
    minInputSize: () => 16,
    channels: [1, 3],
    build: buildKhaireddin,
  },
]);
