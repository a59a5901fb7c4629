/**
 * Where a training step's time goes, kernel by kernel. Every kernel registered for the active
 * backend is wrapped in a timer for one step, then restored. Times are wall-clock around each
 * kernel function: exact for cpu and wasm, whose kernels run synchronously; for WebGPU they only
 * cover encoding, not GPU execution. "self" excludes kernels called from inside a kernel (ours
 * compose wasm kernels through the registry).
 */
import * as tf from "@tensorflow/tfjs";

/** Time spent in one kernel over a profiled step. */
export interface KernelTime {
  readonly kernel: string;
  /** Milliseconds including nested kernels. */
  readonly ms: number;
  /** Milliseconds excluding nested kernels. */
  readonly selfMs: number;
  readonly calls: number;
}

/** A profiled step: kernels by descending self time, plus the time outside any kernel. */
export interface StepProfile {
  readonly backend: string;
  readonly stepMs: number;
  /** Step time not spent inside kernels: the engine, gradient tape and layer code in JS. */
  readonly outsideKernelsMs: number;
  readonly kernels: KernelTime[];
}

function shapesOf(inputs: tf.NamedTensorInfoMap): string {
  return Object.values(inputs).map((t) => t ? `[${t.shape}]` : "-").join(" ");
}

/**
 * Runs `compute` with every kernel of the active backend timed. Kernel registrations are restored
 * even when `compute` throws.
 */
export async function profileKernels(
  compute: () => Promise<void> | void,
  options: { byShape?: boolean } = {},
): Promise<StepProfile> {
  const backend = tf.getBackend();
  const originals = tf.getKernelsForBackend(backend);
  const totals = new Map<string, { ms: number; selfMs: number; calls: number }>();
  // Time spent in children of each active kernel, innermost last.
  const childTime: number[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    const wrapped: tf.KernelFunc = (args) => {
      childTime.push(0);
      const start = performance.now();
      try {
        return inner(args);
      } finally {
        const elapsed = performance.now() - start;
        const children = childTime.pop()!;
        if (childTime.length > 0) childTime[childTime.length - 1] += elapsed;
        const key = options.byShape
          ? `${config.kernelName} ${shapesOf(args.inputs)}`
          : config.kernelName;
        const entry = totals.get(key) ?? { ms: 0, selfMs: 0, calls: 0 };
        entry.ms += elapsed;
        entry.selfMs += elapsed - children;
        entry.calls++;
        totals.set(key, entry);
      }
    };
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
  const start = performance.now();
  try {
    await compute();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel(config);
    }
  }
  const stepMs = performance.now() - start;
  const kernels = [...totals].map(([kernel, t]) => ({ kernel, ...t }))
    .sort((a, b) => b.selfMs - a.selfMs);
  const inKernels = kernels.reduce((sum, k) => sum + k.selfMs, 0);
  return { backend, stepMs, outsideKernelsMs: stepMs - inKernels, kernels };
}

/** Options for profileSteps. */
export interface ProfileOptions {
  /** Unprofiled steps first (shader compilation, XNNPACK operators, memory growth); default 1. */
  readonly warmupSteps?: number;
  /** Profiled steps, averaged; default 1. Use several on a busy machine. */
  readonly steps?: number;
  /** Time each kernel separately per input shapes. */
  readonly byShape?: boolean;
}

/** Divides every time in `profile` by `steps` (calls too), giving per-step figures. */
function perStep(profile: StepProfile, steps: number): StepProfile {
  return {
    ...profile,
    stepMs: profile.stepMs / steps,
    outsideKernelsMs: profile.outsideKernelsMs / steps,
    kernels: profile.kernels.map((k) => ({
      ...k,
      ms: k.ms / steps,
      selfMs: k.selfMs / steps,
      calls: k.calls / steps,
    })),
  };
}

/**
 * Profiles `step` per kernel, averaged per step. `step` is typically lib/train's trainingStep on
 * a synthetic batch (a callback, since lib/train builds on this module) and must resolve only when
 * its work has finished, e.g. after reading the loss.
 */
export async function profileSteps(
  step: () => Promise<unknown>,
  options: ProfileOptions = {},
): Promise<StepProfile> {
  const steps = options.steps ?? 1;
  for (let i = 0; i < (options.warmupSteps ?? 1); i++) await step();
  const profile = await profileKernels(async () => {
    for (let i = 0; i < steps; i++) await step();
  }, { byShape: options.byShape });
  return perStep(profile, steps);
}

/** The profile as an aligned text table, the `top` kernels by self time. */
export function formatProfile(profile: StepProfile, top = 15): string {
  const width = Math.max(24, ...profile.kernels.slice(0, top).map((k) => k.kernel.length));
  const lines = [
    `${profile.backend}: step ${profile.stepMs.toFixed(0)} ms, outside kernels ${
      profile.outsideKernelsMs.toFixed(0)
    } ms`,
    `${"kernel".padEnd(width)} ${"self ms".padStart(9)} ${"total ms".padStart(9)} ${
      "calls".padStart(6)
    } ${"share".padStart(6)}`,
  ];
  for (const k of profile.kernels.slice(0, top)) {
    lines.push(
      `${k.kernel.padEnd(width)} ${k.selfMs.toFixed(1).padStart(9)} ${
        k.ms.toFixed(1).padStart(9)
      } ${String(k.calls).padStart(6)} ${
        (100 * k.selfMs / profile.stepMs).toFixed(1).padStart(5)
      }%`,
    );
  }
  return lines.join("\n");
}
