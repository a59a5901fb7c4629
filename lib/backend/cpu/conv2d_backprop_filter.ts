/**
 * Conv2DBackpropFilter for the cpu backend over plain typed arrays. tfjs-cpu's kernel reads every
 * element through TensorBuffer.get (≈ 270 ns per multiply-add here), so one training step of the
 * bigger models took minutes. This is the same sum in the same order, accumulated in float64 like
 * the shipped kernel, so the result is identical (tests/backend_cpu_kernels_test.ts). Zero inputs
 * (ReLU outputs) are skipped: they add nothing to a finite gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { type KernelTable, registerKernelTable } from "../kernel_table.ts";

/** The cpu backend's view of tensor data, as tfjs-cpu's own kernels use it. */
interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function backpropFilterNhwc(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.Conv2DBackpropFilterAttrs,
  backend: CpuBackend,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const xs = backend.data.get(x.dataId).values;
  const dys = backend.data.get(dy.dataId).values;
  const dw = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyOffset = ((b * outHeight + yr) * outWidth + yc) * outChannels;
        for (let wr = 0; wr < filterHeight; wr++) {
          const xr = yr * strideHeight + wr - padInfo.top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let wc = 0; wc < filterWidth; wc++) {
            const xc = yc * strideWidth + wc - padInfo.left;
            if (xc < 0 || xc >= inWidth) continue;
            const xOffset = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            const wOffset = (wr * filterWidth + wc) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = xs[xOffset + ci];
              if (xv === 0) continue;
              const row = wOffset + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[row + co] += xv * dys[dyOffset + co];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(attrs.filterShape as number[], "float32", Float32Array.from(dw));
}

/** Our kernel for NHWC float32, the layout and type our models use; the rest goes to `shipped`. */
export function cpuConv2DBackpropFilterConfig(shipped: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: "cpu",
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (attrs.dataFormat === "NCHW" || x.dtype !== "float32" || dy.dtype !== "float32") {
        return shipped(args);
      }
      return backpropFilterNhwc(x, dy, attrs, args.backend as unknown as CpuBackend);
    },
  };
}

/** The cpu backend's kernel table. */
export const cpuTrainingKernels: KernelTable = {
  name: "cpu",
  entries: [{
    backend: "cpu",
    kernelName: tf.Conv2DBackpropFilter,
    wrap: (shipped) => cpuConv2DBackpropFilterConfig(shipped).kernelFunc,
  }],
};

/** Registers our cpu kernels in place of the shipped ones (safe to call repeatedly). */
export function registerCpuTrainingKernels(): void {
  registerKernelTable(cpuTrainingKernels);
}
