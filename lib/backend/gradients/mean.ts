/**
 * The gradient of Mean as broadcastTo(dy / n, x.shape). tfjs-core multiplies dy by ones(x.shape),
 * a tensor it fills in JS and uploads (7 MB for a MobileNetV2 activation), then divides the whole
 * result by n. Batch norm in training takes two means per layer; on wasm, where broadcastTo runs
 * our row-copying Tile (wasm/tile.ts), one such gradient of a 32×24×24×96 activation took 10 ms
 * and now takes under 1 ms. Same values ((dy·1)/n = dy/n) on every backend.
 */
import * as tf from "@tensorflow/tfjs";

function meanGradientFunc(
  dy: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): Record<string, () => tf.Tensor> {
  const [x] = saved;
  const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
  const keptShape = x.shape.map((size, axis) => axes.includes(axis) ? 1 : size);
  const count = axes.reduce((product, axis) => product * x.shape[axis], 1);
  return {
    x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, keptShape), count), x.shape),
  };
}

/** Replaces tfjs-core's Mean gradient (globally: gradients are not per backend). */
export const meanGradient: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: meanGradientFunc as unknown as tf.GradFunc,
};
