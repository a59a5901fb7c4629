/**
 * Checks for model options, for the families to validate their own (`ModelSpec.resolveOptions`)
 * and for the registry's common ones. Each throws a UsageError naming the model and option.
 */
import { unknownChoice, UsageError } from "../errors.ts";
import type { InputShape, StemKind } from "./types.ts";

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
