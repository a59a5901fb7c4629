/**
 * Finding Deno's WebGPU adapter and telling a real GPU from a software rasteriser (Mesa llvmpipe
 * or lavapipe, SwiftShader), which runs tfjs kernels slower than wasm: ≈0.5 GFLOP/s on matMul
 * with seconds of shader compilation per kernel on our machines.
 */

/** What we report about an adapter, copied out of `adapter.info` (Deno invalidates it later). */
export interface GpuAdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /** True for software implementations: fallback adapters and known CPU rasterisers. */
  readonly software: boolean;
}

const softwareNames = /llvmpipe|lavapipe|swiftshader|softpipe|software|microsoft basic render/i;

/** Whether an adapter with this info is a software (CPU) implementation. */
export function isSoftwareAdapter(
  info: { description?: string; vendor?: string; device?: string; isFallbackAdapter?: boolean },
): boolean {
  if (info.isFallbackAdapter) return true;
  return softwareNames.test(`${info.description ?? ""} ${info.vendor ?? ""} ${info.device ?? ""}`);
}

/** A summary of `adapter` (read before requesting a device, which Deno invalidates it after). */
export function summarizeAdapter(adapter: GPUAdapter): GpuAdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const description = info.description || [info.vendor, info.architecture, info.device]
    .filter(Boolean).join(" ") ||
    "unnamed adapter";
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description,
    software: isSoftwareAdapter({
      ...info,
      description,
      isFallbackAdapter: info.isFallbackAdapter ?? legacyFallback,
    }),
  };
}

/** Device nodes through which Linux offers a GPU: DRM render nodes, NVIDIA's, WSL's. */
const GPU_DEVICE_NODES = ["/dev/dri", "/dev/nvidia0", "/dev/dxg"];

/** Whether this machine shows a GPU device node (always true outside Linux, where none is checked). */
function hasGpuDeviceNode(): boolean {
  if (Deno.build.os !== "linux") return true;
  return GPU_DEVICE_NODES.some((path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Gives Mesa's Vulkan and EGL drivers the XDG_RUNTIME_DIR they look for (a private empty folder)
 * when it is unset, as on a server or in a container: otherwise probing for an adapter prints
 * "error: XDG_RUNTIME_DIR is invalid or not set in the environment." from native code, twice.
 */
function quietenMesa(): void {
  if (Deno.build.os !== "linux" || Deno.env.get("XDG_RUNTIME_DIR")) return;
  try {
    // One folder per user, reused, as the spec asks: owned by the user, mode 0700.
    const uid = Deno.uid();
    const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/fer-xdg-runtime-${uid}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = Deno.statSync(dir);
    const private_ = stat.uid === uid && ((stat.mode ?? 0) & 0o077) === 0;
    Deno.env.set("XDG_RUNTIME_DIR", private_ ? dir : Deno.makeTempDirSync({ prefix: "fer-xdg-" }));
  } catch {
    // Without env or write permission the probe still works, only less quietly.
  }
}

/**
 * The adapter Deno offers, or the reason there is none. With `onlyWithDevice` (how `auto`
 * probes), a Linux machine without a GPU device node is not probed at all: the only adapter it
 * could offer is a software one, and probing loads every Vulkan driver installed.
 */
export async function requestGpuAdapter(options: { onlyWithDevice?: boolean } = {}): Promise<
  { adapter: GPUAdapter; summary: GpuAdapterSummary } | { reason: string }
> {
  if (options.onlyWithDevice && !hasGpuDeviceNode()) {
    return { reason: `no GPU device (none of ${GPU_DEVICE_NODES.join(", ")})` };
  }
  quietenMesa();
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { reason: "this Deno offers no navigator.gpu" };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (error) {
    return { reason: `requesting a WebGPU adapter failed: ${error}` };
  }
  if (!adapter) return { reason: "no WebGPU adapter is available" };
  return { adapter, summary: summarizeAdapter(adapter) };
}
