/**
 * Our cpu kernels (lib/backend/cpu) give exactly what the shipped tfjs-cpu kernels give.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/init.ts";

// Taken before initBackend("cpu") replaces it.
const shipped = tf.getKernel(tf.Conv2DBackpropFilter, "cpu")!.kernelFunc;
await initBackend("cpu");
const ours = tf.getKernel(tf.Conv2DBackpropFilter, "cpu")!.kernelFunc;

/** Runs `compute` with `kernelFunc` as the cpu Conv2DBackpropFilter. */
function withBackpropFilter<T>(kernelFunc: tf.KernelFunc, compute: () => T): T {
  const use = (k: tf.KernelFunc) => {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, "cpu");
    tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: "cpu", kernelFunc: k });
  };
  use(kernelFunc);
  try {
    return compute();
  } finally {
    use(ours);
  }
}

Deno.test("our cpu Conv2DBackpropFilter equals the shipped kernel exactly", () => {
  assert.notEqual(ours, shipped);
  type Shape4 = [number, number, number, number];
  const cases: [Shape4, Shape4, number | [number, number], "same" | "valid"][] = [
    [[2, 9, 9, 3], [3, 3, 3, 4], 2, "same"],
    [[1, 8, 7, 2], [5, 5, 2, 3], 1, "valid"],
    [[2, 8, 8, 3], [7, 7, 3, 2], 2, "same"],
    [[3, 7, 9, 4], [2, 3, 4, 5], [1, 2], "same"],
  ];
  for (const [xShape, filterShape, strides, pad] of cases) {
    const gradient = () =>
      tf.tidy(() => {
        // ReLU'd inputs, so that the zero skipping is exercised.
        const x = tf.relu(tf.randomUniform(xShape, -1, 1, "float32", 1)) as tf.Tensor4D;
        const filter = tf.randomUniform(filterShape, -1, 1, "float32", 2) as tf.Tensor4D;
        const loss = (f: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, strides, pad)));
        return Array.from(tf.grad(loss)(filter).dataSync());
      });
    const expected = withBackpropFilter(shipped, gradient);
    assert.deepEqual(withBackpropFilter(ours, gradient), expected, `${xShape} ${filterShape}`);
  }
});
