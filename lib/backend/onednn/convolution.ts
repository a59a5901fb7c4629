/**
 * oneDNN convolution primitives for tfjs's layouts: NHWC activations, HWIO filters (depthwise:
 * [kh, kw, C, multiplier], i.e. C groups of `multiplier` output channels). Primitives are built
 * once per shape and reused; each call only points their memory at the tensors of the moment.
 *
 * In bf16 (precision.ts) each pass reads bf16 inputs and writes fp32, accumulating in fp32 as
 * PyTorch's CPU autocast does: forward src and weights, backward-data diff_dst and weights,
 * backward-weights src and diff_dst are bf16; dst, diff_src, diff_weights and bias stay fp32. The
 * tensors themselves stay fp32: a reorder converts each input into a bf16 scratch buffer (the
 * filter's reorder into oneDNN's layout converts it on the way).
 */
import type * as tf from "@tensorflow/tfjs";
import { FerError } from "../../errors.ts";
import type { Precision } from "../precision.ts";
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

/** The arguments a pass reads as bf16 in bf16 precision (the filter too, but not its gradient). */
const BF16_INPUTS: Readonly<Record<Pass, readonly number[]>> = {
  forward: [DNNL.arg.src],
  backwardData: [DNNL.arg.diffDst],
  backwardWeights: [DNNL.arg.src, DNNL.arg.diffDst],
};

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
  src: Uint8Array,
  weights: Uint8Array,
  withBias: boolean,
): Uint8Array {
  const desc = new Uint8Array(CONVOLUTION_DESC_BYTES);
  check(
    lib.symbols.dnnl_dilated_convolution_forward_desc_init(
      desc,
      DNNL.forwardTraining,
      DNNL.convolutionDirect,
      src,
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
 * A backward primitive descriptor with the forward one as oneDNN's hint. In bf16 the forward
 * hint's data types differ from the pass's (fp32 dst, bf16 diff_dst), which some
 * implementations may not accept as a hint: then it is built without one.
 */
function backwardDesc(
  lib: OneDnn,
  desc: Uint8Array,
  forward: Deno.PointerValue,
  precision: Precision,
): Deno.PointerValue {
  if (precision === "fp32") return primitiveDesc(lib, desc, forward);
  try {
    return primitiveDesc(lib, desc, forward);
  } catch (error) {
    if (!(error instanceof FerError)) throw error;
    return primitiveDesc(lib, desc, null);
  }
}

/**
 * The filter lives in the layout oneDNN chose (blocked filters run 1.5-8× faster than plain ones
 * here, depthwise most), so a reorder converts between that and tfjs's layout on every call:
 * before the pass for the filter it reads, after it for the gradient it writes. Filters are small
 * next to activations, which stay in place (in bf16, their bf16 copies are made first).
 */
function build(
  lib: OneDnn,
  shape: ConvolutionShape,
  pass: Pass,
  withBias: boolean,
  activation: FusedActivation | undefined,
  precision: Precision,
): Primitive {
  const d = descriptors(lib, shape);
  const bf16 = precision === "bf16";
  const lowered = bf16 ? BF16_INPUTS[pass] : [];
  const inputType = bf16 ? DNNL.bf16 : DNNL.f32;
  // The bf16 twins of the activations a pass reads as bf16 (same dims and strides).
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = shape.info;
  const { outHeight: ho, outWidth: wo, outChannels: o } = shape.info;
  const low = bf16
    ? {
      src: channelsLastDesc(lib, [n, h, w, c], DNNL.bf16),
      dst: channelsLastDesc(lib, [n, ho, wo, o], DNNL.bf16),
    }
    : { src: d.src, dst: d.dst };
  const anyWeights = memoryDesc(lib, d.weightDims, undefined, inputType);
  const attributes = activation ? activationAttributes(lib, activation) : null;
  const forward = primitiveDesc(
    lib,
    forwardDesc(lib, d, low.src, anyWeights, withBias),
    null,
    attributes,
  );
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
        low.dst,
        d.strides,
        d.dilations,
        d.padBefore,
        d.padAfter,
      ),
      "convolution_backward_data_desc_init",
    );
    chosen = backwardDesc(lib, desc, forward, precision);
    activations = [[DNNL.arg.diffSrc, d.src], [DNNL.arg.diffDst, d.dst]];
  } else {
    const desc = new Uint8Array(CONVOLUTION_DESC_BYTES);
    check(
      lib.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
        desc,
        DNNL.convolutionDirect,
        low.src,
        // The gradient of the (fp32) weights is fp32 in either precision.
        bf16 ? memoryDesc(lib, d.weightDims) : anyWeights,
        null,
        low.dst,
        d.strides,
        d.dilations,
        d.padBefore,
        d.padAfter,
      ),
      "convolution_backward_weights_desc_init",
    );
    chosen = backwardDesc(lib, desc, forward, precision);
    activations = [[DNNL.arg.src, d.src], [DNNL.arg.diffDst, d.dst]];
  }
  const tensors = new Map<number, Deno.PointerValue>();
  for (const [arg, desc] of activations) {
    tensors.set(arg, createMemory(lib, Deno.UnsafePointer.of(desc)));
  }
  // bf16: the primitive reads scratch copies of its bf16 inputs, converted before it runs.
  const conversions = lowered.map((arg) => {
    const userDesc = arg === DNNL.arg.src ? d.src : d.dst;
    const lowDesc = Deno.UnsafePointer.of(arg === DNNL.arg.src ? low.src : low.dst);
    const scratch = createMemory(lib, lowDesc, true);
    return {
      arg,
      scratch,
      step: reorder(lib, tensors.get(arg)!, Deno.UnsafePointer.of(userDesc), scratch, lowDesc),
    };
  });
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
      [...tensors].map(([arg, memory]) => [
        arg,
        arg === weightsArg
          ? weights
          : conversions.find((conversion) => conversion.arg === arg)?.scratch ?? memory,
      ]),
    ),
  };
  const steps = pass === "backwardWeights"
    ? [convolution, reorder(lib, weights, chosenWeightsDesc, userWeights, userWeightsDesc)]
    : [reorder(lib, userWeights, userWeightsDesc, weights, chosenWeightsDesc), convolution];
  return {
    tensors,
    steps: [...conversions.map((conversion) => conversion.step), ...steps],
    implementation: implementationName(lib, chosen),
  };
}

/** Runs one pass; `data` maps each argument (DNNL.arg) to a view of its tensor's memory. */
export function runConvolution(
  lib: OneDnn,
  shape: ConvolutionShape,
  pass: Pass,
  data: ReadonlyMap<number, ArrayBufferView>,
  activation?: FusedActivation,
  precision: Precision = "fp32",
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
    // fp32 keys stay as they were: one primitive per shape.
    ...(precision === "fp32" ? [] : [precision]),
  ];
  const primitive = cachedPrimitive(key, () => {
    if (precision === "fp32") return build(lib, shape, pass, withBias, activation, precision);
    try {
      return build(lib, shape, pass, withBias, activation, precision);
    } catch (error) {
      if (!(error instanceof FerError)) throw error;
      throw new FerError(
        `oneDNN ${lib.version} could not build a ${precision} convolution (${pass}, ` +
          `${info.inShape.join("×")} → ${
            info.outShape.join("×")
          }) on this CPU: ${error.message}. ` +
          "Use --precision fp32",
      );
    }
  });
  runPrimitive(lib, primitive, data);
}
