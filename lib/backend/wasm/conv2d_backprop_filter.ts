/**
 * Conv2DBackpropFilter for wasm, which does not ship one. The filter gradient
 * dW[i,j,ci,co] = Σ_{n,p,q} x[n, p·s+i-top, q·s+j-left, ci] · dy[n,p,q,co]
 * is itself a convolution once batch and channels swap roles: the input x as [Cin,H,W,N], the
 * output gradient as a filter [Ho,Wo,N,Cout] dilated by the forward stride, giving
 * [Cin,kh,kw,Cout]. XNNPACK runs it at 7-18 GFLOP/s on one thread here; the im2col + matMul
 * alternative measured 0.3-15 (XNNPACK packs the huge right-hand matrix on every call, and matMul
 * with transposeA is slower still), see docs/BENCHMARKS.md.
 */
import * as tf from "@tensorflow/tfjs";
import { callKernel, type KernelArgs, release, transpose } from "./kernel_call.ts";
import { cropNegativePads, explicitPadding } from "./spatial.ts";
import { assertChannelsLast } from "./data_format.ts";

function conv2DBackpropFilter(
  { inputs, backend, attrs }: KernelArgs,
): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast("Conv2DBackpropFilter", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kh, kw] = filterShape;
  const dyExtentH = (info.outHeight - 1) * info.strideHeight + 1;
  const dyExtentW = (info.outWidth - 1) * info.strideWidth + 1;
  // Pad (or crop) x so that sliding the dy "filter" over it yields exactly kh × kw positions.
  const pads = {
    top: info.padInfo.top,
    bottom: kh - 1 + dyExtentH - info.inHeight - info.padInfo.top,
    left: info.padInfo.left,
    right: kw - 1 + dyExtentW - info.inWidth - info.padInfo.left,
  };
  const xByChannel = transpose(backend, x, [3, 1, 2, 0]);
  const cropped = cropNegativePads(backend, xByChannel, pads);
  release(backend, xByChannel);
  const dyAsFilter = transpose(backend, dy, [1, 2, 0, 3]);
  const byChannel = callKernel("Conv2D", backend, { x: cropped.input, filter: dyAsFilter }, {
    strides: [1, 1],
    dilations: [info.strideHeight, info.strideWidth],
    pad: explicitPadding(cropped.pads),
    dataFormat: "NHWC",
  });
  // Releasing the dy "filter" also drops XNNPACK's cached operator for it.
  release(backend, cropped.input, dyAsFilter);
  const dw = transpose(backend, byChannel, [1, 2, 0, 3]);
  release(backend, byChannel);
  return dw;
}

/** Registered for wasm, which ships no Conv2DBackpropFilter. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
