/**
 * ResNet-18 and ResNet-50 (He et al. 2016) in torchvision's layout (v1.5: the stride of a
 * bottleneck sits on its 3×3 convolution) and torchvision's layer names (`conv1`, `bn1`,
 * `layer2.0.downsample.0`, `fc`, ...), so ImageNet weights map name by name (docs/WEIGHTS.md).
 * The `small` stem replaces the 7×7/2 convolution and 3×3/2 max-pool with a stride-1 3×3
 * convolution, as for CIFAR: a 48×48 face keeps 48×48 in `layer1` instead of 12×12.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import {
  add,
  channelsOf,
  classifier,
  convBnAct,
  dropout,
  globalAvgPool,
  relu,
  stemMaxPool,
} from "./layers.ts";
import { imagenetNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelConfig, ModelGraph } from "./types.ts";

type Tensor = tf.SymbolicTensor;

/** A residual block: input, output width, stride, name prefix → output. */
type Block = (
  context: BuildContext,
  x: Tensor,
  width: number,
  stride: number,
  prefix: string,
) => Tensor;

/** The projection shortcut when the block changes resolution or width, else the identity. */
function shortcut(
  context: BuildContext,
  x: Tensor,
  outChannels: number,
  stride: number,
  prefix: string,
): Tensor {
  if (stride === 1 && channelsOf(x) === outChannels) return x;
  return convBnAct(context, x, {
    filters: outChannels,
    kernelSize: 1,
    strides: stride,
    act: "none",
    names: { conv: `${prefix}.downsample.0`, bn: `${prefix}.downsample.1` },
  });
}

/** Two 3×3 convolutions (ResNet-18/34); output width = `width`. */
const basicBlock: Block = (context, x, width, stride, prefix) => {
  let y = convBnAct(context, x, {
    filters: width,
    kernelSize: 3,
    strides: stride,
    names: { conv: `${prefix}.conv1`, bn: `${prefix}.bn1`, act: `${prefix}.relu1` },
  });
  y = convBnAct(context, y, {
    filters: width,
    kernelSize: 3,
    act: "none",
    names: { conv: `${prefix}.conv2`, bn: `${prefix}.bn2` },
  });
  const sum = add(context, [y, shortcut(context, x, width, stride, prefix)], `${prefix}.add`);
  return relu(context, sum, `${prefix}.relu`);
};

/** 1×1 reduce → 3×3 (strided) → 1×1 expand ×4 (ResNet-50/101/152); output width = 4 × `width`. */
const bottleneckBlock: Block = (context, x, width, stride, prefix) => {
  let y = convBnAct(context, x, {
    filters: width,
    kernelSize: 1,
    names: { conv: `${prefix}.conv1`, bn: `${prefix}.bn1`, act: `${prefix}.relu1` },
  });
  y = convBnAct(context, y, {
    filters: width,
    kernelSize: 3,
    strides: stride,
    names: { conv: `${prefix}.conv2`, bn: `${prefix}.bn2`, act: `${prefix}.relu2` },
  });
  y = convBnAct(context, y, {
    filters: width * 4,
    kernelSize: 1,
    act: "none",
    names: { conv: `${prefix}.conv3`, bn: `${prefix}.bn3` },
  });
  const sum = add(context, [y, shortcut(context, x, width * 4, stride, prefix)], `${prefix}.add`);
  return relu(context, sum, `${prefix}.relu`);
};

function resnet(block: Block, blocksPerStage: readonly number[]) {
  return (input: Tensor, context: BuildContext): ModelGraph => {
    const imagenetStem = context.config.stem === "imagenet";
    let x = convBnAct(context, input, {
      filters: 64,
      kernelSize: imagenetStem ? 7 : 3,
      strides: imagenetStem ? 2 : 1,
      names: { conv: "conv1", bn: "bn1", act: "relu" },
    });
    if (imagenetStem) x = stemMaxPool(context, x);
    blocksPerStage.forEach((blocks, stage) => {
      for (let i = 0; i < blocks; i++) {
        const stride = stage > 0 && i === 0 ? 2 : 1;
        x = block(context, x, 64 * 2 ** stage, stride, `layer${stage + 1}.${i}`);
      }
    });
    const embedding = globalAvgPool(context, x, "avgpool");
    const probabilities = classifier(
      context,
      dropout(context, embedding, context.config.dropout ?? 0, "dropout"),
      { name: "fc" },
    );
    return { embedding, probabilities };
  };
}

/** Total stride: 8 with the small stem, 32 with the ImageNet stem. */
function resnetMinInputSize(config: ModelConfig): number {
  return config.stem === "imagenet" ? 32 : 8;
}

const shared = {
  paper: "He et al. 2016, Deep Residual Learning for Image Recognition (torchvision layout)",
  convention: "torch",
  normalization: imagenetNormalization,
  minInputSize: resnetMinInputSize,
  channels: [1, 3],
} as const;

const defaults = {
  inputShape: [48, 48, 1],
  numClasses: 7,
  stem: "auto",
  dropout: 0,
  l2: 0,
} as const;

/** `resnet18` and `resnet50`. */
registerModels([
  {
    ...shared,
    name: "resnet18",
    description: "ResNet-18: basic blocks [2, 2, 2, 2], small stem up to 64 px",
    defaults,
    build: resnet(basicBlock, [2, 2, 2, 2]),
  },
  {
    ...shared,
    name: "resnet50",
    description: "ResNet-50: bottleneck blocks [3, 4, 6, 3], small stem up to 64 px",
    defaults,
    build: resnet(bottleneckBlock, [3, 4, 6, 3]),
  },
]);
