/**
 * A classifier's logits, the input of its final softmax. Every model of the zoo ends in one dense
 * layer with a softmax activation (layers.ts's `classifier`), so its logits are that layer's
 * input times its kernel plus its bias, computed here over the model's own layers (the same
 * weights, so gradients reach every one). A model that ends otherwise gets log-probabilities,
 * which differ from logits by a constant per row and so give the same softmax at any temperature
 * (but for probabilities so small that they round to zero).
 */
import * as tf from "@tensorflow/tfjs";

/** Image batch → logits (N×K); `training` as in `model.apply`. */
export type LogitsFunction = (x: tf.Tensor4D, training: boolean) => tf.Tensor2D;

const cache = new WeakMap<tf.LayersModel, LogitsFunction>();

/** The logits of `model` (see the module comment). */
export function classifierLogits(model: tf.LayersModel): LogitsFunction {
  let logits = cache.get(model);
  if (!logits) {
    logits = denseSoftmaxLogits(model) ?? logProbabilities(model);
    cache.set(model, logits);
  }
  return logits;
}

function denseSoftmaxLogits(model: tf.LayersModel): LogitsFunction | undefined {
  if (model.outputs.length !== 1 || model.outputLayers.length !== 1) return undefined;
  const head = model.outputLayers[0];
  const config = head.getConfig();
  if (head.getClassName() !== "Dense" || config.activation !== "softmax") return undefined;
  const input = head.inboundNodes[0]?.inputTensors;
  if (input?.length !== 1 || input[0].shape.length !== 2 || head.weights.length > 2) {
    return undefined;
  }
  // Shares every layer (and weight) with `model`; it is never disposed on its own, as disposing
  // it would dispose those layers.
  const body = tf.model({ inputs: model.inputs, outputs: input[0] });
  return (x, training) => {
    const features = body.apply(x, { training }) as tf.Tensor2D;
    const [kernel, bias] = head.weights.map((w) => w.read());
    // As the dense layer computes it before its softmax (tfjs-layers' K.dot, then the bias).
    const linear = tf.fused.matMul({ a: features, b: kernel as tf.Tensor2D });
    return (bias ? linear.add(bias) : linear) as tf.Tensor2D;
  };
}

function logProbabilities(model: tf.LayersModel): LogitsFunction {
  return (x, training) =>
    tf.tidy(() =>
      (model.apply(x, { training }) as tf.Tensor2D).maximum(1e-30).log() as tf.Tensor2D
    );
}
