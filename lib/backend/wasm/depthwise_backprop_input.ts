/**
 * DepthwiseConv2dNativeBackpropInput for wasm, which does not ship one. Like the dense case
 * (see conv2d_backprop_input.ts) it is a depthwise convolution of the spread output gradient with
 * the spatially rotated filter. With a channel multiplier M > 1 each input channel gathers M
 * output channels, so the M slices are convolved separately and summed.
 */
import * as tf from "@tensorflow/tfjs";
import {
  callKernel,
  type KernelArgs,
  release,
  reshape,
  transpose,
  type WasmHeapBackend,
} from "./kernel_call.ts";
import { rotateFilter } from "./flip_filter.ts";
import { convolveOutputGradient } from "./conv2d_backprop_input.ts";

function depthwiseBackpropInput(
  { inputs, backend, attrs }: KernelArgs,
): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const [kh, kw, channels, multiplier] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const rotated = rotateFilter(backend as WasmHeapBackend, filter);
  if (multiplier === 1) {
    const dx = convolveOutputGradient(backend, dy, rotated, info, true);
    release(backend, rotated);
    return dx;
  }
  // Multiplier-major copies make each slice m a contiguous block.
  const [n, outH, outW] = dy.shape;
  const dy5 = reshape(backend, dy, [n, outH, outW, channels, multiplier]);
  const dyByM = transpose(backend, dy5, [4, 0, 1, 2, 3]);
  const filterByM = transpose(backend, rotated, [3, 0, 1, 2]);
  release(backend, dy5, rotated);
  const parts: tf.TensorInfo[] = [];
  for (let m = 0; m < multiplier; m++) {
    const dyM = callKernel("Slice", backend, { x: dyByM }, {
      begin: [m, 0, 0, 0, 0],
      size: [1, n, outH, outW, channels],
    });
    const dy4 = reshape(backend, dyM, [n, outH, outW, channels]);
    const fM = callKernel("Slice", backend, { x: filterByM }, {
      begin: [m, 0, 0, 0],
      size: [1, kh, kw, channels],
    });
    const f4 = reshape(backend, fM, [kh, kw, channels, 1]);
    parts.push(convolveOutputGradient(backend, dy4, f4, info, true));
    release(backend, dyM, dy4, fM, f4);
  }
  release(backend, dyByM, filterByM);
  const dx = callKernel("AddN", backend, parts as unknown as tf.NamedTensorInfoMap);
  release(backend, ...parts);
  return dx;
}

/** Registered for wasm, which ships no DepthwiseConv2dNativeBackpropInput. */
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};
