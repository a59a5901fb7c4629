/**
 * The arithmetic peak of the machine a benchmark ran on (lib/machine.ts describes it), so every
 * figure can say how close to the hardware it came; unknown CPUs get no peak.
 */
import type { CpuDescription } from "../../lib/machine.ts";

/** The theoretical fp32 peak and how it was computed. */
export interface PeakFlops {
  readonly gflops: number;
  /** The formula with its numbers, e.g. "2 cores × 8 lanes × 2 FMA units × 2 flops × 2.45 GHz". */
  readonly formula: string;
}

/**
 * fp32 peak: cores × SIMD lanes × FMA units × 2 flops per FMA × clock. Two 256-bit FMA units per
 * core is what AVX2+FMA x86 cores since Haswell / Zen 2 have; AMD Zen 1 and Zen+ (family 23,
 * models below 0x30) split each 256-bit FMA into two 128-bit halves, which halves the lanes.
 * Undefined without a clock or without FMA.
 */
export function peakFlops(cpu: CpuDescription): PeakFlops | undefined {
  if (!cpu.mhz || !cpu.fma) return undefined;
  const zen1 = cpu.family === 23 && (cpu.modelNumber ?? 0) < 0x30;
  const lanes = cpu.avx2 && !zen1 ? 8 : 4;
  const ghz = cpu.mhz / 1000;
  return {
    gflops: cpu.cores * lanes * 2 * 2 * ghz,
    formula: `${cpu.cores} cores × ${lanes} fp32 lanes × 2 FMA units × 2 flops × ${
      ghz.toFixed(2)
    } GHz`,
  };
}

/**
 * Flops of one training step per image, by the usual convention: the forward pass costs 2 flops
 * per MAC, and the backward pass twice the forward (gradients for the inputs and for the weights),
 * so a step is 3 × 2 × MACs. Optimizer updates, BN, activations and pooling are not counted.
 */
export function trainingFlopsPerImage(macsPerImage: number): number {
  return 3 * 2 * macsPerImage;
}

/** Effective GFLOP/s of a training run at `imagesPerSecond`. */
export function trainingGflops(macsPerImage: number, imagesPerSecond: number): number {
  return trainingFlopsPerImage(macsPerImage) * imagesPerSecond / 1e9;
}

/** The 1-minute load average from /proc/loadavg (other work sharing the cores), if readable. */
export function loadAverage(): number | undefined {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return undefined;
  }
}
