/**
 * The fused training batch norm (lib/backend/batch_norm_training.ts) in oneDNN: one primitive
 * computes the statistics and the normalised output, one the three gradients, on channels-last
 * tensors of any rank from 2 (dense features) to 4 (NHWC).
 */
import type * as tf from "@tensorflow/tfjs";
import { BatchNormTraining, BatchNormTrainingGrad } from "../batch_norm_training.ts";
import type { KernelArgs, WasmHeapBackend } from "../wasm/kernel_call.ts";
import {
  BATCH_NORM_DESC_BYTES,
  channelsLastDesc,
  check,
  DNNL,
  memoryDesc,
  type OneDnn,
} from "./library.ts";
import {
  argumentList,
  cachedPrimitive,
  createMemory,
  createPrimitive,
  implementationName,
  type Primitive,
  primitiveDesc,
  runPrimitive,
} from "./primitive.ts";

function forwardDesc(lib: OneDnn, data: Uint8Array, epsilon: number): Uint8Array {
  const desc = new Uint8Array(BATCH_NORM_DESC_BYTES);
  check(
    lib.symbols.dnnl_batch_normalization_forward_desc_init(
      desc,
      DNNL.forwardTraining,
      data,
      epsilon,
      DNNL.useScale | DNNL.useShift,
    ),
    "batch_normalization_forward_desc_init",
  );
  return desc;
}

/**
 * The primitive for `shape`; `args` are the arguments a call passes, each with its rank: a tensor
 * of x's rank is described like x, the others are per-channel vectors.
 */
function build(
  lib: OneDnn,
  shape: readonly number[],
  epsilon: number,
  backward: boolean,
  args: ReadonlyArray<[number, number]>,
): Primitive {
  const data = channelsLastDesc(lib, shape);
  const channel = memoryDesc(lib, [shape[shape.length - 1]], [1]);
  const forward = primitiveDesc(lib, forwardDesc(lib, data, epsilon), null);
  let chosen = forward;
  if (backward) {
    const desc = new Uint8Array(BATCH_NORM_DESC_BYTES);
    check(
      lib.symbols.dnnl_batch_normalization_backward_desc_init(
        desc,
        DNNL.backward,
        data,
        data,
        epsilon,
        DNNL.useScale | DNNL.useShift,
      ),
      "batch_normalization_backward_desc_init",
    );
    chosen = primitiveDesc(lib, desc, forward);
  }
  const tensors = new Map(
    args.map(([arg, rank]) => [
      arg,
      createMemory(lib, Deno.UnsafePointer.of(rank === shape.length ? data : channel)),
    ]),
  );
  return {
    tensors,
    steps: [{ handle: createPrimitive(lib, chosen), args: argumentList([...tensors]) }],
    implementation: implementationName(lib, chosen),
  };
}

function run(
  lib: OneDnn,
  backend: WasmHeapBackend,
  x: tf.TensorInfo,
  epsilon: number,
  backward: boolean,
  inputs: ReadonlyArray<[number, tf.TensorInfo]>,
  outputs: ReadonlyArray<[number, number[]]>,
): tf.TensorInfo[] {
  const primitive = cachedPrimitive(
    ["batchNorm", backward, x.shape, epsilon],
    () =>
      build(lib, x.shape, epsilon, backward, [
        ...inputs.map(([arg, info]): [number, number] => [arg, info.shape.length]),
        ...outputs.map(([arg, shape]): [number, number] => [arg, shape.length]),
      ]),
  );
  const made = outputs.map(([, shape]) => backend.makeOutput(shape, "float32"));
  // Views after every makeOutput: a growing heap invalidates earlier ones.
  const data = new Map<number, ArrayBufferView>();
  for (const [arg, info] of inputs) data.set(arg, backend.typedArrayFromHeap(info));
  outputs.forEach(([arg], i) => data.set(arg, backend.typedArrayFromHeap(made[i])));
  runPrimitive(lib, primitive, data);
  return made;
}

/** The two kernels for the wasm backend with oneDNN. */
export function batchNormKernels(lib: OneDnn): tf.KernelConfig[] {
  const forward = ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, scale, offset } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon } = attrs as { epsilon: number };
    const channels = [x.shape[x.shape.length - 1]];
    return run(lib, backend as WasmHeapBackend, x, epsilon, false, [
      [DNNL.arg.src, x],
      [DNNL.arg.scale, scale],
      [DNNL.arg.shift, offset],
    ], [[DNNL.arg.dst, x.shape], [DNNL.arg.mean, channels], [DNNL.arg.variance, channels]]);
  };
  const gradient = ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, dy, scale, mean, variance } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon } = attrs as { epsilon: number };
    return run(lib, backend as WasmHeapBackend, x, epsilon, true, [
      [DNNL.arg.src, x],
      [DNNL.arg.diffDst, dy],
      [DNNL.arg.scale, scale],
      // oneDNN 2.6's backward primitive requires a shift argument it does not read.
      [DNNL.arg.shift, scale],
      [DNNL.arg.mean, mean],
      [DNNL.arg.variance, variance],
    ], [
      [DNNL.arg.diffSrc, x.shape],
      [DNNL.arg.diffScale, scale.shape],
      [DNNL.arg.diffShift, scale.shape],
    ]);
  };
  return [
    {
      kernelName: BatchNormTraining,
      backendName: "wasm",
      kernelFunc: forward as unknown as tf.KernelFunc,
    },
    {
      kernelName: BatchNormTrainingGrad,
      backendName: "wasm",
      kernelFunc: gradient as unknown as tf.KernelFunc,
    },
  ];
}
