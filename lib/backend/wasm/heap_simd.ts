/**
 * Small wasm SIMD functions of our own, assembled here (no toolchain) and instantiated on the wasm
 * backend's heap memory, so they read and write tensors in place with 128-bit vectors: for
 * element-wise work that tfjs spreads over many kernels or that a JS loop does one lane at a time
 * (adam_update.ts, max_pool_grad.ts). Each takes byte addresses in the heap.
 */
import type * as tf from "@tensorflow/tfjs";

/** LEB128 of an unsigned integer. */
function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

/** The instructions the functions use, as bytes. */
export const op = {
  get: (local: number) => [0x20, ...leb(local)],
  set: (local: number) => [0x21, ...leb(local)],
  /** i32.const for 0 ≤ value < 64 (one byte of signed LEB128). */
  i32: (value: number) => {
    if (value < 0 || value >= 64) throw new Error(`i32 constant ${value} needs a longer encoding`);
    return [0x41, value];
  },
  /** f32.const −Infinity. */
  minusInfinity: [0x43, 0x00, 0x00, 0x80, 0xff],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  /** `block` and `loop` without results; `end`; branches by depth. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  /** v128.load and v128.store, 4-byte aligned, offset 0. */
  load: [0xfd, 0x00, 2, 0],
  store: [0xfd, 0x0b, 2, 0],
  f32x4Splat: [0xfd, ...leb(0x13)],
  f32x4Gt: [0xfd, ...leb(0x44)],
  f32x4Sqrt: [0xfd, ...leb(0xe3)],
  f32x4Add: [0xfd, ...leb(0xe4)],
  f32x4Mul: [0xfd, ...leb(0xe6)],
  f32x4Div: [0xfd, ...leb(0xe7)],
  v128And: [0xfd, ...leb(0x4e)],
  v128AndNot: [0xfd, ...leb(0x4f)],
  v128Or: [0xfd, ...leb(0x50)],
  v128Bitselect: [0xfd, ...leb(0x52)],
};

/** A function's shape and code: parameter types, local variables (count, type) and its body. */
export interface HeapFunctionCode {
  readonly params: readonly number[];
  readonly locals: ReadonlyArray<readonly [number, number]>;
  readonly body: readonly number[];
}

/** A module importing env.memory (shared or not, as the heap is) and exporting `run`. */
function moduleBytes(code: HeapFunctionCode, shared: boolean): Uint8Array<ArrayBuffer> {
  const text = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const func = [
    ...leb(code.locals.length),
    ...code.locals.flatMap(([count, type]) => [...leb(count), type]),
    ...code.body,
    ...op.end,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, ...leb(code.params.length), ...code.params, 0]),
    ...section(2, [
      1,
      ...text("env"),
      ...text("memory"),
      0x02,
      ...(shared ? [0x03, 1, ...leb(65536)] : [0x00, 1]),
    ]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...text("run"), 0x00, 0]),
    ...section(10, [1, ...leb(func.length), ...func]),
  ]);
}

export type HeapFunction = (...args: number[]) => void;

/** Instances per heap memory and function. */
const instances = new WeakMap<object, Map<HeapFunctionCode, HeapFunction | null>>();

/**
 * `code` instantiated on the heap of `backend` (a wasm backend); null where its memory object
 * cannot be found or the function does not compile, and the caller's JS loop runs instead.
 */
export function heapFunction(
  backend: tf.KernelBackend,
  code: HeapFunctionCode,
): HeapFunction | null {
  const module = (backend as unknown as {
    wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  }).wasm;
  // The threaded build imports its heap (threaded_module.ts keeps it); the plain builds export it.
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  const functions = instances.get(memory) ?? new Map();
  instances.set(memory, functions);
  let run = functions.get(code);
  if (run === undefined) {
    try {
      const shared = memory.buffer instanceof SharedArrayBuffer;
      const instance = new WebAssembly.Instance(
        new WebAssembly.Module(moduleBytes(code, shared)),
        { env: { memory } },
      );
      run = instance.exports.run as HeapFunction;
    } catch {
      run = null;
    }
    functions.set(code, run);
  }
  return run;
}
