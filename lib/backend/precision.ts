/**
 * Mixed precision, as PyTorch's CPU autocast and Keras' `mixed_bfloat16` policy do it: in `bf16`
 * the onednn backend's convolutions take bfloat16 inputs and accumulate in fp32 (see
 * onednn/convolution.ts); weights, optimizer state, batch norm, softmax and the loss stay fp32.
 *
 * bf16 runs only where the CPU computes it natively (AVX-512 BF16, or AMX): oneDNN would otherwise
 * emulate it on AVX-512 at a fraction of fp32's speed, or refuse it on AVX2. `auto` picks fp32 for
 * now: the issue allows it to pick bf16 only once a measured parity run (liu-cnn5, 10 epochs on
 * FER2013, fp32 against bf16) shows no loss of accuracy, which needs a CPU with avx512_bf16.
 */
import { FerError, unknownChoice } from "../errors.ts";
import { type CpuDescription, describeCpu } from "../machine.ts";

/** What a user can ask for. */
export type PrecisionChoice = "fp32" | "bf16" | "auto";
/** What runs. */
export type Precision = "fp32" | "bf16";

export const precisionChoices: readonly PrecisionChoice[] = ["fp32", "bf16", "auto"];

/** CPU flags (as /proc/cpuinfo names them) any one of which computes bf16 products natively. */
export const BF16_CPU_FLAGS = ["avx512_bf16", "amx_bf16"] as const;

/** The backends that have a bf16 path. */
const BF16_BACKENDS = ["onednn"];

/** Whether `cpu` computes bf16 natively, and if not, why not (for messages and test skips). */
export function bf16Support(
  cpu: CpuDescription = describeCpu(),
): { supported: true } | { supported: false; reason: string } {
  const flags = new Set(cpu.flags ?? []);
  if (BF16_CPU_FLAGS.some((flag) => flags.has(flag))) return { supported: true };
  const shown = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "amx_bf16"]
    .filter((flag) => flags.has(flag));
  return {
    supported: false,
    reason:
      `bf16 needs a CPU with avx512_bf16 (AVX-512 BF16) or amx_bf16; this CPU (${cpu.model}, ` +
      `flags: ${shown.join(" ") || "none of avx2 fma avx512f avx512bw avx512vl"}) has neither`,
  };
}

/**
 * The precision that runs for `choice` on `backend` (the backend's name as started, e.g.
 * "onednn"). A bf16 that cannot run is a FerError saying why and what to use instead.
 */
export function resolvePrecision(
  choice: PrecisionChoice,
  backend: string,
  cpu: CpuDescription = describeCpu(),
): Precision {
  if (!precisionChoices.includes(choice)) {
    throw unknownChoice("precision", choice, precisionChoices);
  }
  if (choice !== "bf16") return "fp32";
  if (!BF16_BACKENDS.includes(backend)) {
    throw new FerError(
      `--precision bf16 needs the onednn backend, not ${backend}: use --backend onednn ` +
        "or --precision fp32",
    );
  }
  const support = bf16Support(cpu);
  if (!support.supported) throw new FerError(`${support.reason}: use --precision fp32`);
  return "bf16";
}
