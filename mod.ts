/**
 * fer: facial expression recognition with Deno and TensorFlow.js.
 *
 * The public API, one module per concern: data loading and splits, the model registry, compute
 * backends, augmentation, training, and metrics.
 *
 * @example Train a model from a program
 * ```ts
 * import { defaultRunConfig, trainRun } from "./mod.ts";
 * const config = { ...defaultRunConfig("liu-cnn5"), backend: "wasm" as const };
 * await trainRun(config, { progress: "lines" });
 * ```
 * @module
 */
export { DataError, FerError, UsageError } from "./lib/errors.ts";
export { Random, routeMathRandom } from "./lib/random.ts";
export * from "./lib/backend/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/models/mod.ts";
export * from "./lib/augment/mod.ts";
export * from "./lib/metrics/mod.ts";
export * from "./lib/train/mod.ts";
export * from "./lib/report/mod.ts";
export * from "./lib/predict/mod.ts";
export { answer, pageRoutes, type ServeOptions, startServer } from "./lib/serve/server.ts";
