/**
 * Slice for wasm as one copy per run of contiguous elements. The gradient of ZeroPadding2D (the
 * padding before each strided convolution in PyTorch's convention, layers.ts) slices the border
 * off a 4-D gradient, and the shipped kernel copies it one innermost row at a time through a new
 * subarray each: 30 ms for 7×114×114×96 (8 % of a MobileNetV2 step at 224×224). Here the
 * innermost axes that are taken whole merge with the next one into a single run (112×96 values
 * there), copied within the heap. Bytes are copied as they are, so the values are the shipped
 * kernel's. Strings, scalars and empty slices go to the shipped kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";

/** Our Slice, calling `shipped` for the cases above. */
export function sliceConfig(shipped: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as KernelArgs;
      const x = inputs.x as tf.TensorInfo;
      const { begin, size } = attrs as unknown as tf.SliceAttrs;
      const [start, sizes] = tf.slice_util.parseSliceParams(x, begin, size);
      const count = sizes.reduce((product, n) => product * n, 1);
      if (x.dtype === "string" || x.shape.length === 0 || count === 0) return shipped(args);
      const backend = args.backend as WasmHeapBackend;
      const out = backend.makeOutput(sizes, x.dtype);
      // Views after makeOutput: a growing heap invalidates earlier ones.
      const source = backend.typedArrayFromHeap(x);
      const target = backend.typedArrayFromHeap(out);
      const elementBytes = source.BYTES_PER_ELEMENT;
      const heap = new Uint8Array(source.buffer);
      const strides = [...tf.util.computeStrides(x.shape), 1];
      // The run: the innermost axes taken whole, and the next one's slice.
      let axis = x.shape.length - 1;
      while (axis > 0 && start[axis] === 0 && sizes[axis] === x.shape[axis]) axis--;
      const runBytes = sizes[axis] * strides[axis] * elementBytes;
      const runs = count / (sizes[axis] * strides[axis]);
      const position = new Array<number>(axis).fill(0);
      let to = target.byteOffset;
      for (let run = 0; run < runs; run++) {
        let from = source.byteOffset + start[axis] * strides[axis] * elementBytes;
        for (let a = 0; a < axis; a++) from += (start[a] + position[a]) * strides[a] * elementBytes;
        heap.copyWithin(to, from, from + runBytes);
        to += runBytes;
        // The next run: an odometer over the outer axes.
        for (let a = axis - 1; a >= 0 && ++position[a] === sizes[a]; a--) position[a] = 0;
      }
      return out;
    },
  };
}
