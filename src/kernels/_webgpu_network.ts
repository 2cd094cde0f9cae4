/**
 * A two-layer network held on the GPU: its parameters, update-rule state
 * and activations in buffers, data sets uploaded once in chunks no larger
 * than the adapter binds, and the shaders of _webgpu_shaders.ts encoded
 * into one compute pass per span of iterations.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import {
  DeviceFailure,
  type LossName,
  type OptimizerState,
  PARAM_NAMES,
  type Params,
  type ResolvedOptimizer,
} from "../core/training.ts";
import { type Gpu, gpu } from "./_webgpu_device.ts";
import {
  grid,
  GROUP,
  type Layout,
  layout,
  RECORD_BYTES,
  RECORD_FIELDS,
  type ShaderShape,
  shaderSource,
  SLICE,
} from "./_webgpu_shaders.ts";

/** One field of a per-dispatch record; see `RECORD_FIELDS`. */
export type DispatchRecord = Partial<
  Record<(typeof RECORD_FIELDS)[number], number>
>;

/** A range of a buffer to read back, in f32 values. */
export interface Read {
  /** The buffer (made with `COPY_SRC`). */
  buffer: GPUBuffer;
  /** First value (default 0). */
  from?: number;
  /** Values to read. */
  count: number;
}

/** No augmentation for this batch (the shader's sentinel). */
export const NO_AUGMENT = 0xffffffff;

/** The compiled entry points of one shape, kept per device. */
interface Pipelines {
  layout: GPUPipelineLayout;
  groups: [GPUBindGroupLayout, GPUBindGroupLayout];
  gather: GPUComputePipeline;
  forward1: GPUComputePipeline;
  hidden: GPUComputePipeline;
  forward2: GPUComputePipeline;
  backward2: GPUComputePipeline;
  backward1: GPUComputePipeline;
  update: GPUComputePipeline;
  reduce: GPUComputePipeline;
  decay: GPUComputePipeline;
}

const compiled = new WeakMap<GPUDevice, Map<string, Pipelines>>();

/** Rows of a data set on the GPU: chunks of consecutive rows. */
export interface RowChunks {
  /** Rows in all. */
  rows: number;
  /** One bind group (data and its first row) per chunk. */
  groups: GPUBindGroup[];
  /** The buffers, to destroy. */
  buffers: GPUBuffer[];
}

/**
 * The GPU side of one network shape: buffers, pipelines and the encoding
 * of training iterations and evaluations. Sizes in the draws, outputs and
 * records buffers are set by the caller.
 */
export class GpuNetwork {
  readonly gpu: Gpu;
  readonly shape: ShaderShape;
  readonly L: Layout;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly opt: GPUBuffer;
  readonly work: GPUBuffer;
  readonly draws: GPUBuffer;
  readonly outputs: GPUBuffer;
  readonly records: GPUBuffer;
  /** Where results are copied to be mapped; grows to the largest read. */
  #staging?: GPUBuffer;
  readonly pipelines: Pipelines;
  readonly main: GPUBindGroup;
  readonly #noRows: RowChunks;
  readonly #buffers: GPUBuffer[] = [];
  readonly #chunks: RowChunks[] = [];

  private constructor(
    g: Gpu,
    shape: ShaderShape,
    sizes: { draws: number; outputs: number; records: number },
    pipelines: Pipelines,
  ) {
    this.gpu = g;
    this.shape = shape;
    const L = layout(shape);
    this.L = L;
    this.pipelines = pipelines;
    const S = GPUBufferUsage.STORAGE;
    const make = (what: string, values: number, usage: number) =>
      this.#buffer(what, values * 4, usage);
    this.params = make(
      "the parameters",
      L.P,
      S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    );
    this.grads = make("the gradients", L.P, S | GPUBufferUsage.COPY_SRC);
    this.opt = make(
      "the update rule's state",
      L.optimizer,
      S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    );
    this.work = make(
      "the activations of a batch",
      L.work,
      S | GPUBufferUsage.COPY_SRC,
    );
    this.draws = make(
      "the minibatch draws",
      sizes.draws,
      S | GPUBufferUsage.COPY_DST,
    );
    this.outputs = make(
      "the outputs",
      sizes.outputs,
      S | GPUBufferUsage.COPY_SRC,
    );
    this.records = this.#buffer(
      "the dispatch records",
      sizes.records * RECORD_BYTES,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    const entry = (binding: number, buffer: GPUBuffer, size?: number) => ({
      binding,
      resource: { buffer, size },
    });
    this.main = g.device.createBindGroup({
      layout: pipelines.groups[0],
      entries: [
        entry(0, this.params),
        entry(1, this.grads),
        entry(2, this.opt),
        entry(3, this.work),
        entry(4, this.draws),
        entry(5, this.outputs),
        entry(6, this.records, RECORD_BYTES),
      ],
    });
    this.#noRows = this.uploadRows(new Matrix(0, shape.D, new Float32Array(0)));
  }

  /**
   * A network of `shape` on the shared device, with `sizes` values in the
   * draws and outputs buffers and `records` dispatch records.
   */
  static async create(
    shape: ShaderShape,
    sizes: { draws: number; outputs: number; records: number },
  ): Promise<GpuNetwork> {
    const g = await gpu();
    const { device } = g;
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    let network: GpuNetwork | undefined, thrown: unknown;
    try {
      network = new GpuNetwork(g, shape, sizes, pipelinesFor(device, shape));
    } catch (error) {
      thrown = error;
    }
    const invalid = await device.popErrorScope();
    const memory = await device.popErrorScope();
    if (thrown) throw thrown;
    const problem = invalid ?? memory;
    if (problem || !network) {
      network?.destroy();
      throw new Error(
        `WebGPU could not set up the network (D ${shape.D}, H ${shape.H}, C ${shape.C}, batch ${shape.B}) on ${g.adapter.description}: ${problem?.message}`,
      );
    }
    return network;
  }

  #buffer(what: string, bytes: number, usage: number): GPUBuffer {
    const limit = this.gpu.adapter.maxBinding;
    if (bytes > limit) {
      throw new RangeError(
        `${what} need ${bytes} bytes on the GPU, more than the ${limit} bytes ${this.gpu.adapter.description} binds at once; use a smaller batch or hidden size`,
      );
    }
    // WebGPU buffers hold whole 4-byte words and at least one.
    const buffer = this.gpu.device.createBuffer({
      size: Math.max(4, Math.ceil(bytes / 4) * 4),
      usage,
    });
    this.#buffers.push(buffer);
    return buffer;
  }

  /** Writes `params` (any float type) into the parameter buffer. */
  writeParams(params: Params): void {
    const L = this.L;
    const packed = new Float32Array(L.P);
    PARAM_NAMES.forEach((name, k) => {
      const p = params[name];
      packed.set("data" in p ? p.data : p, [L.W1, L.b1, L.W2, L.b2][k]);
    });
    this.gpu.device.queue.writeBuffer(this.params, 0, packed);
  }

  /** Writes the learning rate and the update rule's state. */
  writeOptimizer(learningRate: number, state?: OptimizerState): void {
    const L = this.L;
    const packed = new Float32Array(L.optimizer);
    packed[0] = learningRate;
    const offsets = [L.W1, L.b1, L.W2, L.b2];
    state?.first.forEach((s, k) => packed.set(s, L.first + offsets[k]));
    state?.second.forEach((s, k) => packed.set(s, L.second + offsets[k]));
    this.gpu.device.queue.writeBuffer(this.opt, 0, packed);
  }

  /**
   * Uploads `X` once, in chunks of whole rows no larger than the adapter
   * binds; freed with the network.
   */
  uploadRows(X: Matrix<FloatArray>): RowChunks {
    const { device, adapter } = this.gpu;
    const D = X.cols;
    const perChunk = Math.max(1, Math.floor(adapter.maxBinding / (4 * D)));
    const chunks: RowChunks = { rows: X.rows, groups: [], buffers: [] };
    for (let start = 0; start < Math.max(X.rows, 1); start += perChunk) {
      const rows = Math.min(perChunk, X.rows - start);
      const data = device.createBuffer({
        size: Math.max(4, rows * D * 4),
        usage: GPUBufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      new Float32Array(data.getMappedRange()).set(
        X.data.subarray(start * D, (start + rows) * D),
      );
      data.unmap();
      const info = device.createBuffer({
        size: 16,
        usage: GPUBufferUsage.UNIFORM,
        mappedAtCreation: true,
      });
      new Uint32Array(info.getMappedRange()).set([start, rows]);
      info.unmap();
      chunks.buffers.push(data, info);
      chunks.groups.push(device.createBindGroup({
        layout: this.pipelines.groups[1],
        entries: [
          { binding: 0, resource: { buffer: data } },
          { binding: 1, resource: { buffer: info } },
        ],
      }));
    }
    this.#chunks.push(chunks);
    return chunks;
  }

  /** Writes dispatch records from record index `first` on. */
  writeRecords(first: number, records: DispatchRecord[]): void {
    const words = RECORD_BYTES / 4;
    const bytes = new ArrayBuffer(records.length * RECORD_BYTES);
    const u32 = new Uint32Array(bytes), f32 = new Float32Array(bytes);
    records.forEach((record, k) => {
      RECORD_FIELDS.forEach((field, i) => {
        const value = record[field] ?? 0;
        if (i < 6) u32[k * words + i] = value;
        else f32[k * words + i] = value;
      });
    });
    this.gpu.device.queue.writeBuffer(
      this.records,
      first * RECORD_BYTES,
      bytes,
    );
  }

  /**
   * Selects record `k` for the next dispatches, with no rows in group 1
   * (every pipeline's layout has it; gathers set their own).
   */
  #use(pass: GPUComputePassEncoder, k: number): void {
    pass.setBindGroup(0, this.main, [k * RECORD_BYTES]);
    pass.setBindGroup(1, this.#noRows.groups[0]);
  }

  #dispatch1(
    pass: GPUComputePassEncoder,
    pipeline: "backward2" | "update",
    threads: number,
  ) {
    pass.setPipeline(this.pipelines[pipeline]);
    pass.dispatchWorkgroups(...grid(Math.ceil(threads / GROUP)));
  }

  /** Minibatch (or block) rows of `data` into the work buffer, record `k`'s. */
  encodeGather(
    pass: GPUComputePassEncoder,
    k: number,
    data: RowChunks,
    n: number,
  ): void {
    this.#use(pass, k);
    pass.setPipeline(this.pipelines.gather);
    for (const group of data.groups) {
      pass.setBindGroup(1, group);
      pass.dispatchWorkgroups(Math.ceil(this.shape.D / GROUP), n);
    }
  }

  /** The forward pass of the gathered rows, with record `k`'s mode. */
  encodeForward(pass: GPUComputePassEncoder, k: number, n: number): void {
    const { H } = this.shape;
    this.#use(pass, k);
    const slices = Math.ceil(this.shape.D / SLICE);
    pass.setPipeline(this.pipelines.forward1);
    pass.dispatchWorkgroups(
      ...grid(Math.ceil(Math.ceil(n / 4) * Math.ceil(H / 4) * slices / 64)),
    );
    pass.setPipeline(this.pipelines.hidden);
    pass.dispatchWorkgroups(...grid(Math.ceil(n * H / GROUP)));
    pass.setPipeline(this.pipelines.forward2);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
  }

  /** Backward pass, update and the loss into record `k`'s slot. */
  encodeBackwardAndUpdate(pass: GPUComputePassEncoder, k: number): void {
    const { D, H, C, B } = this.shape;
    this.#use(pass, k);
    this.#dispatch1(pass, "backward2", C * H + C + B * H);
    pass.setPipeline(this.pipelines.backward1);
    pass.dispatchWorkgroups(
      ...grid(Math.ceil(Math.ceil(H / 8) * D / 64)),
    );
    this.#dispatch1(pass, "update", this.L.updateThreads);
    this.encodeReduce(pass, k);
  }

  /** Record `k`'s reduce: a sum of per-row values into its slot. */
  encodeReduce(pass: GPUComputePassEncoder, k: number): void {
    this.#use(pass, k);
    pass.setPipeline(this.pipelines.reduce);
    pass.dispatchWorkgroups(1);
  }

  /** The learning rate's decay, with record `k`'s factor. */
  encodeDecay(pass: GPUComputePassEncoder, k: number): void {
    this.#use(pass, k);
    pass.setPipeline(this.pipelines.decay);
    pass.dispatchWorkgroups(1);
  }

  /**
   * Submits `encode`'s pass, copies `reads` (ranges of buffers, in f32
   * values) back, and resolves with one array per read.
   *
   * @throws {DeviceFailure} when the device is lost on the way.
   */
  async submit(
    encode: (pass: GPUComputePassEncoder) => void,
    reads: readonly Read[],
  ): Promise<Float32Array[]> {
    const { device } = this.gpu;
    this.#checkDevice();
    device.pushErrorScope("validation");
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encode(pass);
    pass.end();
    const bytes = 4 * reads.reduce((sum, read) => sum + read.count, 0);
    if (!this.#staging || this.#staging.size < bytes) {
      this.#staging?.destroy();
      this.#staging = this.#buffer(
        "the read-back buffer",
        bytes,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      );
    }
    const staging = this.#staging;
    let at = 0;
    for (const { buffer, from = 0, count } of reads) {
      if (count > 0) {
        encoder.copyBufferToBuffer(buffer, 4 * from, staging, at, 4 * count);
      }
      at += 4 * count;
    }
    device.queue.submit([encoder.finish()]);
    const invalid = device.popErrorScope();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, staging.size);
    } catch (error) {
      await this.#lostReason();
      this.#checkDevice(error);
      throw error;
    }
    const error = await invalid;
    if (error) {
      staging.unmap();
      throw new Error(`WebGPU rejected the commands: ${error.message}`);
    }
    const all = new Float32Array(staging.getMappedRange().slice(0, bytes));
    staging.unmap();
    at = 0;
    return reads.map(({ count }) => all.subarray(at, at += count));
  }

  /** Gives a lost device's reason a moment to arrive. */
  async #lostReason(): Promise<void> {
    await Promise.race([
      this.gpu.device.lost,
      new Promise((resolve) => setTimeout(resolve, 200)),
    ]);
  }

  #checkDevice(cause?: unknown): void {
    if (this.gpu.lost !== undefined) {
      throw new DeviceFailure(
        `the WebGPU device (${this.gpu.adapter.description}) was lost (${this.gpu.lost})`,
        cause,
      );
    }
  }

  /** `packed` parameters into `params`, converted to their element type. */
  readParams(packed: Float32Array, params: Params): void {
    const L = this.L;
    const offsets = [L.W1, L.b1, L.W2, L.b2, L.P];
    PARAM_NAMES.forEach((name, k) => {
      const p = params[name];
      (("data" in p) ? p.data : p).set(
        packed.subarray(offsets[k], offsets[k + 1]),
      );
    });
  }

  /** The update rule's state from the packed `opt` values. */
  readOptimizer(packed: Float32Array, step: number): OptimizerState {
    const L = this.L;
    const offsets = [L.W1, L.b1, L.W2, L.b2, L.P];
    const part = (base: number) =>
      PARAM_NAMES.map((_, k) =>
        Float64Array.from(
          packed.subarray(base + offsets[k], base + offsets[k + 1]),
        )
      );
    const kind = this.shape.optimizer.optimizer;
    return {
      step,
      first: kind === "sgd" ? [] : part(L.first),
      second: kind === "adam" ? part(L.second) : [],
    };
  }

  /** Frees every buffer. */
  destroy(): void {
    for (const buffer of this.#buffers) buffer.destroy();
    for (const chunks of this.#chunks) {
      for (const buffer of chunks.buffers) buffer.destroy();
    }
  }
}

/** The pipelines of `shape` on `device`, compiled once. */
function pipelinesFor(device: GPUDevice, shape: ShaderShape): Pipelines {
  const key = JSON.stringify(shape);
  let byShape = compiled.get(device);
  if (!byShape) compiled.set(device, byShape = new Map());
  const known = byShape.get(key);
  if (known) return known;
  const C = GPUShaderStage.COMPUTE;
  const storage = (binding: number, type: GPUBufferBindingType) => ({
    binding,
    visibility: C,
    buffer: { type },
  });
  const main = device.createBindGroupLayout({
    entries: [
      storage(0, "storage"),
      storage(1, "storage"),
      storage(2, "storage"),
      storage(3, "storage"),
      storage(4, "read-only-storage"),
      storage(5, "storage"),
      {
        binding: 6,
        visibility: C,
        buffer: { type: "uniform", hasDynamicOffset: true },
      },
    ],
  });
  const chunk = device.createBindGroupLayout({
    entries: [storage(0, "read-only-storage"), storage(1, "uniform")],
  });
  const layout = device.createPipelineLayout({
    bindGroupLayouts: [main, chunk],
  });
  const module = device.createShaderModule({ code: shaderSource(shape) });
  const pipeline = (entryPoint: string) =>
    device.createComputePipeline({
      layout,
      compute: { module, entryPoint },
    });
  const pipelines: Pipelines = {
    layout,
    groups: [main, chunk],
    gather: pipeline("gather"),
    forward1: pipeline("forward1"),
    hidden: pipeline("hidden"),
    forward2: pipeline("forward2"),
    backward2: pipeline("backward2"),
    backward1: pipeline("backward1"),
    update: pipeline("update"),
    reduce: pipeline("reduce"),
    decay: pipeline("decay"),
  };
  byShape.set(key, pipelines);
  return pipelines;
}

/** The shape of the shaders for a network and batch. */
export function shapeOf(
  params: Params,
  batch: number,
  loss: LossName,
  optimizer: ResolvedOptimizer,
  image: readonly [number, number, number],
): ShaderShape {
  return {
    D: params.W1.cols,
    H: params.W1.rows,
    C: params.W2.rows,
    B: batch,
    image,
    loss,
    optimizer,
  };
}
