/**
 * The machine code runs on, as /proc/cpuinfo describes it: benchmarks name it next to their
 * figures and model cards next to their training time (the same command takes twice as long on
 * an older CPU). Other systems get "unknown CPU".
 */

/** The CPU as /proc/cpuinfo describes it. */
export interface CpuDescription {
  readonly model: string;
  /** Logical cores Deno sees. */
  readonly cores: number;
  /** The clock /proc/cpuinfo reports (in a VM usually the nominal one, not the boost clock). */
  readonly mhz?: number;
  readonly avx2: boolean;
  readonly fma: boolean;
  /** The instruction-set flags, e.g. "avx2", "avx512_bf16" (empty when unknown). */
  readonly flags?: readonly string[];
  /** `cpu family` / `model`, e.g. 25 / 1 for AMD Zen 3 (EPYC Milan). */
  readonly family?: number;
  readonly modelNumber?: number;
}

function field(cpuinfo: string, name: string): string | undefined {
  return cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
}

/**
 * Simulates another CPU's instruction sets for tests: its flags, space-separated, replace those of
 * /proc/cpuinfo (e.g. FER_CPU_FLAGS="avx2 fma avx512f avx512_bf16").
 */
export const CPU_FLAGS_OVERRIDE = "FER_CPU_FLAGS";

/** Reads /proc/cpuinfo (its flags replaced by $FER_CPU_FLAGS when set); fields it cannot read are left out. */
export function describeCpu(): CpuDescription {
  let cpuinfo = "";
  try {
    cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    // Not Linux: the description is informational, so an unknown CPU is no error.
  }
  let override: string | undefined;
  try {
    override = Deno.env.get(CPU_FLAGS_OVERRIDE);
  } catch {
    // Without env permission there is no simulation to honour.
  }
  const flags = new Set(
    (override ?? field(cpuinfo, "flags") ?? "").split(/\s+/).filter((flag) => flag !== ""),
  );
  const number = (name: string) => {
    const value = Number(field(cpuinfo, name));
    return Number.isFinite(value) && field(cpuinfo, name) !== undefined ? value : undefined;
  };
  return {
    model: field(cpuinfo, "model name") ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    mhz: number("cpu MHz"),
    avx2: flags.has("avx2"),
    fma: flags.has("fma"),
    flags: [...flags],
    family: number("cpu family"),
    modelNumber: number("model"),
  };
}

/** One line naming the machine, e.g. "AMD EPYC (family 25 model 1), 2 cores, 2.45 GHz". */
export function formatCpu(cpu: CpuDescription): string {
  const id = cpu.family === undefined ? "" : ` (family ${cpu.family} model ${cpu.modelNumber})`;
  const clock = cpu.mhz ? `, ${(cpu.mhz / 1000).toFixed(2)} GHz` : "";
  return `${cpu.model}${id}, ${cpu.cores} cores${clock}`;
}
