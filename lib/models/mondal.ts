/**
 * The three Keras Sequential CNNs of Mondal et al.'s 7-class FER2013 study, on 48×48 grey faces.
 * Layer names follow Keras's auto-naming ("conv2d", "conv2d_1", ...), so weights of the original
 * Keras models converted with tensorflowjs_converter load by name.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { batchNorm, classifier, conv2d, dense, dropout, flatten, maxPool } from "./layers.ts";
import { scaleNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

const PAPER =
  "Mondal et al., CNN study on FER2013 (7 classes): shallow, improved and deep models " +
  "(github.com/tiashamondal29/Facial-emotion-recognition-using-CNN)";

/**
 * conv32 → conv64 → pool → conv128 → pool → conv128 → pool → dense1024 → dense7, all 3×3 'valid'
 * with ReLU (2,345,607 parameters at 48×48×1). `convDropout` follows the first and last pools and
 * `dropout` the dense layer; both 0 is the shallow model, 0.25/0.5 the improved one.
 */
function buildShallow(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const { convDropout = 0, dropout: headDropout = 0 } = context.config;
  const conv = (x: tf.SymbolicTensor, filters: number) =>
    conv2d(context, x, { filters, kernelSize: 3, padding: "valid", activation: "relu" });
  let x = conv(input, 32);
  x = conv(x, 64);
  x = maxPool(context, x);
  x = dropout(context, x, convDropout);
  x = conv(x, 128);
  x = maxPool(context, x);
  x = conv(x, 128);
  x = maxPool(context, x);
  x = dropout(context, x, convDropout);
  x = flatten(context, x);
  const embedding = dense(context, x, { units: 1024, activation: "relu" });
  const probabilities = classifier(context, dropout(context, embedding, headDropout));
  return { embedding, probabilities };
}

/**
 * Four 'same'-padded stages, each conv(ReLU) followed by BN, then max-pool and dropout:
 * 64×2 (3×3) → 128×3 (5×5) → 512×4 (3×3) → 512×4 (3×3), 48→24→12→6→3, then dense512 + dropout
 * → dense7 (20,552,775 parameters of which 9,216 are BN moving statistics). The authors' notebook
 * uses dropout 0.3 everywhere in this model.
 */
function buildDeep(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const { convDropout = 0, dropout: headDropout = 0 } = context.config;
  const stages = [
    { filters: 64, kernelSize: 3, convs: 2 },
    { filters: 128, kernelSize: 5, convs: 3 },
    { filters: 512, kernelSize: 3, convs: 4 },
    { filters: 512, kernelSize: 3, convs: 4 },
  ];
  let x = input;
  for (const { filters, kernelSize, convs } of stages) {
    for (let i = 0; i < convs; i++) {
      x = conv2d(context, x, { filters, kernelSize, padding: "same", activation: "relu" });
      x = batchNorm(context, x);
    }
    x = maxPool(context, x);
    x = dropout(context, x, convDropout);
  }
  x = flatten(context, x);
  const embedding = dense(context, x, { units: 512, activation: "relu" });
  const probabilities = classifier(context, dropout(context, embedding, headDropout));
  return { embedding, probabilities };
}

const fer2013 = { inputShape: [48, 48, 1], numClasses: 7, l2: 0 } as const;

/** The three Mondal et al. variants. */
registerModels([
  {
    name: "mondal-shallow",
    description: "4 valid 3×3 convs + dense1024, no dropout",
    paper: PAPER,
    convention: "keras",
    defaults: { ...fer2013, convDropout: 0, dropout: 0 },
    normalization: scaleNormalization,
    minInputSize: () => 24,
    channels: [1, 3],
    build: buildShallow,
  },
  {
    name: "mondal-improved",
    description: "mondal-shallow plus dropout 0.25 after conv blocks and 0.5 after dense1024",
    paper: PAPER,
    convention: "keras",
    defaults: { ...fer2013, convDropout: 0.25, dropout: 0.5 },
    normalization: scaleNormalization,
    minInputSize: () => 24,
    channels: [1, 3],
    build: buildShallow,
  },
  {
    name: "mondal-deep",
    description: "13 same-padded convs with BN, dropout 0.3 after every pool and dense512",
    paper: PAPER,
    convention: "keras",
    defaults: { ...fer2013, convDropout: 0.3, dropout: 0.3 },
    normalization: scaleNormalization,
    minInputSize: () => 16,
    channels: [1, 3],
    build: buildDeep,
  },
]);
