/**
 * oneDNN convolution primitives for tfjs's layouts: NHWC activations, HWIO filters (depthwise:
 * [kh, kw, C, multiplier], i.e. C groups of `multiplier` output channels). Primitives are built
 * once per shape and reused; each call only points their memory at the tensors of the moment.
 */
import type * as tf from "@tensorflow/tfjs";
import {
  channelsLastDesc,
  check,
  CONVOLUTION_DESC_BYTES,
  dims,
  DNNL,
  handleIn,
  handleSlot,
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

/** What a convolution computes: tfjs's Conv2DInfo, depthwise or not. */
export interface ConvolutionShape {
  readonly info: tf.backend_util.Conv2DInfo;
  readonly depthwise: boolean;
}

/** An activation oneDNN applies to the convolution's output in the same pass. */
export interface FusedActivation {
  readonly algorithm: number;
  readonly alpha: number;
  readonly beta: number;
}

type Pass = "forward" | "backwardData" | "backwardWeights";

function descriptors(lib: OneDnn, { info, depthwise }: ConvolutionShape) {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const { outHeight: ho, outWidth: wo, outChannels: o } = info;
  const kh = info.filterHeight, kw = info.filterWidth;
  const src = channelsLastDesc(lib, [n, h, w, c]);
  const dst = channelsLastDesc(lib, [n, ho, wo, o]);
  const multiplier = o / c;
  // oneDNN's filter dims are [O, I, kh, kw], grouped [G, O/G, I/G, kh, kw]; the strides say
  // where tfjs keeps each element.
  const weightDims = depthwise ? [c, multiplier, 1, kh, kw] : [o, c, kh, kw];
  const weights = memoryDesc(
    lib,
    weightDims,
    depthwise ? [multiplier, 1, 1, kw * o, o] : [1, o, kw * c * o, c * o],
  );
  const bias = memoryDesc(lib, [o], [1]);
  const pad = info.padInfo;
  return {
    src,
    dst,
    weights,
    weightDims,
    bias,
    strides: dims([info.strideHeight, info.strideWidth]),
    // oneDNN counts dilation from 0 (no gaps), tfjs from 1.
    dilations: dims([info.dilationHeight - 1, info.dilationWidth - 1]),
    padBefore: dims([pad.top, pad.left]),
    padAfter: dims([pad.bottom, pad.right]),
  };
}

function forwardDesc(
  lib: OneDnn,
  d: ReturnType<typeof descriptors>,
  weights: Uint8Array,
  withBias: boolean,
): Uint8Array {
  const desc = new Uint8Array(CONVOLUTION_DESC_BYTES);
  check(
    lib.symbols.dnnl_dilated_convolution_forward_desc_init(
      desc,
      DNNL.forwardTraining,
      DNNL.convolutionDirect,
      d.src,
      weights,
      withBias ? d.bias : null,
      d.dst,
      d.strides,
      d.dilations,
      d.padBefore,
      d.padAfter,
    ),
    "convolution_forward_desc_init",
  );
  return desc;
}

function activationAttributes(lib: OneDnn, activation: FusedActivation): Deno.PointerValue {
  const postOps = handleSlot();
  check(lib.symbols.dnnl_post_ops_create(postOps), "post_ops_create");
  check(
    lib.symbols.dnnl_post_ops_append_eltwise(
      handleIn(postOps),
      1,
      activation.algorithm,
      activation.alpha,
      activation.beta,
    ),
    "post_ops_append_eltwise",
  );
  const attributes = handleSlot();
  check(lib.symbols.dnnl_primitive_attr_create(attributes), "primitive_attr_create");
  check(
    lib.symbols.dnnl_primitive_attr_set_post_ops(handleIn(attributes), handleIn(postOps)),
    "primitive_attr_set_post_ops",
  );
  return handleIn(attributes);
}

function reorder(
  lib: OneDnn,
  from: Deno.PointerValue,
  fromDesc: Deno.PointerValue,
  to: Deno.PointerValue,
  toDesc: Deno.PointerValue,
) {
  const slot = handleSlot();
  check(
    lib.symbols.dnnl_reorder_primitive_desc_create(
      slot,
      fromDesc,
      lib.engine,
      toDesc,
      lib.engine,
      null,
    ),
    "reorder_primitive_desc_create",
  );
  return {
    handle: createPrimitive(lib, handleIn(slot)),
    args: argumentList([[DNNL.arg.src, from], [DNNL.arg.dst, to]]),
  };
}

/**
 * The filter lives in the layout oneDNN chose (blocked filters run 1.5-8× faster than plain ones
 * here, depthwise most), so a reorder converts between that and tfjs's layout on every call:
 * before the pass for the filter it reads, after it for the gradient it writes. Filters are small
 * next to activations, which stay in place.
 */
function build(
  lib: OneDnn,
  shape: ConvolutionShape,
  pass: Pass,
  withBias: boolean,
  activation: FusedActivation | undefined,
): Primitive {
  const d = descriptors(lib, shape);
  const anyWeights = memoryDesc(lib, d.weightDims);
  const attributes = activation ? activationAttributes(lib, activation) : null;
  const forward = primitiveDesc(lib, forwardDesc(lib, d, anyWeights, withBias), null, attributes);
  let chosen = forward;
  let activations: [number, Uint8Array][];
  const weightsArg = pass === "backwardWeights" ? DNNL.arg.diffWeights : DNNL.arg.weights;
  if (pass === "forward") {
    activations = [[DNNL.arg.src, d.src], [DNNL.arg.dst, d.dst]];
    if (withBias) activations.push([DNNL.arg.bias, d.bias]);
  } else if (pass === "backwardData") {
    const desc = new Uint8Array(CONVOLUTION_DESC_BYTES);
    check(
      lib.symbols.dnnl_dilated_convolution_backward_data_desc_init(
        desc,
        DNNL.convolutionDirect,
        d.src,
        anyWeights,
        d.dst,
        d.strides,
        d.dilations,
        d.padBefore,
        d.padAfter,
      ),
      "convolution_backward_data_desc_init",
    );
    chosen = primitiveDesc(lib, desc, forward);
    activations = [[DNNL.arg.diffSrc, d.src], [DNNL.arg.diffDst, d.dst]];
  } else {
    const desc = new Uint8Array(CONVOLUTION_DESC_BYTES);
    check(
      lib.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
        desc,
        DNNL.convolutionDirect,
        d.src,
        anyWeights,
        null,
        d.dst,
        d.strides,
        d.dilations,
        d.padBefore,
        d.padAfter,
      ),
      "convolution_backward_weights_desc_init",
    );
    chosen = primitiveDesc(lib, desc, forward);
    activations = [[DNNL.arg.src, d.src], [DNNL.arg.diffDst, d.dst]];
  }
  const tensors = new Map<number, Deno.PointerValue>();
  for (const [arg, desc] of activations) {
    tensors.set(arg, createMemory(lib, Deno.UnsafePointer.of(desc)));
  }
  const userWeightsDesc = Deno.UnsafePointer.of(d.weights);
  const userWeights = createMemory(lib, userWeightsDesc);
  tensors.set(weightsArg, userWeights);
  const chosenWeightsDesc = lib.symbols.dnnl_primitive_desc_query_md(
    chosen,
    pass === "backwardWeights" ? DNNL.queryDiffWeights : DNNL.queryWeights,
    0,
  );
  const weights = createMemory(lib, chosenWeightsDesc, true);
  const convolution = {
    handle: createPrimitive(lib, chosen),
    args: argumentList(
      [...tensors].map(([arg, memory]) => [arg, arg === weightsArg ? weights : memory]),
    ),
  };
  const steps = pass === "backwardWeights"
    ? [convolution, reorder(lib, weights, chosenWeightsDesc, userWeights, userWeightsDesc)]
    : [reorder(lib, userWeights, userWeightsDesc, weights, chosenWeightsDesc), convolution];
  return { tensors, steps, implementation: implementationName(lib, chosen) };
}

/** Runs one pass; `data` maps each argument (DNNL.arg) to a view of its tensor's memory. */
export function runConvolution(
  lib: OneDnn,
  shape: ConvolutionShape,
  pass: Pass,
  data: ReadonlyMap<number, ArrayBufferView>,
  activation?: FusedActivation,
): void {
  const { info, depthwise } = shape;
  const withBias = data.has(DNNL.arg.bias);
  const key = [
    "convolution",
    pass,
    depthwise,
    withBias,
    activation ?? null,
    info.inShape,
    info.outShape,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo,
  ];
  const primitive = cachedPrimitive(key, () => build(lib, shape, pass, withBias, activation));
  runPrimitive(lib, primitive, data);
}
