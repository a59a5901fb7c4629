/**
 * Checks for model options: `resolveFamilyOptions` for every family's (`ModelSpec.resolveOptions`
 * defaults to it), the single checks for the registry's common ones and for a family that
 * overrides it. Each throws a UsageError naming the model and option.
 */
import { unknownChoice, UsageError } from "../errors.ts";
import type { FamilyOptions, InputShape, StemKind } from "./types.ts";

/** `value` must be a number passing `valid`; `expected` says what that is ("in [0, 1)"). */
export function checkNumber(
  model: string,
  option: string,
  value: number | undefined,
  valid: (v: number) => boolean,
  expected: string,
): void {
  if (typeof value !== "number" || !valid(value)) {
    throw new UsageError(`${model}: option ${option} must be ${expected}, got ${value}`);
  }
}

/** A dropout rate in [0, 1), when set. */
export function checkRate(model: string, option: string, value: number | undefined): void {
  if (value !== undefined) checkNumber(model, option, value, (v) => v >= 0 && v < 1, "in [0, 1)");
}

/** A factor ≥ 0 (an L2 penalty), when set. */
export function checkNonNegative(model: string, option: string, value: number | undefined): void {
  if (value !== undefined) checkNumber(model, option, value, (v) => v >= 0, "≥ 0");
}

/** A factor > 0 (a width multiplier), when set. */
export function checkPositive(model: string, option: string, value: number | undefined): void {
  if (value !== undefined) checkNumber(model, option, value, (v) => v > 0, "> 0");
}

/** true or false, when set. */
export function checkBoolean(model: string, option: string, value: boolean | undefined): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new UsageError(`${model}: option ${option} must be true or false`);
  }
}

/** The stem for `shape`: `auto` is `small` up to 64 px and `imagenet` above (see StemKind). */
export function resolveStem(stem: StemKind, shape: InputShape): StemKind {
  const choices: StemKind[] = ["auto", "small", "imagenet"];
  if (!choices.includes(stem)) throw unknownChoice("stem", String(stem), choices);
  if (stem !== "auto") return stem;
  return Math.max(shape[0], shape[1]) <= 64 ? "small" : "imagenet";
}

/**
 * Checks each family option present in `options` (a family's `defaults` with the user's options
 * merged over them, so exactly the keys it declares) by its kind and returns the stem resolved
 * for `shape` when the family has one. The checks run in the order of FamilyOptions's fields.
 */
export function resolveFamilyOptions(
  options: FamilyOptions,
  shape: InputShape,
  name: string,
): FamilyOptions {
  checkRate(name, "dropout", options.dropout);
  checkRate(name, "convDropout", options.convDropout);
  checkNonNegative(name, "l2", options.l2);
  checkPositive(name, "widthMultiplier", options.widthMultiplier);
  checkBoolean(name, "batchNorm", options.batchNorm);
  return options.stem === undefined ? {} : { stem: resolveStem(options.stem, shape) };
}

/**
 * Model options written `key=value` on a command line (`--model-option stem=imagenet`): `true` and
 * `false` become booleans, numbers numbers, anything else stays text. Which keys and values a
 * model takes is checked where the model is built (`createModel`), which names the valid ones.
 */
export function parseModelOptions(
  texts: readonly string[],
  flag = "--model-option",
): Record<string, string | number | boolean> {
  const options: Record<string, string | number | boolean> = {};
  for (const text of texts) {
    const match = text.match(/^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$/);
    if (!match || match[2] === "") {
      throw new UsageError(`${flag} expects key=value, e.g. stem=imagenet, got '${text}'`);
    }
    const [, key, raw] = match;
    if (key in options) throw new UsageError(`${flag} ${key} is given twice`);
    const number = Number(raw);
    options[key] = raw === "true"
      ? true
      : raw === "false"
      ? false
      : Number.isFinite(number)
      ? number
      : raw;
  }
  return options;
}
