/**
 * The kernels' WebAssembly memory (shared, so helper threads run the same
 * module on it) and what lives there: the arrays of a training step that
 * the element-wise kernels read and write in place (weights, gradients,
 * the update rule's state, activations, the minibatch), and each call's
 * scratch.
 *
 * A kernel array is a view of the memory through its own
 * `SharedArrayBuffer` object (a clone sharing the memory's bytes): every
 * view made from it, `subarray` included, holds that object, so its block
 * goes back to the free list only once no view of it is left. Where no
 * such object can be made, or the memory is full (4 GiB), arrays are
 * ordinary ones and the element-wise work runs in TypeScript.
 *
 * Scratch lies above every block: a kernel call takes what it needs there
 * and forgets it when it returns; blocks are made only between calls.
 *
 * @module
 */

import { kernelsWasm } from "./_kernels_wasm.ts";
import type { DType, FloatArray } from "../core/matrix.ts";

const PAGE = 65536;
/** Block alignment in bytes (a cache line). */
const ALIGN = 64;
/**
 * Bytes the blocks may take in all (of the memory's 4 GiB): the rest stays
 * for scratch, so that a kernel call never runs out of it.
 */
const BLOCKS_LIMIT = 3 * 2 ** 30;
/** Elements per partial sum of squares: CHUNK in asm/kernels.ts. */
export const SUM_CHUNK = 8192;

/**
 * The module's exports that jobs call; a job's operation code is the
 * export's index here (plus the runner's base).
 */
export const WASM_OPS = [
  "abt64",
  "abt32",
  "ab64",
  "ab32",
  "sgd64",
  "sgd32",
  "momentum64",
  "momentum32",
  "nesterov64",
  "nesterov32",
  "adam64",
  "adam32",
  "regularise64",
  "regularise32",
  "biasRelu64",
  "biasRelu32",
  "reluBackwardSum64",
  "reluBackwardSum32",
  "augment64",
  "augment32",
] as const;

/** Operation code of export `name` (without a runner's base). */
export function wasmOp(name: typeof WASM_OPS[number]): number {
  return WASM_OPS.indexOf(name);
}

/** What a helper needs to run the module on the kernel memory. */
export interface WasmInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  names: readonly string[];
}

/** The exports the calling thread uses directly. */
interface Exports {
  heapBase(): number;
  transpose64(src: number, rows: number, cols: number, dst: number): void;
  transpose32(src: number, rows: number, cols: number, dst: number): void;
}

/** The shared memory, its allocator and scratch. */
export class KernelMemory {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: Exports;
  /** Free blocks below `#end`, `[start, end)` in bytes, by address. */
  #free: [number, number][] = [];
  /** End of the highest block: scratch starts here. */
  #end: number;
  #top = 0;
  /** Buffer objects of the kernel arrays handed out, with their blocks. */
  readonly #owned = new WeakMap<ArrayBufferLike, [number, number]>();
  readonly #registry = new FinalizationRegistry<[number, number]>(
    ([at, bytes]) => this.#release(at, bytes),
  );
  #f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  #u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);

  constructor() {
    this.memory = new WebAssembly.Memory({
      initial: 1,
      maximum: 65536,
      shared: true,
    });
    this.module = new WebAssembly.Module(kernelsWasm);
    this.exports = new WebAssembly.Instance(this.module, {
      env: { memory: this.memory },
    }).exports as unknown as Exports;
    this.#end = align(this.exports.heapBase());
  }

  /** What helper threads get to run the module here. */
  init(): WasmInit {
    return { module: this.module, memory: this.memory, names: WASM_OPS };
  }

  /**
   * A zeroed array of `length` values in this memory, or `undefined` when
   * it cannot have one (memory full, or no way to give the block its own
   * buffer object, or the blocks have taken their 3 GiB).
   */
  allocate(dtype: DType, length: number): FloatArray | undefined {
    const S = dtype === "float32" ? 4 : 8;
    const bytes = Math.max(align(length * S), ALIGN);
    const at = this.#take(bytes);
    if (at === undefined) return undefined;
    let buffer: ArrayBufferLike;
    try {
      buffer = structuredClone(this.memory.buffer);
    } catch {
      this.#release(at, bytes);
      return undefined;
    }
    this.#owned.set(buffer, [at, bytes]);
    this.#registry.register(buffer, [at, bytes], buffer);
    const view = S === 4
      ? new Float32Array(buffer, at, length)
      : new Float64Array(buffer, at, length);
    view.fill(0);
    return view;
  }

  /**
   * Gives the block of `x`, an array of {@linkcode KernelMemory.allocate},
   * back now rather than once it is collected: for arrays whose owner
   * knows their last use (nothing may use `x` or a view of it after).
   * Other arrays are left alone.
   */
  release(x: ArrayBufferView): void {
    const block = this.#owned.get(x.buffer);
    if (block && this.#registry.unregister(x.buffer)) {
      this.#owned.delete(x.buffer);
      this.#release(...block);
    }
  }

  /** Byte address of `x` in this memory, or -1 when it lives elsewhere. */
  address(x: ArrayBufferView): number {
    return this.#owned.has(x.buffer) ? x.byteOffset : -1;
  }

  /** A free block of `bytes`, growing the memory if needed. */
  #take(bytes: number): number | undefined {
    const i = this.#free.findIndex(([s, e]) => e - s >= bytes);
    if (i >= 0) {
      const at = this.#free[i][0];
      this.#free[i][0] += bytes;
      if (this.#free[i][0] === this.#free[i][1]) this.#free.splice(i, 1);
      return at;
    }
    const at = this.#end;
    if (at + bytes > BLOCKS_LIMIT) return undefined;
    try {
      this.#grow(at + bytes);
    } catch {
      return undefined;
    }
    this.#end = at + bytes;
    return at;
  }

  /** Gives a block back, merging it with free neighbours. */
  #release(at: number, bytes: number): void {
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i][0] < at) i++;
    free.splice(i, 0, [at, at + bytes]);
    if (i + 1 < free.length && free[i][1] === free[i + 1][0]) {
      free[i][1] = free[i + 1][1];
      free.splice(i + 1, 1);
    }
    if (i > 0 && free[i - 1][1] === free[i][0]) {
      free[i - 1][1] = free[i][1];
      free.splice(i, 1);
      i--;
    }
    // A free block at the top goes back to the scratch.
    if (free[i][1] === this.#end) {
      this.#end = free[i][0];
      free.splice(i, 1);
    }
  }

  #grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  /** Forgets the previous call's scratch. */
  reset(): void {
    this.#top = this.#end;
  }

  /** Reserves `bytes` of scratch for this call, growing the memory if needed. */
  alloc(bytes: number): number {
    const at = this.#top;
    this.#top = align(at + bytes);
    this.#grow(this.#top);
    return at;
  }

  /** Fresh views if the memory grew (shared memory never detaches old ones). */
  #views(): void {
    const buf = this.memory.buffer;
    if (this.#u32.buffer.byteLength !== buf.byteLength) {
      this.#f64 = new Float64Array(buf);
      this.#f32 = new Float32Array(buf);
      this.#u32 = new Uint32Array(buf);
      this.#u8 = new Uint8Array(buf);
    }
  }

  /** Float views of the whole memory. */
  floats(f64: boolean): FloatArray {
    this.#views();
    return f64 ? this.#f64 : this.#f32;
  }

  /** A 32-bit word view of the whole memory. */
  words(): Uint32Array<ArrayBufferLike> {
    this.#views();
    return this.#u32;
  }

  /** A byte view of the whole memory. */
  bytes(): Uint8Array<ArrayBufferLike> {
    this.#views();
    return this.#u8;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

let shared: KernelMemory | undefined;

/**
 * This thread's kernel memory, made on first use.
 *
 * @example
 * ```ts
 * import { kernelMemory } from "./_kernel_memory.ts";
 * import assert from "node:assert/strict";
 *
 * const km = kernelMemory();
 * const x = km.allocate("float32", 10)!;
 * assert.ok(km.address(x) > 0);
 * assert.equal(km.address(x.subarray(2)), km.address(x) + 8);
 * assert.equal(km.address(new Float32Array(10)), -1);
 * ```
 */
export function kernelMemory(): KernelMemory {
  shared ??= new KernelMemory();
  return shared;
}
