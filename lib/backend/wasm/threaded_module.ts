/**
 * Loads tfjs-backend-wasm's threaded SIMD build in Deno, where the package cannot: it starts its
 * pthread workers from a blob: URL, which Deno's node:worker_threads rejects, and in Node-like
 * runtimes it never tries threads at all. We load the same emscripten glue and .wasm from the
 * package, point the glue at our own worker script (pthread_worker.cjs), and build the
 * `BackendWasm` ourselves; nothing in node_modules is modified.
 *
 * Thread count: the wasm side caps the pool at half of `emscripten_num_logical_cores()` (it
 * assumes SMT), which would leave a 2-core machine with one thread, so we answer that import with
 * twice the threads asked for.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The emscripten module object a `BackendWasm` is built from. */
export type WasmBackendModule = ConstructorParameters<typeof BackendWasm>[0];

type EmscriptenImports = WebAssembly.Imports & { env: Record<string, unknown> };

/** Emscripten's binding helper, which the package's typings leave out. */
interface Cwrap {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => unknown;
}

type ModuleFactory = (config: {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(
    imports: EmscriptenImports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): Record<string, never>;
  onAbort(message: string): void;
}) => Promise<WasmBackendModule>;

const require = createRequire(import.meta.url);

/** The folder holding the package's emscripten outputs. */
function wasmOutFolder(): string {
  return join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
}

const workerScript = fileURLToPath(new URL("./pthread_worker.cjs", import.meta.url));

/**
 * Instantiates the threaded SIMD module with a pool sized for `threads` threads (the caller
 * included). Rejects when it does not start within `timeoutMs`.
 */
export async function loadThreadedWasmModule(
  threads: number,
  timeoutMs = 60_000,
): Promise<WasmBackendModule> {
  const folder = wasmOutFolder();
  const gluePath = join(folder, "tfjs-backend-wasm-threaded-simd.js");
  const wasmPath = join(folder, "tfjs-backend-wasm-threaded-simd.wasm");
  const factory = require(gluePath) as ModuleFactory;
  let abort: (reason: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => abort = reject);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`threaded wasm did not start within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  let memory: WebAssembly.Memory | undefined;
  const started = factory({
    locateFile: (path) => path.endsWith(".worker.js") ? workerScript : join(folder, path),
    // Each pthread worker loads the glue from this path.
    mainScriptUrlOrBlob: gluePath,
    instantiateWasm: (imports, receive) => {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      memory = imports.env.memory as WebAssembly.Memory;
      WebAssembly.instantiate(Deno.readFileSync(wasmPath), imports)
        .then(({ instance, module }) => receive(instance, module))
        .catch((error) => abort(error instanceof Error ? error : new Error(String(error))));
      return {};
    },
    onAbort: (message) => abort(new Error(`threaded wasm aborted: ${message}`)),
  });
  try {
    const module = await Promise.race([started, aborted, timedOut]);
    // The heap, imported by this build (the plain builds export it as asm.memory): wasm of our
    // own (adam_update.ts) works on it.
    (module as unknown as { wasmMemory?: WebAssembly.Memory }).wasmMemory ??= memory;
    return module;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Adds the `tfjs` bindings that `BackendWasm` expects (the package's own loader adds them after
 * instantiating; these names and signatures are those of tfjs-backend-wasm 4.22).
 */
export function bindBackendFunctions(module: WasmBackendModule): WasmBackendModule {
  const { cwrap } = module as unknown as Cwrap;
  module.tfjs = {
    init: cwrap("init", null, []),
    initWithThreadsCount: cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: cwrap("get_threads_count", "number", []),
    registerTensor: cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: cwrap("dispose_data", null, ["number"]),
    dispose: cwrap("dispose", null, []),
  } as unknown as WasmBackendModule["tfjs"];
  return module;
}

interface PThreadWorkers {
  PThread: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
}

/**
 * Lets the process exit while pthread workers idle. The glue unrefs workers once loaded but refs
 * each again when it starts a thread on it (XNNPACK's pool starts them at backend creation), so a
 * finished `deno run` would never exit. Call after creating the backend.
 */
export function unrefWorkers(module: WasmBackendModule): void {
  const { PThread } = module as unknown as PThreadWorkers;
  for (const worker of [...PThread.unusedWorkers, ...PThread.runningWorkers]) worker.unref();
}
