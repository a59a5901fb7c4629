/**
 * The one way our kernels and gradients reach TensorFlow.js: each backend lists its entries in a
 * `KernelTable` next to its kernels (cpu/kernels.ts, wasm/training_kernels.ts, onednn/kernels.ts),
 * and init.ts registers the table when it starts the backend. A new kernel is an entry in its
 * backend's table; nothing else registers kernels (profile.ts only wraps them while it times).
 */
import * as tf from "@tensorflow/tfjs";

/** One registration. */
export type KernelEntry =
  /** A kernel of its own, replacing whatever kernel of that name the backend had. */
  | { readonly kernel: tf.KernelConfig }
  /**
   * A kernel that handles the cases it speeds up and passes the rest to the kernel it replaces
   * (which must exist); the replaced kernel's set-up and dispose functions still run.
   */
  | {
    readonly backend: string;
    readonly kernelName: string;
    readonly wrap: (previous: tf.KernelFunc) => tf.KernelFunc;
  }
  /** A gradient: global, whichever backend runs it. */
  | { readonly gradient: tf.GradConfig };

/** The entries of one concern (a backend's training kernels, oneDNN's), registered together. */
export interface KernelTable {
  readonly name: string;
  readonly entries: readonly KernelEntry[];
}

/** What each table registered, and what it replaced, by `backend/kernelName`. */
const registered = new Map<
  string,
  Map<string, { config: tf.KernelConfig; previous?: tf.KernelConfig }>
>();

/**
 * Registers every entry of `table`. Safe to call repeatedly: a kernel of this table that is still
 * registered stays as it is.
 */
export function registerKernelTable(table: KernelTable): void {
  const ours = registered.get(table.name) ?? new Map();
  registered.set(table.name, ours);
  for (const entry of table.entries) {
    if ("gradient" in entry) {
      tf.registerGradient(entry.gradient);
      continue;
    }
    const [backend, kernelName] = "kernel" in entry
      ? [entry.kernel.backendName, entry.kernel.kernelName]
      : [entry.backend, entry.kernelName];
    const key = `${backend}/${kernelName}`;
    const previous = tf.getKernel(kernelName, backend);
    if (previous !== undefined && previous === ours.get(key)?.config) continue;
    let config: tf.KernelConfig;
    if ("kernel" in entry) {
      config = entry.kernel;
    } else {
      if (previous === undefined) {
        throw new Error(`the ${backend} backend ships no '${kernelName}' kernel to build on`);
      }
      config = {
        kernelName,
        backendName: backend,
        kernelFunc: entry.wrap(previous.kernelFunc),
        setupFunc: previous.setupFunc,
        disposeFunc: previous.disposeFunc,
      };
    }
    if (previous !== undefined) tf.unregisterKernel(kernelName, backend);
    tf.registerKernel(config);
    ours.set(key, { config, previous });
  }
}

/** Puts back the kernels that `table` replaced and removes the ones it added (not gradients). */
export function unregisterKernelTable(name: string): void {
  const ours = registered.get(name);
  if (!ours) return;
  for (const { config, previous } of [...ours.values()].reverse()) {
    if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    if (previous !== undefined) tf.registerKernel(previous);
  }
  registered.delete(name);
}

/** The kernel names of `table`'s entries, gradients left out. */
export function kernelNames(table: KernelTable): string[] {
  return table.entries.flatMap((entry) =>
    "gradient" in entry ? [] : ["kernel" in entry ? entry.kernel.kernelName : entry.kernelName]
  );
}
