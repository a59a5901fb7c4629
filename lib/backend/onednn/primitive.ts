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
