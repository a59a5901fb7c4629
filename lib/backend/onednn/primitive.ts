/**
 * What every oneDNN kernel here shares: building primitives once per shape, memory objects whose
 * data pointer is set per call (to tensors in the wasm heap), and running a primitive's steps.
 */
import { check, DNNL, handleIn, handleSlot, type OneDnn } from "./library.ts";

/** One ready operation: its primitives in order, and the memory objects a call points at data. */
export interface Primitive {
  /** Memory objects for the tensors of a call, by argument (DNNL.arg). */
  readonly tensors: ReadonlyMap<number, Deno.PointerValue>;
  /** Primitives with their argument lists, run in order. */
  readonly steps: ReadonlyArray<{ handle: Deno.PointerValue; args: BigUint64Array }>;
  /** oneDNN's name for the main primitive's implementation, e.g. "jit:avx2". */
  readonly implementation: string;
}

const cache = new Map<string, Primitive>();

/** The primitive for `key` (everything its shape depends on), built on first use. */
export function cachedPrimitive(key: readonly unknown[], build: () => Primitive): Primitive {
  const text = JSON.stringify(key);
  let primitive = cache.get(text);
  if (!primitive) {
    primitive = build();
    cache.set(text, primitive);
  }
  return primitive;
}

/**
 * Primitives for keys that take many values over a process (e.g. one per flat tensor size, which
 * varies with the batch and face count in predict): the `capacity` most recently used are kept,
 * the least recently used one is destroyed to make room for a new one.
 */
export class BoundedPrimitiveCache {
  private readonly entries = new Map<string, Primitive>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a primitive cache holds at least one primitive, got ${capacity}`);
    }
  }

  /** How many primitives are held now. */
  get size(): number {
    return this.entries.size;
  }

  /** The primitive for `key`, built on first use or after its eviction. */
  get(lib: OneDnn, key: readonly unknown[], build: () => Primitive): Primitive {
    const text = JSON.stringify(key);
    const held = this.entries.get(text);
    if (held) {
      // A Map iterates in insertion order: re-inserting keeps the least recently used first.
      this.entries.delete(text);
      this.entries.set(text, held);
      return held;
    }
    const primitive = build();
    this.entries.set(text, primitive);
    for (const [oldest, evicted] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
      destroyPrimitive(lib, evicted);
    }
    return primitive;
  }
}

/**
 * Frees a primitive's oneDNN objects: its primitives and every memory object its steps take
 * (memory set per call holds no data of its own, so no tensor is freed).
 */
export function destroyPrimitive(lib: OneDnn, primitive: Primitive): void {
  const memories = new Set<bigint>();
  for (const step of primitive.steps) {
    for (let i = 1; i < step.args.length; i += 2) memories.add(step.args[i]);
  }
  for (const memory of primitive.tensors.values()) {
    memories.add(BigInt(Deno.UnsafePointer.value(memory)));
  }
  for (const step of primitive.steps) {
    check(lib.symbols.dnnl_primitive_destroy(step.handle), "primitive_destroy");
  }
  for (const memory of memories) {
    check(lib.symbols.dnnl_memory_destroy(Deno.UnsafePointer.create(memory)), "memory_destroy");
  }
}

export function primitiveDesc(
  lib: OneDnn,
  desc: Uint8Array,
  hint: Deno.PointerValue | null,
  attributes: Deno.PointerValue | null = null,
): Deno.PointerValue {
  const slot = handleSlot();
  check(
    lib.symbols.dnnl_primitive_desc_create(slot, desc, attributes, lib.engine, hint),
    "primitive_desc_create",
  );
  return handleIn(slot);
}

export function implementationName(lib: OneDnn, primitiveDescHandle: Deno.PointerValue): string {
  const slot = handleSlot();
  check(
    lib.symbols.dnnl_primitive_desc_query(primitiveDescHandle, DNNL.queryImplInfo, 0, slot),
    "primitive_desc_query",
  );
  return new Deno.UnsafePointerView(handleIn(slot)!).getCString();
}

export function createPrimitive(
  lib: OneDnn,
  primitiveDescHandle: Deno.PointerValue,
): Deno.PointerValue {
  const slot = handleSlot();
  check(lib.symbols.dnnl_primitive_create(slot, primitiveDescHandle), "primitive_create");
  return handleIn(slot);
}

/** A memory object for `desc`; without `allocate`, its data pointer is set before each call. */
export function createMemory(
  lib: OneDnn,
  desc: Deno.PointerValue,
  allocate = false,
): Deno.PointerValue {
  const slot = handleSlot();
  // DNNL_MEMORY_ALLOCATE is (void*)-1; a null handle means "set later".
  const handle = allocate ? Deno.UnsafePointer.create(0xffffffffffffffffn) : null;
  check(lib.symbols.dnnl_memory_create(slot, desc, lib.engine, handle), "memory_create");
  return handleIn(slot);
}

export function argumentList(args: ReadonlyArray<[number, Deno.PointerValue]>): BigUint64Array {
  // dnnl_exec_arg_t is { int arg; dnnl_memory_t memory; }: 16 bytes on x86-64.
  const list = new BigUint64Array(2 * args.length);
  args.forEach(([arg, memory], i) => {
    list[2 * i] = BigInt(arg);
    list[2 * i + 1] = BigInt(Deno.UnsafePointer.value(memory));
  });
  return list;
}

/** Points the primitive's memory at `data` (views of tensors, by argument) and runs it. */
export function runPrimitive(
  lib: OneDnn,
  primitive: Primitive,
  data: ReadonlyMap<number, ArrayBufferView>,
): void {
  for (const [arg, memory] of primitive.tensors) {
    const view = data.get(arg);
    if (view === undefined) throw new Error(`oneDNN: no data for argument ${arg}`);
    check(
      lib.symbols.dnnl_memory_set_data_handle(memory, Deno.UnsafePointer.of(view)),
      "memory_set_data_handle",
    );
  }
  for (const step of primitive.steps) {
    check(
      lib.symbols.dnnl_primitive_execute(step.handle, lib.stream, step.args.length / 2, step.args),
      "primitive_execute",
    );
  }
  check(lib.symbols.dnnl_stream_wait(lib.stream), "stream_wait");
}
