/**
 * The kernels wasm needs to train conv nets fast, registered with `tf.registerKernel` for backend
 * "wasm". tfjs-backend-wasm 4.22 ships no Conv2DBackpropFilter and no depthwise backprop kernels;
 * other shipped kernels work but were the largest costs of a training step in our profile
 * (docs/BENCHMARKS.md): a C-loop Conv2DBackpropInput and MaxPoolGrad, reductions that transpose
 * first, and matMuls with transposed operands. Every other kernel that training our layers needs
 * is shipped; tests/backend_wasm_kernels_test.ts checks them all against the cpu backend.
 */
import * as tf from "@tensorflow/tfjs";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { depthwiseBackpropFilterConfig } from "./depthwise_backprop_filter.ts";
import { depthwiseBackpropInputConfig } from "./depthwise_backprop_input.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { meanConfig, sumConfig } from "./leading_axis_reduce.ts";
import { castConfig, identityConfig } from "./shared_copies.ts";
import { clipByValueGradConfig } from "./clip_gradient.ts";
import { squareConfig } from "./square.ts";
import { tileConfig } from "./tile.ts";

/** Kernels that replace or add to the shipped ones outright. */
const standalone: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  maxPoolGradConfig,
  clipByValueGradConfig,
];

/** Kernels that handle the cases they speed up and pass the rest to the shipped kernel. */
const wrapping: ReadonlyArray<[string, (shipped: tf.KernelFunc) => tf.KernelConfig]> = [
  [tf.BatchMatMul, batchMatMulConfig],
  [tf.Sum, sumConfig],
  [tf.Mean, meanConfig],
  [tf.Identity, identityConfig],
  [tf.Cast, castConfig],
  [tf.Square, squareConfig],
  [tf.Tile, tileConfig],
];

/** The configs we registered, so a second call recognises its own kernels. */
const ours = new Set<tf.KernelConfig>();

function install(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, "wasm") !== undefined) {
    tf.unregisterKernel(config.kernelName, "wasm");
  }
  tf.registerKernel(config);
  ours.add(config);
}

/**
 * Registers our training kernels for wasm. Needs the wasm package imported (its shipped kernels
 * registered) for the wrapping kernels; safe to call repeatedly and before or after the wasm
 * backend starts (none of ours needs set-up).
 */
export function registerWasmTrainingKernels(): void {
  for (const config of standalone) {
    if (tf.getKernel(config.kernelName, "wasm") !== config) install(config);
  }
  for (const [kernelName, wrap] of wrapping) {
    const current = tf.getKernel(kernelName, "wasm");
    if (current !== undefined && ours.has(current)) continue;
    if (current === undefined) {
      throw new Error(`the wasm backend ships no '${kernelName}' kernel to build on`);
    }
    // The shipped set-up (binding its wasm function) must still run when the backend starts.
    install({
      ...wrap(current.kernelFunc),
      setupFunc: current.setupFunc,
      disposeFunc: current.disposeFunc,
    });
  }
}

/** The names of the kernels registerWasmTrainingKernels() registers. */
export const wasmTrainingKernelNames: readonly string[] = [
  ...standalone.map((c) => c.kernelName),
  ...wrapping.map(([name]) => name),
];
