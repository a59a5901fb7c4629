/**
 * The onednn backend: the wasm backend with its convolutions (forward, both gradients, depthwise
 * too), matrix products (dense layers), ReLU (forward and gradient), ReLU6's clip and training
 * batch norm run by oneDNN on the same wasm-heap tensors. Each kernel falls back to the wasm
 * kernel it replaces for what it does not cover (NCHW, PReLU, an unusual bias shape, empty
 * tensors, other types), so every model that trains on wasm trains here.
 *
 * In bf16 precision the convolutions (all passes, depthwise too) take bf16 inputs and accumulate
 * in fp32 (convolution.ts). Dense layers' matrix products stay fp32 (oneDNN's sgemm), as do
 * batch norm and everything else: only convolutions run in bf16.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "../wasm/kernel_call.ts";
import type { Precision } from "../precision.ts";
import { DNNL, type OneDnn } from "./library.ts";
import { batchNormKernels } from "./batch_norm.ts";
import { batchNormTrainingGradient } from "../batch_norm_training.ts";
import { type KernelTable, registerKernelTable, unregisterKernelTable } from "../kernel_table.ts";
import { type ConvolutionShape, type FusedActivation, runConvolution } from "./convolution.ts";
import { batchMatMulKernel, fusedMatMulKernel } from "./matmul.ts";
import {
  clipByValueKernel,
  RELU_GRAD,
  reluGradient,
  reluGradKernel,
  reluKernel,
} from "./eltwise.ts";

type Conv4D = [number, number, number, number];

/** The precision the convolutions run in, as registerOneDnnKernels set it. */
let precision: Precision = "fp32";

function channelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === "NHWC" || dataFormat === "channelsLast";
}

function heap(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  return (backend as WasmHeapBackend).typedArrayFromHeap(info) as Float32Array;
}

function output(backend: tf.KernelBackend, shape: number[]): tf.TensorInfo {
  return (backend as WasmHeapBackend).makeOutput(shape, "float32");
}

function isEmpty(...infos: tf.TensorInfo[]): boolean {
  return infos.some((info) => info.shape.some((size) => size === 0));
}

/** tfjs's fused activations that oneDNN can apply as a post-op; undefined: none needed. */
function fusedActivation(
  activation: string | undefined,
  leakyreluAlpha: number | undefined,
): FusedActivation | undefined | "unsupported" {
  const { relu, elu, logistic, clip } = DNNL.eltwise;
  switch (activation ?? "linear") {
    case "linear":
      return undefined;
    case "relu":
      return { algorithm: relu, alpha: 0, beta: 0 };
    case "relu6":
      return { algorithm: clip, alpha: 0, beta: 6 };
    case "elu":
      return { algorithm: elu, alpha: 1, beta: 0 };
    case "leakyrelu":
      return { algorithm: relu, alpha: leakyreluAlpha ?? 0.2, beta: 0 };
    case "sigmoid":
      return { algorithm: logistic, alpha: 0, beta: 0 };
    default:
      return "unsupported";
  }
}

type OneDnnKernel = (lib: OneDnn, args: KernelArgs) => tf.TensorInfo | undefined;

/** The attributes every convolution kernel (forward or gradient) has. */
interface ConvolutionAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  dataFormat?: string;
}

function convolutionShape(
  inputShape: readonly number[],
  filterShape: readonly number[],
  a: ConvolutionAttrs,
  depthwise: boolean,
): ConvolutionShape {
  return {
    depthwise,
    info: tf.backend_util.computeConv2DInfo(
      inputShape as Conv4D,
      filterShape as Conv4D,
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      depthwise,
    ),
  };
}

function forwardKernel(depthwise: boolean, fused: boolean): OneDnnKernel {
  return (lib, { inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    if (!channelsLast(a.dataFormat) || isEmpty(x, filter) || preluActivationWeights) return;
    const activation = fused ? fusedActivation(a.activation, a.leakyreluAlpha) : undefined;
    if (activation === "unsupported") return;
    const outChannels = depthwise ? filter.shape[2] * filter.shape[3] : filter.shape[3];
    const biasSize = bias ? bias.shape.reduce((product, size) => product * size, 1) : 0;
    if (bias && biasSize !== outChannels) return;
    const shape = convolutionShape(x.shape, filter.shape, a, depthwise);
    const y = output(backend, shape.info.outShape);
    const data = new Map<number, Float32Array>([
      [DNNL.arg.src, heap(backend, x)],
      [DNNL.arg.weights, heap(backend, filter)],
      [DNNL.arg.dst, heap(backend, y)],
    ]);
    if (bias) data.set(DNNL.arg.bias, heap(backend, bias));
    runConvolution(lib, shape, "forward", data, activation, precision);
    return y;
  };
}

function backpropInputKernel(depthwise: boolean): OneDnnKernel {
  return (lib, { inputs, backend, attrs }) => {
    const { dy, filter } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as ConvolutionAttrs & { inputShape: number[] };
    if (!channelsLast(a.dataFormat) || isEmpty(dy, filter)) return;
    const shape = convolutionShape(a.inputShape, filter.shape, a, depthwise);
    const dx = output(backend, a.inputShape);
    runConvolution(
      lib,
      shape,
      "backwardData",
      new Map([
        [DNNL.arg.diffSrc, heap(backend, dx)],
        [DNNL.arg.weights, heap(backend, filter)],
        [DNNL.arg.diffDst, heap(backend, dy)],
      ]),
      undefined,
      precision,
    );
    return dx;
  };
}

function backpropFilterKernel(depthwise: boolean): OneDnnKernel {
  return (lib, { inputs, backend, attrs }) => {
    const { x, dy } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as ConvolutionAttrs & { filterShape: number[] };
    if (!channelsLast(a.dataFormat) || isEmpty(x, dy)) return;
    const shape = convolutionShape(x.shape, a.filterShape, a, depthwise);
    const dw = output(backend, a.filterShape);
    runConvolution(
      lib,
      shape,
      "backwardWeights",
      new Map([
        [DNNL.arg.src, heap(backend, x)],
        [DNNL.arg.diffWeights, heap(backend, dw)],
        [DNNL.arg.diffDst, heap(backend, dy)],
      ]),
      undefined,
      precision,
    );
    return dw;
  };
}

const oneDnnKernels: ReadonlyArray<[string, OneDnnKernel]> = [
  [tf.Conv2D, forwardKernel(false, false)],
  [tf.FusedConv2D, forwardKernel(false, true)],
  [tf.Conv2DBackpropInput, backpropInputKernel(false)],
  [tf.Conv2DBackpropFilter, backpropFilterKernel(false)],
  [tf.DepthwiseConv2dNative, forwardKernel(true, false)],
  [tf.FusedDepthwiseConv2D, forwardKernel(true, true)],
  [tf.DepthwiseConv2dNativeBackpropInput, backpropInputKernel(true)],
  [tf.DepthwiseConv2dNativeBackpropFilter, backpropFilterKernel(true)],
  [tf.BatchMatMul, batchMatMulKernel],
  [tf._FusedMatMul, fusedMatMulKernel],
  [tf.Relu, reluKernel],
  [tf.ClipByValue, clipByValueKernel],
];

/** The oneDNN kernel table for `lib`: convolutions over wasm's, and the training batch norm. */
export function oneDnnKernelTable(lib: OneDnn): KernelTable {
  return {
    name: "onednn",
    entries: [
      ...oneDnnKernels.map(([kernelName, run]) => ({
        backend: "wasm",
        kernelName,
        wrap: (previous: tf.KernelFunc) =>
          ((args: KernelArgs) =>
            run(lib, args) ?? previous(args as never)) as unknown as tf.KernelFunc,
      })),
      ...batchNormKernels(lib).map((kernel) => ({ kernel })),
      { gradient: batchNormTrainingGradient },
      {
        kernel: {
          kernelName: RELU_GRAD,
          backendName: "wasm",
          kernelFunc: ((args: KernelArgs) => reluGradKernel(lib, args)) as unknown as tf.KernelFunc,
        },
      },
      { gradient: reluGradient },
    ],
  };
}

/**
 * Makes the wasm backend run its convolutions, matrix products, ReLU and training batch norm in
 * oneDNN, the convolutions in `convolutionPrecision` (checked by the caller: precision.ts). Call
 * after the wasm training kernels are registered (ours fall back on them); safe to call
 * repeatedly.
 */
export function registerOneDnnKernels(
  lib: OneDnn,
  convolutionPrecision: Precision = "fp32",
): void {
  precision = convolutionPrecision;
  registerKernelTable(oneDnnKernelTable(lib));
}

/** Puts the wasm kernels back (for `--backend wasm` after onednn in one process). */
export function unregisterOneDnnKernels(): void {
  precision = "fp32";
  unregisterKernelTable("onednn");
}
