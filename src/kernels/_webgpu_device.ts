/**
 * The WebGPU adapter and device this process trains on: requested once
 * with the adapter's own buffer limits (a data set is split by them), and
 * again after a loss. Nothing here runs until WebGPU is first used.
 *
 * @module
 */

/** What is known of the adapter: its name and whether it is software. */
export interface AdapterSummary {
  /** The driver's description, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits)"`. */
  description: string;
  /** Vendor, architecture and device as the adapter reports them. */
  vendor: string;
  /** Whether the adapter runs on the CPU (a fallback or a software rasteriser). */
  software: boolean;
  /** Largest storage-buffer binding, in bytes. */
  maxBinding: number;
}

/** A device and the adapter it came from. */
export interface Gpu {
  /** The device (check {@linkcode Gpu.lost} before use). */
  device: GPUDevice;
  /** The adapter's summary. */
  adapter: AdapterSummary;
  /** Set to the reason once the device is lost. */
  lost?: string;
}

let current: Promise<Gpu> | undefined;

/** Names of software renderers that report as ordinary adapters. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|warp\b/i;

/**
 * Why WebGPU cannot run here, or undefined when `navigator.gpu` exists.
 *
 * @example
 * ```ts
 * import { webgpuMissing } from "./_webgpu_device.ts";
 *
 * console.log(webgpuMissing() ?? "navigator.gpu is here");
 * ```
 */
export function webgpuMissing(): string | undefined {
  return typeof navigator === "object" && navigator.gpu
    ? undefined
    : "this runtime has no WebGPU (navigator.gpu)";
}

/**
 * The shared device, requested on first use and again after it was lost.
 *
 * @throws {Error} when the runtime has no WebGPU or no adapter.
 */
export function gpu(): Promise<Gpu> {
  current ??= open().catch((error) => {
    current = undefined;
    throw error;
  });
  return current.then((g) => {
    if (g.lost === undefined) return g;
    current = undefined;
    return gpu();
  });
}

async function open(): Promise<Gpu> {
  const missing = webgpuMissing();
  if (missing) throw new Error(`WebGPU is unavailable: ${missing}`);
  const adapter = await navigator.gpu.requestAdapter({
    powerPreference: "high-performance",
  });
  if (!adapter) {
    throw new Error("WebGPU is unavailable: navigator.gpu found no adapter");
  }
  const info = adapter.info;
  const summary: AdapterSummary = {
    description: info.description || info.device || "unnamed adapter",
    vendor: [info.vendor, info.architecture, info.device].filter(Boolean)
      .join(" "),
    software: Boolean(
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ||
        SOFTWARE.test(`${info.description} ${info.vendor} ${info.device}`),
    ),
    maxBinding: Math.min(
      adapter.limits.maxStorageBufferBindingSize,
      adapter.limits.maxBufferSize,
    ),
  };
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const g: Gpu = { device, adapter: summary };
  device.lost.then((lost) => {
    g.lost = `${lost.reason}: ${lost.message}`;
  });
  return g;
}
