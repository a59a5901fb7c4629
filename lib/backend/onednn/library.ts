/**
 * oneDNN (Intel's deep learning kernels, the ones PyTorch runs on CPUs) called through Deno's FFI.
 * Debian ships it as `libdnnl2`; nothing is compiled. Its convolutions use AVX2 FMA, which wasm's
 * 128-bit SIMD cannot express, so they run 2-5× faster than XNNPACK here (docs/BENCHMARKS.md).
 *
 * The tensors stay where the wasm backend keeps them: oneDNN reads and writes the wasm heap
 * directly through pointers, so nothing is copied. Only the C API of oneDNN 2.x is used, with
 * memory described by explicit strides, so tfjs's NHWC tensors and HWIO filters need no reorder.
 */
import { FerError } from "../../errors.ts";

/** Where the library is looked up unless FER_ONEDNN_LIB names a file. */
export const ONEDNN_LIBRARY = "libdnnl.so.2";

const symbols = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: "i32",
  },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_sgemm: {
    parameters: [
      "i8",
      "i8",
      "i64",
      "i64",
      "i64",
      "f32",
      "pointer",
      "i64",
      "pointer",
      "i64",
      "f32",
      "pointer",
      "i64",
    ],
    result: "i32",
  },
} as const;

type OneDnnSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Values from oneDNN 2.x's dnnl_types.h (checked against 2.6's header). */
export const DNNL = {
  bf16: 2,
  f32: 3,
  forwardTraining: 64,
  backward: 128,
  /** Batch normalisation flags: learn a scale (gamma) and a shift (beta). */
  useScale: 8,
  useShift: 16,
  convolutionDirect: 1,
  cpuEngine: 1,
  streamDefault: 1,
  queryImplInfo: 8,
  queryWeights: 131,
  queryDiffWeights: 132,
  /** dnnl_format_tag_any: the primitive picks the layout (blocked filters are much faster). */
  formatAny: 1,
  eltwise: { relu: 31, elu: 63, logistic: 175, clip: 255 },
  arg: {
    src: 1,
    dst: 17,
    weights: 33,
    bias: 41,
    diffSrc: 129,
    diffDst: 145,
    diffWeights: 161,
    mean: 49,
    variance: 50,
    scale: 51,
    shift: 52,
    diffScale: 255,
    diffShift: 256,
  },
} as const;

/**
 * sizeof of dnnl_memory_desc_t, _convolution_desc_t, _batch_normalization_desc_t and
 * _eltwise_desc_t (2.x, x86-64).
 */
const MEMORY_DESC_BYTES = 696;
export const CONVOLUTION_DESC_BYTES = 5976;
export const BATCH_NORM_DESC_BYTES = 3496;
export const ELTWISE_DESC_BYTES = 1416;
const MAX_DIMS = 12;

/** A loaded library with one CPU engine and stream, which every primitive shares. */
export interface OneDnn {
  readonly symbols: OneDnnSymbols;
  readonly engine: Deno.PointerValue;
  readonly stream: Deno.PointerValue;
  /** e.g. "2.6.3". */
  readonly version: string;
}

let loaded: OneDnn | undefined;

/** Throws a FerError naming the call when oneDNN returns a failure status. */
export function check(status: number, call: string): void {
  if (status !== 0) throw new FerError(`oneDNN ${call} failed with status ${status}`);
}

/** An out-parameter for a handle (a C pointer), and the handle it received. */
export function handleSlot(): BigUint64Array {
  return new BigUint64Array(1);
}

export function handleIn(slot: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(slot[0]);
}

/** A dnnl_dims_t: always 12 int64, the unused tail zero. */
export function dims(values: readonly number[]): BigInt64Array {
  const out = new BigInt64Array(MAX_DIMS);
  values.forEach((value, i) => out[i] = BigInt(value));
  return out;
}

/**
 * A memory descriptor (f32 unless `dataType` says otherwise) with the given logical dims: dense
 * with these element strides, or without strides in the layout the primitive chooses (oneDNN's
 * format "any").
 */
export function memoryDesc(
  lib: OneDnn,
  logicalDims: readonly number[],
  strides?: readonly number[],
  dataType: number = DNNL.f32,
): Uint8Array {
  const desc = new Uint8Array(MEMORY_DESC_BYTES);
  const ndims = logicalDims.length;
  check(
    strides
      ? lib.symbols.dnnl_memory_desc_init_by_strides(
        desc,
        ndims,
        dims(logicalDims),
        dataType,
        dims(strides),
      )
      : lib.symbols.dnnl_memory_desc_init_by_tag(
        desc,
        ndims,
        dims(logicalDims),
        dataType,
        DNNL.formatAny,
      ),
    "memory_desc_init",
  );
  return desc;
}

/** oneDNN's view of a tfjs channels-last tensor [N, ...spatial, C]: dims [N, C, ...spatial]. */
export function channelsLastDesc(
  lib: OneDnn,
  shape: readonly number[],
  dataType: number = DNNL.f32,
): Uint8Array {
  const rank = shape.length;
  const stride = (axis: number) => shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const spatial = shape.slice(1, rank - 1);
  return memoryDesc(
    lib,
    [shape[0], shape[rank - 1], ...spatial],
    [stride(0), 1, ...spatial.map((_, i) => stride(i + 1))],
    dataType,
  );
}

/**
 * Keeps the library at `path` loaded until the process ends. Deno unloads a library when the
 * isolate that opened it ends, but oneDNN's OpenMP threads outlive it: the next isolate to use
 * oneDNN (the next module of `deno test`, which runs modules as isolates of one process) then
 * crashed now and then in unloaded code. A second reference from glibc's own dlopen, never
 * closed and marked RTLD_NODELETE, pins it; without glibc there is nothing to pin.
 */
function pinForProcess(path: string): void {
  const RTLD_NOW = 0x2, RTLD_NODELETE = 0x1000;
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
    });
  } catch {
    return;
  }
  libc.symbols.dlopen(new TextEncoder().encode(`${path}\0`), RTLD_NOW | RTLD_NODELETE);
  libc.close();
}

/**
 * Opens oneDNN once per isolate (and keeps it loaded for the process, see pinForProcess).
 * `threads` sets its OpenMP thread count, which is read when the library loads, so the first call
 * decides it. Its idle threads sleep instead of spinning, since
 * the wasm backend's threads run the kernels in between on the same cores.
 */
export function loadOneDnn(threads: number): OneDnn {
  if (loaded) return loaded;
  const path = Deno.env.get("FER_ONEDNN_LIB") || ONEDNN_LIBRARY;
  Deno.env.set("OMP_NUM_THREADS", String(threads));
  Deno.env.set("OMP_WAIT_POLICY", "PASSIVE");
  let library: Deno.DynamicLibrary<typeof symbols>;
  try {
    library = Deno.dlopen(path, symbols);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new FerError("the onednn backend needs FFI permission: run deno with --allow-ffi");
    }
    throw new FerError(
      `the onednn backend needs oneDNN 2.x (${path}): ${
        error instanceof Error ? error.message : error
      }. Install Debian's libdnnl2 (apt-get install libdnnl2), set FER_ONEDNN_LIB to the ` +
        "library file, or use --backend wasm",
    );
  }
  const lib = library.symbols;
  const version = new Int32Array(
    new Deno.UnsafePointerView(lib.dnnl_version()!).getArrayBuffer(12),
  );
  if (version[0] !== 2) {
    library.close();
    throw new FerError(
      `the onednn backend needs oneDNN 2.x; ${path} is ${version.join(".")}. ` +
        "Use --backend wasm",
    );
  }
  pinForProcess(path);
  const engine = handleSlot();
  check(lib.dnnl_engine_create(engine, DNNL.cpuEngine, 0n), "engine_create");
  const stream = handleSlot();
  check(lib.dnnl_stream_create(stream, handleIn(engine), DNNL.streamDefault), "stream_create");
  loaded = {
    symbols: lib,
    engine: handleIn(engine),
    stream: handleIn(stream),
    version: version.join("."),
  };
  return loaded;
}

/** Whether oneDNN can be opened here, and why not; loads it (with `threads`) when it can. */
export function probeOneDnn(
  threads: number,
): { available: true } | { available: false; reason: string } {
  try {
    loadOneDnn(threads);
    return { available: true };
  } catch (error) {
    if (error instanceof FerError) return { available: false, reason: error.message };
    throw error;
  }
}
