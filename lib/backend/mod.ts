/**
 * Compute backends for TensorFlow.js in Deno: choosing and starting one (WebGPU, threaded SIMD
 * wasm with the kernels training needs, the same with oneDNN convolutions and batch norm, or
 * plain cpu), measuring training throughput, profiling a training step per kernel, and comparing
 * results across backends.
 *
 * Where changes go: a new or faster kernel (or gradient) is a file in its backend's folder (cpu/,
 * wasm/, onednn/, gradients/) plus an entry in that backend's kernel table (kernel_table.ts says
 * which); a new backend is a start function in init.ts with its table.
 * @module
 */
export {
  type BackendChoice,
  backendChoices,
  type BackendInfo,
  type BackendOptions,
  defaultThreads,
  ensureBackend,
  initBackend,
} from "./init.ts";
export {
  median,
  type StepReport,
  type StepTimingOptions,
  type Throughput,
  timeSteps,
} from "./throughput.ts";
export {
  formatProfile,
  type KernelTime,
  profileKernels,
  type ProfileOptions,
  profileSteps,
  type StepProfile,
} from "./profile.ts";
export { backendDifference, maxScaledDifference, seededValues, valuesOn } from "./cross_check.ts";
export { type GpuAdapterSummary, isSoftwareAdapter, requestGpuAdapter } from "./gpu_adapter.ts";
export { probeOneDnn } from "./onednn/library.ts";
export {
  BF16_CPU_FLAGS,
  bf16Support,
  type Precision,
  type PrecisionChoice,
  precisionChoices,
  resolvePrecision,
} from "./precision.ts";
export { registerWasmTrainingKernels, wasmTrainingKernelNames } from "./wasm/training_kernels.ts";
