/**
 * ReLU, its gradient and ReLU6's clip in oneDNN's eltwise primitives, over the tensor as one flat
 * vector (the operation is element-wise, so its shape does not matter): AVX2 on every core where
 * wasm's kernels run 128 bits wide, and tfjs's ReLU gradient (Step, then Multiply: two passes)
 * becomes one. Values: ReLU gives max(x, 0) (−0 for negative x, where XNNPACK gives +0), its
 * gradient dy where x > 0 and dy·0 elsewhere as tfjs's dy·step(x) does (NaN x gives dy·0 here,
 * NaN in tfjs), the clip min(max(x, lo), hi).
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "../wasm/kernel_call.ts";
import { check, DNNL, ELTWISE_DESC_BYTES, memoryDesc, type OneDnn } from "./library.ts";
import {
  argumentList,
  BoundedPrimitiveCache,
  createMemory,
  createPrimitive,
  implementationName,
  type Primitive,
  primitiveDesc,
  runPrimitive,
} from "./primitive.ts";

/** Our ReLU gradient kernel's name: inputs dy, x; output dx. */
export const RELU_GRAD = "FerReluGrad";

function build(
  lib: OneDnn,
  size: number,
  algorithm: number,
  alpha: number,
  beta: number,
  backward: boolean,
): Primitive {
  const data = memoryDesc(lib, [size], [1]);
  const desc = new Uint8Array(ELTWISE_DESC_BYTES);
  check(
    backward
      ? lib.symbols.dnnl_eltwise_backward_desc_init(desc, algorithm, data, data, alpha, beta)
      : lib.symbols.dnnl_eltwise_forward_desc_init(
        desc,
        DNNL.forwardTraining,
        algorithm,
        data,
        alpha,
        beta,
      ),
    backward ? "eltwise_backward_desc_init" : "eltwise_forward_desc_init",
  );
  const chosen = primitiveDesc(lib, desc, null);
  const args = backward
    ? [DNNL.arg.src, DNNL.arg.diffDst, DNNL.arg.diffSrc]
    : [DNNL.arg.src, DNNL.arg.dst];
  const tensors = new Map(
    args.map((arg) => [arg, createMemory(lib, Deno.UnsafePointer.of(data))]),
  );
  const primitive = {
    tensors,
    steps: [{ handle: createPrimitive(lib, chosen), args: argumentList([...tensors]) }],
    implementation: implementationName(lib, chosen),
  };
  // The primitive keeps its own copy of the descriptor.
  check(lib.symbols.dnnl_primitive_desc_destroy(chosen), "primitive_desc_destroy");
  return primitive;
}

/**
 * Eltwise primitives by algorithm, direction and flat size. Sizes vary with every batch and face
 * count (predict over many images or videos), so the cache is bounded: a model's ReLU layers ×
 * forward and backward × its few batch sizes fit in it, and an evicted size is simply rebuilt
 * (a primitive depends only on its key, so the results are the same bits).
 */
export const eltwisePrimitives = new BoundedPrimitiveCache(256);

/**
 * Runs the eltwise `algorithm` on float32 `inputs` (by argument) into a new tensor shaped like
 * the first; undefined for what it does not cover (other types, empty tensors).
 */
function eltwise(
  lib: OneDnn,
  backend: WasmHeapBackend,
  algorithm: number,
  alpha: number,
  beta: number,
  inputs: ReadonlyArray<[number, tf.TensorInfo]>,
): tf.TensorInfo | undefined {
  const shape = inputs[0][1].shape;
  const size = shape.reduce((product, n) => product * n, 1);
  if (size === 0 || inputs.some(([, info]) => info.dtype !== "float32")) return undefined;
  const backward = inputs.length > 1;
  const primitive = eltwisePrimitives.get(
    lib,
    ["eltwise", algorithm, alpha, beta, backward, size],
    () => build(lib, size, algorithm, alpha, beta, backward),
  );
  const out = backend.makeOutput([...shape], "float32");
  // Views after makeOutput: a growing heap invalidates earlier ones.
  const data = new Map<number, ArrayBufferView>(
    inputs.map(([arg, info]) => [arg, backend.typedArrayFromHeap(info)]),
  );
  data.set(backward ? DNNL.arg.diffSrc : DNNL.arg.dst, backend.typedArrayFromHeap(out));
  runPrimitive(lib, primitive, data);
  return out;
}

export function reluKernel(lib: OneDnn, args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo>;
  return eltwise(lib, args.backend as WasmHeapBackend, DNNL.eltwise.relu, 0, 0, [
    [DNNL.arg.src, x],
  ]);
}

export function clipByValueKernel(lib: OneDnn, args: KernelArgs): tf.TensorInfo | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo>;
  const { clipValueMin, clipValueMax } = args.attrs as unknown as tf.ClipByValueAttrs;
  return eltwise(
    lib,
    args.backend as WasmHeapBackend,
    DNNL.eltwise.clip,
    clipValueMin,
    clipValueMax,
    [[DNNL.arg.src, x]],
  );
}

/** FerReluGrad: dy where x > 0, else dy·0; throws for what oneDNN does not cover. */
export function reluGradKernel(lib: OneDnn, args: KernelArgs): tf.TensorInfo {
  const { dy, x } = args.inputs as Record<string, tf.TensorInfo>;
  const out = eltwise(lib, args.backend as WasmHeapBackend, DNNL.eltwise.relu, 0, 0, [
    [DNNL.arg.src, x],
    [DNNL.arg.diffDst, dy],
  ]);
  if (!out) throw new Error(`${RELU_GRAD} takes non-empty float32 tensors`);
  return out;
}

/** Taken when this module loads, before ours replaces it. */
const coreReluGradient = tf.getGradient(tf.Relu)!.gradFunc;

/**
 * Replaces tfjs-core's ReLU gradient (globally: gradients are not per backend) with one call of
 * FerReluGrad on backends that register it, and tfjs-core's own gradient elsewhere.
 */
export const reluGradient: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const gradient = dy as tf.Tensor;
    const fused = tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined &&
      x.dtype === "float32" && gradient.dtype === "float32" && x.size > 0;
    if (!fused) return coreReluGradient(dy, saved, attrs);
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: gradient, x }) as tf.Tensor };
  },
};
