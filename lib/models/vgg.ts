/**
 * VGG-11 (Simonyan & Zisserman 2015, configuration "A"), optionally with batch norm, laid out like
 * torchvision's `vgg11` / `vgg11_bn` so ImageNet weights map by index (`features.N`,
 * `classifier.N`, see docs/WEIGHTS.md). VGG's first layer already is a stride-1 3×3 convolution, so
 * small inputs need no other stem: at 48×48 the five pools leave 1×1×512 for the classifier.
 * torchvision's AdaptiveAvgPool2d((7, 7)) before the classifier is left out: at 224×224 it changes
 * nothing, and at 48×48 it would only copy that 1×1 map 49 times (512 → 25,088 inputs). So
 * `classifier.0` takes ImageNet weights at 224×224 only.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import { batchNorm, conv2d, maxPool, relu, vggHead } from "./layers.ts";
import { imagenetNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

/** Filters per convolution; "M" is a 2×2 max-pool. */
const VGG11_LAYERS: readonly (number | "M")[] = [
  64,
  "M",
  128,
  "M",
  256,
  256,
  "M",
  512,
  512,
  "M",
  512,
  512,
  "M",
];

function buildVgg(input: tf.SymbolicTensor, context: BuildContext): ModelGraph {
  const { batchNorm: withBatchNorm = false, dropout: rate = 0 } = context.config;
  let x = input;
  // torchvision numbers every module of `features`, ReLUs and pools included.
  let index = 0;
  const next = () => `features.${index++}`;
  for (const layer of VGG11_LAYERS) {
    if (layer === "M") {
      x = maxPool(context, x, { name: next() });
      continue;
    }
    x = conv2d(context, x, { filters: layer, kernelSize: 3, name: next() });
    if (withBatchNorm) x = batchNorm(context, x, next());
    x = relu(context, x, next());
  }
  // torchvision: Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear (indices 0-6).
  return vggHead(context, x, rate, [
    "classifier.0",
    "classifier.2",
    "classifier.3",
    "classifier.5",
    "classifier.6",
  ]);
}

const shared = {
  paper: "Simonyan & Zisserman 2015, Very Deep Convolutional Networks (VGG), config A",
  convention: "torch",
  normalization: imagenetNormalization,
  minInputSize: () => 32,
  channels: [1, 3],
  build: buildVgg,
} as const;

/** `vgg11` and `vgg11-bn`. */
registerModels([
  {
    ...shared,
    name: "vgg11",
    description: "VGG-11: 8 convs, 5 pools, FC 4096-4096 (torchvision layout)",
    defaults: {
      inputShape: [48, 48, 1],
      numClasses: 7,
      batchNorm: false,
      dropout: 0.5,
      l2: 0,
    },
  },
  {
    ...shared,
    name: "vgg11-bn",
    description: "VGG-11 with batch norm after every conv (torchvision vgg11_bn layout)",
    defaults: {
      inputShape: [48, 48, 1],
      numClasses: 7,
      batchNorm: true,
      dropout: 0.5,
      l2: 0,
    },
  },
]);
