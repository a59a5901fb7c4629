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

/** Signed LEB128 of a 32-bit integer. */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
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
  /** i32.const. */
  i32: (value: number) => [0x41, ...sleb(value)],
  /** f32.const −Infinity. */
  minusInfinity: [0x43, 0x00, 0x00, 0x80, 0xff],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Sub: [0x6b],
  i32DivU: [0x6e],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  i32GtS: [0x4a],
  i32LtS: [0x48],
  /** select: the first operand where the i32 condition is non-zero, else the second. */
  select: [0x1b],
  /** `block` and `loop` without results; `end`; branches by depth. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  /** v128.load and v128.store, 4-byte aligned, offset 0. */
  load: [0xfd, 0x00, 2, 0],
  store: [0xfd, 0x0b, 2, 0],
  /** v128.const of sixteen bytes. */
  v128: (bytes: readonly number[]) => [0xfd, ...leb(0x0c), ...bytes],
  /** i8x16.shuffle: byte i of the result is byte lanes[i] of the two operands (0-15, 16-31). */
  shuffle: (lanes: readonly number[]) => [0xfd, ...leb(0x0d), ...lanes],
  i32x4Splat: [0xfd, ...leb(0x11)],
  f32x4Splat: [0xfd, ...leb(0x13)],
  i32x4Eq: [0xfd, ...leb(0x37)],
  f32x4Gt: [0xfd, ...leb(0x44)],
  f32x4Le: [0xfd, ...leb(0x45)],
  f32x4Ge: [0xfd, ...leb(0x46)],
  /** f32x4.demote_f64x2_zero: two doubles rounded to float32 in lanes 0 and 1, zeros above. */
  f32x4DemoteF64x2: [0xfd, ...leb(0x5e)],
  /** f64x2.promote_low_f32x4: lanes 0 and 1 as doubles. */
  f64x2PromoteLow: [0xfd, ...leb(0x5f)],
  i32x4Add: [0xfd, ...leb(0xae)],
  f32x4Sqrt: [0xfd, ...leb(0xe3)],
  f32x4Add: [0xfd, ...leb(0xe4)],
  f32x4Mul: [0xfd, ...leb(0xe6)],
  f32x4Div: [0xfd, ...leb(0xe7)],
  v128And: [0xfd, ...leb(0x4e)],
  v128AndNot: [0xfd, ...leb(0x4f)],
  v128Or: [0xfd, ...leb(0x50)],
  v128Bitselect: [0xfd, ...leb(0x52)],
  f64x2Add: [0xfd, ...leb(0xf0)],
};

/** `body` run while local `counter` (set to `from`, default 0) is below local `limit`, unsigned. */
export function loopWhileBelow(
  counter: number,
  limit: number,
  body: readonly number[],
  from: readonly number[] = op.i32(0),
): number[] {
  return [
    ...from,
    ...op.set(counter),
    ...op.block,
    ...op.loop,
    ...[...op.get(counter), ...op.get(limit), ...op.i32GeU, ...op.brIf(1)],
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** local += by (i32). */
export function increment(local: number, by: number): number[] {
  return [...op.get(local), ...op.i32(by), ...op.i32Add, ...op.set(local)];
}

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
