/**
 * Conv2DBackpropInput for wasm as one XNNPACK convolution. The shipped wasm kernel is a plain C
 * loop that ran at ~1.7 GFLOP/s on our machine against ~22 for the forward convolution, and it was
 * the largest cost of a training step. The input gradient of a convolution is a stride-1
 * convolution of the output gradient (zeros inserted between its rows and columns when the forward
 * stride is > 1) with the filter rotated by 180° and its in/out channels swapped.
 */
import * as tf from "@tensorflow/tfjs";
import {
  callKernel,
  type KernelArgs,
  type KernelBackend,
  release,
  transpose,
  type WasmHeapBackend,
} from "./kernel_call.ts";
import { rotateFilter } from "./flip_filter.ts";
import { cropNegativePads, explicitPadding, spreadSpatial } from "./spatial.ts";
import { assertChannelsLast } from "./data_format.ts";

/**
 * The input gradient of a (depthwise when `depthwise`) convolution: `dy` [N,Ho,Wo,Cout] spread by
 * the stride, padded so that a stride-1 convolution with `flippedFilter` (already rotated, and
 * for a dense convolution already [kh,kw,Cout,Cin]) gives back [N,H,W,Cin].
 */
export function convolveOutputGradient(
  backend: KernelBackend,
  dy: tf.TensorInfo,
  flippedFilter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): tf.TensorInfo {
  const spread = spreadSpatial(backend, dy, info.strideHeight, info.strideWidth);
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  // Rows/columns of x that no forward window reached still need a (zero) gradient.
  const bottom = info.inHeight - spread.shape[1] + info.padInfo.top;
  const right = info.inWidth - spread.shape[2] + info.padInfo.left;
  const { input, pads } = cropNegativePads(backend, spread, { top, bottom, left, right });
  release(backend, spread);
  const dx = callKernel(depthwise ? "DepthwiseConv2dNative" : "Conv2D", backend, {
    x: input,
    filter: flippedFilter,
  }, {
    strides: [1, 1],
    dilations: [info.dilationHeight, info.dilationWidth],
    pad: explicitPadding(pads),
    dataFormat: "NHWC",
  });
  release(backend, input);
  return dx;
}

function conv2DBackpropInput(
  { inputs, backend, attrs }: KernelArgs,
): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast("Conv2DBackpropInput", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const rotated = rotateFilter(backend as WasmHeapBackend, filter);
  const flipped = transpose(backend, rotated, [0, 1, 3, 2]);
  release(backend, rotated);
  const dx = convolveOutputGradient(backend, dy, flipped, info, false);
  release(backend, flipped);
  return dx;
}

/** Registered for wasm in place of the shipped C-loop kernel. */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
