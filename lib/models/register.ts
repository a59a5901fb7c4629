/**
 * The table of registered architectures, timm's `@register_model`: each family file calls
 * `registerModels` with its variants when it is imported (registry.ts imports them all).
 */
import { unknownChoice } from "../errors.ts";
import type { ModelSpec } from "./types.ts";

const registry = new Map<string, ModelSpec>();

/** Adds an architecture to the registry. */
export function registerModel(spec: ModelSpec): void {
  if (registry.has(spec.name)) throw new Error(`model '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
}

/** Adds a family's variants, in order. */
export function registerModels(specs: readonly ModelSpec[]): void {
  for (const spec of specs) registerModel(spec);
}

/** The registered model names, in registration order (FER papers first, then standard nets). */
export function listModels(): string[] {
  return [...registry.keys()];
}

/** The spec of `name`; a UsageError listing the valid names when there is none. */
export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) throw unknownChoice("model", name, listModels());
  return spec;
}
