/**
 * The element-wise kernels of a training step on the kernel memory
 * (_kernel_memory.ts), for the backends whose threads run the WebAssembly
 * module: the WebAssembly backend, and BLAS, whose helpers run it beside
 * the library. Large arrays are split over the threads: update rules and
 * the L2 term by chunks of elements (so that sums of squares come out the
 * same at any thread count), activations by rows, the ReLU gradient and
 * its column sums by columns, augmentation by rows.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { type KernelMemory, SUM_CHUNK, wasmOp } from "./_kernel_memory.ts";
import { slices } from "./_helper_threads.ts";
import { ruleScalars } from "./_rules.ts";
import type { FloatArray } from "../core/matrix.ts";

/** What the element-wise kernels need of a backend's threads. */
export interface JobPool {
  /** How many slices to cut `work` into, each at least `min`. */
  parts(work: number, min: number): number;
  /** Runs the jobs, the first on the calling thread. */
  run(jobs: ArrayLike<number>[]): void;
}

/** Values a slice of element-wise work keeps at least. */
const MIN_SLICE_VALUES = 1 << 17;

const RULES = ["sgd", "momentum", "nesterov", "adam"] as const;

/** The kernels, as a {@linkcode Backend}'s optional members. */
export type WasmElementwise = Required<
  Pick<
    Backend,
    | "allocate"
    | "release"
    | "update"
    | "regularize"
    | "biasRelu"
    | "reluBackwardSum"
    | "augment"
  >
>;

/**
 * The element-wise kernels on `km`, run by `pool`, whose runner calls the
 * module's export `WASM_OPS[code − base]` for a job `[code, ...args]`.
 */
export function wasmElementwise(
  km: KernelMemory,
  pool: JobPool,
  base: number,
): WasmElementwise {
  const code = (name: string, f64: boolean) =>
    base +
    wasmOp(`${name}${f64 ? "64" : "32"}` as Parameters<typeof wasmOp>[0]);
  /** The chunk sums at `sums`, added in order. */
  const total = (sums: number, chunks: number) => {
    const f = km.floats(true), at = sums / 8;
    let s = 0;
    for (let c = 0; c < chunks; c++) s += f[at + c];
    return s;
  };
  /** Jobs over `n` elements split at chunk boundaries. */
  const byChunks = (
    n: number,
    job: (i0: number, i1: number, sums: number) => number[],
  ) => {
    km.reset();
    const chunks = Math.ceil(n / SUM_CHUNK), sums = km.alloc(chunks * 8);
    pool.run(
      slices(chunks, pool.parts(n, MIN_SLICE_VALUES)).map(([c0, c1]) =>
        job(c0 * SUM_CHUNK, Math.min(n, c1 * SUM_CHUNK), sums)
      ),
    );
    return total(sums, chunks);
  };
  const sameKind = (x: FloatArray, like: FloatArray) =>
    x.length === like.length &&
    x instanceof Float64Array === like instanceof Float64Array;

  return {
    allocate: (dtype, length) => km.allocate(dtype, length),
    release: (x) => km.release(x),

    update(step, w, g, first, second) {
      const rule = RULES.indexOf(step.rule);
      const aw = km.address(w), ag = km.address(g);
      const a1 = rule > 0 ? km.address(first) : 0;
      const a2 = rule === 3 ? km.address(second) : 0;
      if (
        aw < 0 || ag < 0 || a1 < 0 || a2 < 0 || !sameKind(g, w) ||
        (rule > 0 && !sameKind(first, w)) ||
        (rule === 3 && !sameKind(second, w))
      ) return undefined;
      const op = code(step.rule, w instanceof Float64Array);
      const k = ruleScalars(step, w instanceof Float32Array);
      return byChunks(w.length, (i0, i1, sums) => [
        op,
        aw,
        ag,
        a1,
        a2,
        i0,
        i1,
        sums,
        step.reg,
        ...k,
      ]);
    },

    regularize(reg, w, g) {
      const aw = km.address(w), ag = km.address(g);
      if (aw < 0 || ag < 0 || !sameKind(g, w)) return undefined;
      const op = code("regularise", w instanceof Float64Array);
      return byChunks(
        w.length,
        (i0, i1, sums) => [op, aw, ag, i0, i1, sums, reg],
      );
    },

    biasRelu(m, b) {
      const am = km.address(m.data), ab = km.address(b);
      if (am < 0 || ab < 0) return false;
      const op = code("biasRelu", m.data instanceof Float64Array);
      const parts = pool.parts(m.data.length, MIN_SLICE_VALUES);
      pool.run(
        slices(m.rows, parts).map(([r0, r1]) => [op, am, ab, m.cols, r0, r1]),
      );
      return true;
    },

    reluBackwardSum(grad, h, out) {
      const ag = km.address(grad.data), ah = km.address(h.data);
      const ao = km.address(out);
      if (ag < 0 || ah < 0 || ao < 0) return false;
      const op = code("reluBackwardSum", grad.data instanceof Float64Array);
      const parts = pool.parts(grad.data.length, MIN_SLICE_VALUES);
      pool.run(
        slices(grad.cols, parts, 4).map(([c0, c1]) => [
          op,
          ag,
          ah,
          grad.rows,
          grad.cols,
          c0,
          c1,
          ao,
        ]),
      );
      return true;
    },

    augment(batch, flip, dx, dy, [height, width, channels]) {
      const ab = km.address(batch.data), n = batch.rows;
      if (
        ab < 0 || (flip.length !== 0 && flip.length !== n) ||
        dx.length !== dy.length || (dx.length !== 0 && dx.length !== n)
      ) return false;
      const f64 = batch.data instanceof Float64Array;
      km.reset();
      let flips = 0, xs = 0, ys = 0;
      if (flip.length) {
        flips = km.alloc(n);
        km.bytes().set(flip, flips);
      }
      if (dx.length) {
        xs = km.alloc(4 * n);
        ys = km.alloc(4 * n);
        const words = new Int32Array(km.words().buffer);
        words.set(dx, xs / 4);
        words.set(dy, ys / 4);
      }
      const rowBytes = batch.cols * (f64 ? 8 : 4);
      const jobs = slices(n, pool.parts(batch.data.length, MIN_SLICE_VALUES))
        .map(([r0, r1]) => [
          code("augment", f64),
          ab,
          r0,
          r1,
          flips,
          xs,
          ys,
          height,
          width,
          channels,
          km.alloc(rowBytes),
        ]);
      pool.run(jobs);
      return true;
    },
  };
}
