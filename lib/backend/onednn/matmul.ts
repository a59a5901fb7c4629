/**
 * Matrix products (dense layers, forward and both gradients) in oneDNN's sgemm. The wasm
 * backend's XNNPACK product ran VGG's 4096×4096 dense layers at about 6 GFLOP/s here, and a
 * transposed operand costs it an explicit Transpose first (wasm/batch_mat_mul.ts); sgemm reads
 * either operand transposed in place, with AVX2 FMA, straight from the wasm heap.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "../wasm/kernel_call.ts";
import { check, type OneDnn } from "./library.ts";

/** 'N' or 'T': dnnl_sgemm's transpose flags, as C chars. */
const NO_TRANSPOSE = 78, TRANSPOSE = 84;

/**
 * a·b for float32 tensors [...batch, rows, inner], each operand optionally transposed in its
 * last two axes; batch axes broadcast when one side's hold a single matrix. Undefined for what
 * is outside that (the caller falls back).
 */
function product(
  lib: OneDnn,
  backend: WasmHeapBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | undefined {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const [a1, a2] = a.shape.slice(-2), [b1, b2] = b.shape.slice(-2);
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const size = (shape: number[]) => shape.reduce((product, n) => product * n, 1);
  const batchA = size(outerA), batchB = size(outerB);
  // The output's batch axes: both sides' when equal, else the side's that is not one matrix.
  let outer: number[];
  if (outerA.join() === outerB.join()) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else return undefined;
  const batch = Math.max(batchA, batchB);
  const m = transposeA ? a2 : a1, k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  if ((transposeB ? b2 : b1) !== k) return undefined;
  if (m * n * k === 0 || batch === 0) return undefined;
  const outShape = [...outer, m, n];
  const out = backend.makeOutput(outShape, "float32");
  // Views after makeOutput: a growing heap invalidates earlier ones.
  const aData = backend.typedArrayFromHeap(a) as Float32Array;
  const bData = backend.typedArrayFromHeap(b) as Float32Array;
  const cData = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < batch; i++) {
    const aAt = batchA === 1 ? 0 : i * m * k;
    const bAt = batchB === 1 ? 0 : i * k * n;
    check(
      lib.symbols.dnnl_sgemm(
        transposeA ? TRANSPOSE : NO_TRANSPOSE,
        transposeB ? TRANSPOSE : NO_TRANSPOSE,
        BigInt(m),
        BigInt(n),
        BigInt(k),
        1,
        Deno.UnsafePointer.of(aData.subarray(aAt, aAt + m * k)),
        BigInt(transposeA ? m : k),
        Deno.UnsafePointer.of(bData.subarray(bAt, bAt + k * n)),
        BigInt(transposeB ? k : n),
        0,
        Deno.UnsafePointer.of(cData.subarray(i * m * n, (i + 1) * m * n)),
        BigInt(n),
      ),
      "sgemm",
    );
  }
  return out;
}

/** BatchMatMul in sgemm; undefined for what it does not cover. */
export function batchMatMulKernel(lib: OneDnn, args: KernelArgs): tf.TensorInfo | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  return product(lib, args.backend as WasmHeapBackend, a, b, transposeA, transposeB);
}

/**
 * _FusedMatMul (a dense layer's forward pass) in sgemm, then its per-column bias and a linear or
 * ReLU activation in one pass over the (small: batch × units) result; other activations and
 * biases of another shape fall back.
 */
export function fusedMatMulKernel(lib: OneDnn, args: KernelArgs): tf.TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo>;
  const { transposeA, transposeB, activation } = args.attrs as unknown as tf._FusedMatMulAttrs;
  const relu = activation === "relu";
  if (preluActivationWeights || !(relu || activation === "linear" || activation === undefined)) {
    return undefined;
  }
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n)) return undefined;
  const backend = args.backend as WasmHeapBackend;
  const out = product(lib, backend, a, b, transposeA, transposeB);
  if (!out || (!bias && !relu)) return out;
  const values = backend.typedArrayFromHeap(out) as Float32Array;
  const biasValues = bias ? backend.typedArrayFromHeap(bias) as Float32Array : undefined;
  for (let row = 0; row < values.length; row += n) {
    for (let j = 0; j < n; j++) {
      let value = values[row + j];
      if (biasValues) value += biasValues[j];
      values[row + j] = relu && value < 0 ? 0 : value;
    }
  }
  return out;
}
