/**
 * Runs bench/pytorch_train.py, the PyTorch twin of `fer bench train`, as a subprocess. It needs
 * Debian's python3-torch under /usr/bin/python3 (bench/setup.sh installs it): the `python3` on
 * PATH can be another interpreter without torch, so it is never used.
 */
import { fileURLToPath } from "node:url";

/** The interpreter that has (or gets, via bench/setup.sh) Debian's torch. */
export const PYTORCH_PYTHON = "/usr/bin/python3";

/** The script, found relative to this file so the command works from any directory. */
export const PYTORCH_SCRIPT = fileURLToPath(
  new URL("../../bench/pytorch_train.py", import.meta.url),
);

/** Models bench/pytorch_train.py can build. */
export const PYTORCH_MODELS: readonly string[] = ["liu-cnn5", "resnet18", "mobilenetv2"];

/** What the script prints (a subset of its JSON). */
export interface PytorchResult {
  readonly imagesPerSecond: number;
  readonly medianStepSeconds: number;
  readonly warmupSeconds: number;
  readonly stepSeconds: number[];
  /** Trainable parameters of the PyTorch twin, to compare with ours. */
  readonly params: number;
  readonly threads: number;
  readonly torch: string;
  readonly mkldnn: boolean;
  /** fp32, or bf16 under torch.autocast. */
  readonly precision: "fp32" | "bf16";
}

/** What to run. */
export interface PytorchRequest {
  readonly model: string;
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  readonly threads: number;
  /** bf16: the step under torch.autocast("cpu", dtype=torch.bfloat16). Default fp32. */
  readonly precision?: "fp32" | "bf16";
}

async function output(command: string, args: string[]): Promise<Deno.CommandOutput | undefined> {
  try {
    return await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch {
    return undefined;
  }
}

/**
 * Why PyTorch cannot run `model` with the model options named in `optionKeys`, or undefined when
 * it can: no /usr/bin/python3, no torch (with the fix), a model the script has no twin of, or an
 * option the twin does not follow (only the class count is passed on).
 */
export async function pytorchUnavailable(
  model: string,
  optionKeys: readonly string[] = [],
): Promise<string | undefined> {
  if (!PYTORCH_MODELS.includes(model)) {
    return `bench/pytorch_train.py has no PyTorch twin of '${model}' (it has ${
      PYTORCH_MODELS.join(", ")
    })`;
  }
  const unfollowed = optionKeys.filter((key) => key !== "numClasses" && key !== "seed");
  if (unfollowed.length > 0) {
    return `bench/pytorch_train.py builds '${model}' with its default options only ` +
      `(--model-option ${unfollowed.join(", ")} would make a different network)`;
  }
  try {
    await Deno.stat(PYTORCH_SCRIPT);
  } catch {
    return `${PYTORCH_SCRIPT} is missing (a bundled or compiled fer does not carry it)`;
  }
  const probe = await output(PYTORCH_PYTHON, ["-c", "import torch"]);
  if (!probe) return `${PYTORCH_PYTHON} not found`;
  if (!probe.success) {
    return `torch is not importable by ${PYTORCH_PYTHON}; run bench/setup.sh as root ` +
      "(it installs Debian's python3-torch)";
  }
  return undefined;
}

/** Runs the script and returns its measurement; throws with the script's stderr if it fails. */
export async function runPytorchBenchmark(request: PytorchRequest): Promise<PytorchResult> {
  const [height, width, channels] = request.inputShape;
  const args = [
    PYTORCH_SCRIPT,
    "--model",
    request.model,
    "--batch",
    String(request.batch),
    "--steps",
    String(request.steps),
    "--warmup",
    String(request.warmup),
    "--input",
    `${height}x${width}x${channels}`,
    "--classes",
    String(request.classes),
    "--threads",
    String(request.threads),
    "--precision",
    request.precision ?? "fp32",
  ];
  const result = await output(PYTORCH_PYTHON, args);
  if (!result) throw new Error(`${PYTORCH_PYTHON} could not be started`);
  const stderr = new TextDecoder().decode(result.stderr).trim();
  if (!result.success) throw new Error(`bench/pytorch_train.py failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(result.stdout)) as PytorchResult;
}
