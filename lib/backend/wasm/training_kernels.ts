/**
 * The kernels wasm needs to train conv nets fast: the wasm backend's kernel table
 * (../kernel_table.ts). tfjs-backend-wasm 4.22 ships no Conv2DBackpropFilter and no depthwise backprop kernels;
 * other shipped kernels work but were the largest costs of a training step in our profile
 * (docs/BENCHMARKS.md): a C-loop Conv2DBackpropInput and MaxPoolGrad, reductions that transpose
 * first, matMuls with transposed operands, and a row-by-row Slice. Every other kernel that training our layers needs
 * is shipped; tests/backend_wasm_kernels_test.ts checks them all against the cpu backend.
 */
import * as tf from "@tensorflow/tfjs";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { depthwiseBackpropFilterConfig } from "./depthwise_backprop_filter.ts";
import { depthwiseBackpropInputConfig } from "./depthwise_backprop_input.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { adamUpdateConfig } from "./adam_update.ts";
import { momentumUpdateConfig } from "./momentum_update.ts";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { meanConfig, sumConfig } from "./leading_axis_reduce.ts";
import { castConfig, identityConfig } from "./shared_copies.ts";
import { clipByValueGradConfig } from "./clip_gradient.ts";
import { sliceConfig } from "./slice.ts";
import { squareConfig } from "./square.ts";
import { tileConfig } from "./tile.ts";
import { kernelNames, type KernelTable, registerKernelTable } from "../kernel_table.ts";
import { fusedBatchNormGradient } from "../gradients/fused_batch_norm.ts";
import { clipByValueGradient } from "../gradients/clip_by_value.ts";
import { meanGradient } from "../gradients/mean.ts";

/** Our wasm training kernels, and the gradients that use them (or help every backend). */
export const wasmTrainingKernels: KernelTable = {
  name: "wasm",
  entries: [
    // Kernels that replace or add to the shipped ones outright.
    { kernel: conv2DBackpropFilterConfig },
    { kernel: conv2DBackpropInputConfig },
    { kernel: depthwiseBackpropFilterConfig },
    { kernel: depthwiseBackpropInputConfig },
    { kernel: maxPoolGradConfig },
    { kernel: clipByValueGradConfig },
    { kernel: adamUpdateConfig },
    { kernel: momentumUpdateConfig },
    // Kernels that handle the cases they speed up and pass the rest to the shipped kernel.
    ...([
      [tf.BatchMatMul, batchMatMulConfig],
      [tf.Sum, sumConfig],
      [tf.Mean, meanConfig],
      [tf.Identity, identityConfig],
      [tf.Cast, castConfig],
      [tf.Square, squareConfig],
      [tf.Slice, sliceConfig],
      [tf.Tile, tileConfig],
    ] as const).map(([kernelName, config]) => ({
      backend: "wasm",
      kernelName,
      wrap: (shipped: tf.KernelFunc) => config(shipped).kernelFunc,
    })),
    // Gradients are global; these are registered with wasm, the backend they were written for.
    { gradient: fusedBatchNormGradient },
    { gradient: clipByValueGradient },
    { gradient: meanGradient },
  ],
};

/**
 * Registers our training kernels for wasm. Needs the wasm package imported (its shipped kernels
 * registered) for the wrapping kernels; safe to call repeatedly and before or after the wasm
 * backend starts (none of ours needs set-up).
 */
export function registerWasmTrainingKernels(): void {
  registerKernelTable(wasmTrainingKernels);
}

/** The names of the kernels registerWasmTrainingKernels() registers. */
export const wasmTrainingKernelNames: readonly string[] = kernelNames(wasmTrainingKernels);
