/**
 * Choosing and starting the TensorFlow.js backend that training and evaluation run on.
 *
 * - `webgpu`: a real GPU through Deno's WebGPU (our factory, see webgpu.ts).
 * - `wasm`: XNNPACK with SIMD, threaded where possible (threaded_module.ts), plus the kernels
 *   training needs (wasm/training_kernels.ts). The fast CPU path.
 * - `onednn`: wasm with its convolutions and training batch norm run by oneDNN (Debian's libdnnl2)
 *   through Deno's FFI, on the same wasm-heap tensors (onednn/kernels.ts): 2-5× faster
 *   convolutions than XNNPACK here, and batch norm in two passes instead of tfjs's five to eight.
 * - `cpu`: tfjs's plain JavaScript kernels, ~100× slower than wasm on convolutions; a reference.
 *   Its filter gradient is ours (cpu/conv2d_backprop_filter.ts), equal and much faster.
 * - `auto`: WebGPU when Deno offers a hardware adapter, else onednn when oneDNN can be opened, else
 *   wasm. Software adapters (llvmpipe, lavapipe) are slower than wasm and never chosen
 *   automatically. With precision bf16, `auto` means onednn, the one backend with a bf16 path.
 *
 * Precision (precision.ts): fp32 everywhere; bf16 convolutions on onednn where the CPU has
 * avx512_bf16 or AMX.
 */
import * as tf from "@tensorflow/tfjs";
import "./tfjs_mode.ts";
import * as wasmBackend from "@tensorflow/tfjs-backend-wasm";
import { FerError, unknownChoice } from "../errors.ts";
import { registerWasmTrainingKernels } from "./wasm/training_kernels.ts";
import { registerCpuTrainingKernels } from "./cpu/conv2d_backprop_filter.ts";
import {
  bindBackendFunctions,
  loadThreadedWasmModule,
  unrefWorkers,
} from "./wasm/threaded_module.ts";
import { registerDenoWebGpuBackend, webGpuAdapter, webGpuFailure } from "./webgpu.ts";
import { requestGpuAdapter } from "./gpu_adapter.ts";
import { guardWasmAllocations } from "./wasm/memory_guard.ts";
import { loadOneDnn } from "./onednn/library.ts";
import { registerOneDnnKernels, unregisterOneDnnKernels } from "./onednn/kernels.ts";
import { type Precision, type PrecisionChoice, resolvePrecision } from "./precision.ts";

/** What a user can ask for. */
export type BackendChoice = "auto" | "webgpu" | "onednn" | "wasm" | "cpu";

/** The valid choices, for command-line options. */
export const backendChoices: readonly BackendChoice[] = ["auto", "webgpu", "onednn", "wasm", "cpu"];

/** Options for initBackend. */
export interface BackendOptions {
  /**
   * wasm and oneDNN threads, the calling thread included. Default: OMP_NUM_THREADS when set (as
   * PyTorch reads it), else the number of logical cores. 1 uses the non-threaded SIMD build and
   * starts no workers.
   */
  readonly threads?: number;
  /** fp32 (default), bf16 (onednn on a CPU with avx512_bf16; else a FerError), or auto (fp32). */
  readonly precision?: PrecisionChoice;
}

/** The backend that is running, as training prints it. */
export interface BackendInfo {
  readonly name: "webgpu" | "wasm" | "cpu";
  /** WebGPU: the adapter's description, e.g. "NVIDIA GeForce RTX 3060". */
  readonly adapter?: string;
  /** wasm: threads XNNPACK uses. */
  readonly threads?: number;
  /** wasm: whether the SIMD build runs. */
  readonly simd?: boolean;
  /** onednn: the oneDNN its convolutions and training batch norm run in, e.g. "oneDNN 2.6.3". */
  readonly oneDnn?: string;
  /** The precision its convolutions run in. */
  readonly precision: Precision;
  /** Why the backend runs with less than was asked (e.g. threads that could not start). */
  readonly notes: readonly string[];
  /** One line for logs, e.g. "wasm (XNNPACK, SIMD, 2 threads)". */
  readonly description: string;
}

let current: { key: string; info: BackendInfo } | undefined;
/** Threads of the started wasm module; a process can only have one. */
let wasmThreadsStarted: number | undefined;

/**
 * OMP_NUM_THREADS when set, else the logical cores. Two trainings side by side with one thread
 * each get more done on 2 cores than one after the other with two (docs/BENCHMARKS.md).
 */
export function defaultThreads(): number {
  let fromEnvironment: string | undefined;
  try {
    fromEnvironment = Deno.env.get("OMP_NUM_THREADS")?.trim();
  } catch {
    // A script without --allow-env computes with every core.
  }
  if (fromEnvironment) {
    const threads = Number(fromEnvironment);
    if (!Number.isInteger(threads) || threads < 1) {
      throw new FerError(
        `OMP_NUM_THREADS must be a positive integer (the threads to compute with), got ` +
          `'${fromEnvironment}'`,
      );
    }
    return threads;
  }
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

async function startCpu(): Promise<BackendInfo> {
  registerCpuTrainingKernels();
  if (!(await tf.setBackend("cpu"))) throw new FerError("the cpu backend could not start");
  return {
    name: "cpu",
    precision: "fp32",
    notes: [],
    description: "cpu (plain JavaScript kernels; slow, for reference)",
  };
}

async function registerThreadedWasm(threads: number): Promise<void> {
  const module = bindBackendFunctions(await loadThreadedWasmModule(threads));
  // BackendWasm reads the requested count when constructed.
  wasmBackend.setThreadsCount(threads);
  if (tf.findBackendFactory("wasm") !== undefined) tf.removeBackend("wasm");
  tf.registerBackend("wasm", () => {
    const backend = new wasmBackend.BackendWasm(module);
    unrefWorkers(module);
    return backend;
  }, 2);
}

/** Starts wasm; `label` names it in the description ("wasm + onednn" when oneDNN joins it). */
async function startWasm(options: BackendOptions, label = "wasm"): Promise<BackendInfo> {
  const requested = options.threads ?? defaultThreads();
  if (!Number.isInteger(requested) || requested < 1) {
    throw new FerError(`wasm threads must be a positive integer, got ${requested}`);
  }
  const notes: string[] = [];
  unregisterOneDnnKernels();
  registerWasmTrainingKernels();
  if (wasmThreadsStarted === undefined) {
    if (requested > 1) {
      try {
        await registerThreadedWasm(requested);
      } catch (error) {
        notes.push(`threads unavailable (${error instanceof Error ? error.message : error})`);
      }
    }
  } else if (wasmThreadsStarted !== requested) {
    notes.push(
      `wasm already runs with ${wasmThreadsStarted} thread(s) in this process; ` +
        `${requested} cannot be started`,
    );
  }
  let started = false;
  try {
    started = await tf.setBackend("wasm");
  } catch (error) {
    throw new FerError(`the wasm backend could not start: ${error}`);
  }
  if (!started) throw new FerError("the wasm backend could not start (see the warning above)");
  guardWasmAllocations((tf.backend() as wasmBackend.BackendWasm).wasm);
  const threads = wasmBackend.getThreadsCount();
  wasmThreadsStarted ??= requested > 1 && notes.length === 0 ? requested : 1;
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") as boolean;
  const parts = [
    "XNNPACK",
    simd ? "SIMD" : "no SIMD",
    `${threads} thread${threads === 1 ? "" : "s"}`,
  ];
  return {
    name: "wasm",
    precision: "fp32",
    threads,
    simd,
    notes,
    description: `${label} (${parts.join(", ")})${notes.length ? `; ${notes.join("; ")}` : ""}`,
  };
}

async function startOneDnn(
  options: BackendOptions,
  precision: Precision = "fp32",
): Promise<BackendInfo> {
  const lib = loadOneDnn(options.threads ?? defaultThreads());
  const wasm = await startWasm(options, "wasm + onednn");
  registerOneDnnKernels(lib, precision);
  const oneDnn = `oneDNN ${lib.version}`;
  return {
    ...wasm,
    oneDnn,
    precision,
    description:
      `${wasm.description}; convolutions, dense layers, ReLU and batch norm in ${oneDnn}` +
      (precision === "bf16" ? "; convolutions in bf16 with fp32 accumulation" : ""),
  };
}

async function startWebGpu(): Promise<BackendInfo> {
  await registerDenoWebGpuBackend();
  let started = false;
  try {
    started = await tf.setBackend("webgpu");
  } catch (error) {
    throw new FerError(`the webgpu backend could not start: ${error}`);
  }
  const adapter = webGpuAdapter();
  if (!started || !adapter) {
    throw new FerError(
      `the webgpu backend could not start: ${webGpuFailure() ?? "unknown reason"}`,
    );
  }
  const notes = adapter.software
    ? ["software adapter: slower than wasm, for correctness checks only"]
    : [];
  return {
    name: "webgpu",
    precision: "fp32",
    adapter: adapter.description,
    notes,
    description: `webgpu (${adapter.description})${notes.length ? `; ${notes[0]}` : ""}`,
  };
}

/** Resolves `auto` as far as WebGPU: a hardware adapter if Deno offers one, else a CPU backend. */
async function resolveAuto(): Promise<{ choice: "webgpu" | "wasm"; why: string }> {
  const found = await requestGpuAdapter({ onlyWithDevice: true });
  if ("reason" in found) return { choice: "wasm", why: found.reason };
  if (found.summary.software) {
    return { choice: "wasm", why: `WebGPU adapter '${found.summary.description}' is software` };
  }
  return { choice: "webgpu", why: `hardware adapter '${found.summary.description}'` };
}

/**
 * Starts the backend for `choice` and makes it tfjs's current backend. Calling it again with the
 * same arguments returns the same info without restarting anything; switching between backends
 * is allowed. A backend that cannot start is a FerError saying why.
 */
export async function initBackend(
  choice: BackendChoice,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (!backendChoices.includes(choice)) throw unknownChoice("backend", choice, backendChoices);
  // Checked before anything starts: bf16 on another backend or a CPU without it fails here.
  const bf16Auto = options.precision === "bf16" && choice === "auto";
  const precision = resolvePrecision(options.precision ?? "fp32", bf16Auto ? "onednn" : choice);
  const key = JSON.stringify([choice, options.threads ?? null, precision]);
  if (current?.key === key && tf.getBackend() === current.info.name) return current.info;
  let info: BackendInfo;
  if (bf16Auto) {
    const started = await startOneDnn(options, precision);
    info = { ...started, notes: [...started.notes, "auto: bf16 runs on onednn only"] };
  } else if (choice === "auto") {
    const { choice: resolved, why } = await resolveAuto();
    let started: BackendInfo | undefined;
    let reason = why;
    if (resolved === "webgpu") {
      try {
        started = await startWebGpu();
      } catch (error) {
        if (!(error instanceof FerError)) throw error;
        reason = `${why} failed: ${error.message}`;
      }
    }
    if (!started) {
      try {
        started = await startOneDnn(options);
      } catch (error) {
        if (!(error instanceof FerError)) throw error;
        reason = `${reason}; onednn: ${error.message}`;
      }
    }
    started ??= await startWasm(options);
    info = { ...started, notes: [...started.notes, `auto: ${reason}`] };
  } else if (choice === "webgpu") {
    info = await startWebGpu();
  } else if (choice === "onednn") {
    info = await startOneDnn(options, precision);
  } else if (choice === "wasm") {
    info = await startWasm(options);
  } else {
    info = await startCpu();
  }
  current = { key, info };
  return info;
}

/**
 * Makes sure a tfjs backend runs and returns its description. `choice` starts that backend.
 * Without one, a backend already running (e.g. `train` writing its report at its end) is kept,
 * else "auto" picks one as `train` does: library calls such as loading a model for predict then
 * work without a backend set up first, and not on the slow plain cpu backend.
 */
export async function ensureBackend(choice?: BackendChoice): Promise<string> {
  if (choice) return (await initBackend(choice)).description;
  const running = tf.engine().backendName;
  if (running) return running;
  return (await initBackend("auto")).description;
}
