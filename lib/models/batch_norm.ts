/**
 * tfjs's BatchNormalization layer, training through one fused operation where the backend offers
 * it (lib/backend/batch_norm_training.ts; the onednn backend does). Everything else (inference,
 * other backends, a non-last axis, no scale or no shift) is tfjs's own code. It is registered
 * under tfjs's class name, so saved models read and write the same "BatchNormalization" config
 * and load into this class.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormTraining, hasBatchNormTraining } from "../backend/batch_norm_training.ts";

type LayerArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type Kwargs = Record<string, unknown>;

// tfjs exports a factory for the layer, not its class.
const TfjsBatchNormalization = tf.layers.batchNormalization({}).constructor as new (
  args?: LayerArgs,
) => tf.layers.Layer;

/** The private fields of tfjs's layer that training reads and updates. */
interface BatchNormState {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

export class BatchNormalization extends TfjsBatchNormalization {
  static className = "BatchNormalization";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const state = this as unknown as BatchNormState;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = state.axis === -1 || state.axis === x.rank - 1;
    if (
      kwargs.training !== true || !lastAxis || !state.center || !state.scale ||
      !hasBatchNormTraining()
    ) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(
        x,
        state.gamma.read() as tf.Tensor1D,
        state.beta.read() as tf.Tensor1D,
        state.epsilon,
      );
      // The moving averages exactly as tfjs's layer updates them.
      const moveAverage = (average: tf.LayerVariable, batch: tf.Tensor) =>
        tf.tidy(() => {
          const old = average.read();
          average.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - state.momentum)));
        });
      moveAverage(state.movingMean, mean);
      moveAverage(state.movingVariance, variance);
      return y;
    });
  }
}
// fromConfig is inherited (tfjs's static, which constructs `this`); the base type hides it.
tf.serialization.registerClass(
  BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>,
);

/**
 * Sets every BatchNormalization layer's moving mean and variance of `model` to the image-weighted
 * mean of the batch statistics over `batches` (PyTorch's `update_bn`, BatchNorm with
 * `momentum=None`): weights that no training step produced, such as an average of runs, need
 * statistics of their own. The model runs in training mode (dropout on, as when the statistics
 * were first gathered); its trainable weights are not touched. Returns the number of images seen,
 * 0 when the model has no BatchNormalization layer (and `batches` is not read).
 */
export async function recomputeBatchNormStatistics(
  model: tf.LayersModel,
  batches: Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>,
): Promise<number> {
  const layers = model.layers.filter((layer) => layer.getClassName() === "BatchNormalization")
    .map((layer) => layer as unknown as { momentum: number });
  if (layers.length === 0) return 0;
  const momenta = layers.map((layer) => layer.momentum);
  let seen = 0;
  try {
    for await (const x of batches) {
      const count = x.shape[0];
      // The moving average moves by (1 - momentum) towards the batch: weighting the batch by its
      // share of the images seen so far keeps the average the exact mean.
      for (const layer of layers) layer.momentum = seen / (seen + count);
      tf.tidy(() => {
        model.apply(x, { training: true });
      });
      x.dispose();
      seen += count;
    }
  } finally {
    layers.forEach((layer, i) => layer.momentum = momenta[i]);
  }
  return seen;
}
