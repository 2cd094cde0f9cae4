/**
 * The WGSL compute shaders of a two-layer network on the GPU, written for
 * one shape (D, H, C, batch) so every size is a constant:
 *
 * - `gather`: minibatch rows from a chunk of the data set, flipped and
 *   shifted as drawn (numpy's `X[idx]` plus augmentation);
 * - `forward1`, `hidden`: `h = relu(X W1ᵀ + b1)`, blocked in registers
 *   and split along D (so that a large GPU has threads enough);
 * - `forward2`: `scores = h W2ᵀ + b2`, then per row the loss and its
 *   gradient (MSE or softmax), or whether the top class is the label, or
 *   the top class, or the scores themselves;
 * - `backward2`: `dW2 = dscoresᵀ h + reg W2`, `db2`, and
 *   `dh = dscores W2 ⊙ [h > 0]`;
 * - `backward1`: `dW1 = dhᵀ X + reg W1` (blocked likewise) and `db1`;
 * - `update`: the update rule, and partial sums of `W²` (before the step)
 *   for the regularisation loss;
 * - `reduce`: one number from per-row values (a loss, a count of hits);
 * - `decay`: the learning rate times the decay, at an epoch's end.
 *
 * Every buffer is an array of f32 (indices and labels i32); the layout of
 * each is in {@linkcode Layout}.
 *
 * @module
 */

import type { LossName, ResolvedOptimizer } from "../core/training.ts";

/** The sizes a set of shaders is written for. */
export interface ShaderShape {
  /** Values per input row. */
  D: number;
  /** Hidden units. */
  H: number;
  /** Classes. */
  C: number;
  /** Rows per minibatch (and per evaluation block). */
  B: number;
  /** Image shape of a row, for flips and shifts: height, width, channels. */
  image: readonly [number, number, number];
  /** Data loss. */
  loss: LossName;
  /** Update rule and its constants. */
  optimizer: ResolvedOptimizer;
}

/** Offsets (in elements) of each part of the packed buffers. */
export interface Layout {
  /** Parameters W1 | b1 | W2 | b2, in the network's order. */
  W1: number;
  b1: number;
  W2: number;
  b2: number;
  /** Number of parameter values. */
  P: number;
  /** In the work buffer: the minibatch (B x D). */
  batch: number;
  /** Hidden activations (B x H). */
  hidden: number;
  /** Gradient of the loss for the scores (B x C). */
  dscores: number;
  /** Gradient for the hidden activations (B x H). */
  dhidden: number;
  /** One value per row: its loss, or whether it was classified right. */
  perRow: number;
  /** Partial products of `forward1`, one B x H block per slice of D. */
  split: number;
  /** Partial sums of W² from the update's threads. */
  partials: number;
  /** Values in the work buffer. */
  work: number;
  /** Threads of the update (one partial sum each). */
  updateThreads: number;
  /**
   * In the optimizer buffer: the learning rate at 0, then the first and
   * second moments (velocity; Adam's m and v), P each.
   */
  first: number;
  second: number;
  /** Values in the optimizer buffer. */
  optimizer: number;
}

/** Threads per workgroup of the one-dimensional shaders. */
export const GROUP = 256;

/**
 * Most threads of the update: enough to fill a large GPU, few enough for
 * one workgroup to sum their partial results.
 */
export const UPDATE_THREADS = 65536;

/** Values of D one `forward1` thread sums (the slice of a split product). */
export const SLICE = 256;

/** Largest workgroup count along one dimension (WebGPU's default limit). */
export const MAX_GROUPS = 65535;

/**
 * Bytes between two per-dispatch records of the uniform buffer (the
 * dynamic-offset alignment every adapter supports).
 */
export const RECORD_BYTES = 256;

/**
 * The per-dispatch record (`Iter` in WGSL), as 32-bit fields in this
 * order: offsets into the draws buffer, counts, and factors.
 */
export const RECORD_FIELDS = [
  "rows",
  "labels",
  "augment",
  "n",
  "slot",
  "mode",
  "reg",
  "halfReg",
  "c1",
  "c2",
  "decay",
] as const;

/** Where each part of the packed buffers lies, for one shape. */
export function layout(s: ShaderShape): Layout {
  const { D, H, C, B } = s;
  const W1 = 0, b1 = H * D, W2 = b1 + H, b2 = W2 + C * H, P = b2 + C;
  const batch = 0, hidden = B * D, dscores = hidden + B * H;
  const dhidden = dscores + B * C, perRow = dhidden + B * H;
  const split = perRow + B;
  const partials = split + Math.ceil(D / SLICE) * B * H;
  const updateThreads = Math.min(P, UPDATE_THREADS);
  return {
    W1,
    b1,
    W2,
    b2,
    P,
    batch,
    hidden,
    dscores,
    dhidden,
    perRow,
    split,
    partials,
    work: partials + updateThreads,
    updateThreads,
    first: 4,
    second: 4 + P,
    optimizer: 4 + 2 * P,
  };
}

/** `(x, y)` workgroup counts for `groups` workgroups of a 1-D shader. */
export function grid(groups: number): [number, number] {
  return groups <= MAX_GROUPS
    ? [Math.max(groups, 1), 1]
    : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/**
 * The WGSL module with every entry point for shape `s`.
 *
 * @example
 * ```ts
 * import { shaderSource } from "./_webgpu_shaders.ts";
 * import assert from "node:assert/strict";
 *
 * const wgsl = shaderSource({
 *   D: 4, H: 10, C: 3, B: 5, image: [1, 4, 1], loss: "mse",
 *   optimizer: { optimizer: "sgd" },
 * });
 * assert.ok(wgsl.includes("fn forward1"));
 * ```
 */
export function shaderSource(s: ShaderShape): string {
  const { D, H, C, B } = s;
  const L = layout(s);
  const [height, width, channels] = s.image;
  return `
struct Iter {
  rows: u32, labels: u32, augment: u32, n: u32, slot: u32, mode: u32,
  reg: f32, halfReg: f32, c1: f32, c2: f32, decay: f32,
}
struct Chunk { start: u32, rows: u32 }

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> opt: array<f32>;
@group(0) @binding(3) var<storage, read_write> work: array<f32>;
@group(0) @binding(4) var<storage, read> draws: array<i32>;
@group(0) @binding(5) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(6) var<uniform> it: Iter;
@group(1) @binding(0) var<storage, read> chunk: array<f32>;
@group(1) @binding(1) var<uniform> part: Chunk;

const D = ${D}u;
const H = ${H}u;
const C = ${C}u;
const B = ${B}u;
const HEIGHT = ${height}u;
const WIDTH = ${width}u;
const CHANNELS = ${channels}u;
const P = ${L.P}u;
const W1 = ${L.W1}u;
const B1 = ${L.b1}u;
const W2 = ${L.W2}u;
const B2 = ${L.b2}u;
const BATCH = ${L.batch}u;
const HIDDEN = ${L.hidden}u;
const DSCORES = ${L.dscores}u;
const DHIDDEN = ${L.dhidden}u;
const PER_ROW = ${L.perRow}u;
const UNITS = 8u;
const SLICE = ${SLICE}u;
const SLICES = ${Math.ceil(D / SLICE)}u;
const SPLIT = ${L.split}u;
const PARTIALS = ${L.partials}u;
const UPDATE_THREADS = ${L.updateThreads}u;
const FIRST = ${L.first}u;
const SECOND = ${L.second}u;

var<workgroup> sums: array<f32, ${GROUP}>;
var<workgroup> sums2: array<f32, ${GROUP}>;

// The thread's index in a dispatch of grid() workgroups of \`size\`.
fn flat(g: vec3u, size: u32) -> u32 {
  return g.x + g.y * ${MAX_GROUPS}u * size;
}

// Minibatch element (i, d) from row draws[rows + i] when this chunk holds
// it (one workgroup row per batch row). A row's image is flipped (draw 1)
// and shifted by (dy, dx) as drawn: pixel (r, c) takes the drawn source
// pixel, or 0 outside the image.
@compute @workgroup_size(${GROUP})
fn gather(@builtin(global_invocation_id) g: vec3u) {
  let d = g.x;
  let i = g.y;
  if (d >= D || i >= it.n) { return; }
  let r = u32(draws[it.rows + i]);
  if (r < part.start || r >= part.start + part.rows) { return; }
  var source = d;
  if (it.augment != 0xffffffffu) {
    let a = it.augment + 3u * i;
    let pixel = d / CHANNELS;
    var row = i32(pixel / WIDTH) - draws[a + 1u];
    var col = i32(pixel % WIDTH) - draws[a + 2u];
    if (draws[a] != 0) { col = i32(WIDTH) - 1 - col; }
    if (row < 0 || row >= i32(HEIGHT) || col < 0 || col >= i32(WIDTH)) {
      work[BATCH + i * D + d] = 0.0;
      return;
    }
    source = (u32(row) * WIDTH + u32(col)) * CHANNELS + d % CHANNELS;
  }
  work[BATCH + i * D + d] = chunk[(r - part.start) * D + source];
}

// X W1ᵀ for the first n rows, in SLICES slices of D: each thread a block
// of 4 rows by 4 hidden units over one slice, summed in registers (no
// barriers, which software adapters run slowly); slice s's sums go to
// part s of the split buffer.
@compute @workgroup_size(64)
fn forward1(@builtin(global_invocation_id) g: vec3u) {
  let blocks = (H + 3u) / 4u;
  let t = flat(g, 64u);
  let slice = t % SLICES;
  let r0 = (t / SLICES / blocks) * 4u;
  let u0 = (t / SLICES % blocks) * 4u;
  if (r0 >= it.n) { return; }
  var a: array<u32, 4>;
  var w: array<u32, 4>;
  for (var q = 0u; q < 4u; q++) {
    a[q] = BATCH + min(r0 + q, it.n - 1u) * D;
    w[q] = W1 + min(u0 + q, H - 1u) * D;
  }
  var acc: array<vec4f, 4>;
  let end = min(D, (slice + 1u) * SLICE);
  for (var k = slice * SLICE; k < end; k++) {
    let x = vec4f(work[a[0] + k], work[a[1] + k], work[a[2] + k], work[a[3] + k]);
    let v = vec4f(params[w[0] + k], params[w[1] + k], params[w[2] + k], params[w[3] + k]);
    acc[0] += x.x * v;
    acc[1] += x.y * v;
    acc[2] += x.z * v;
    acc[3] += x.w * v;
  }
  for (var q = 0u; q < 4u; q++) {
    for (var s = 0u; s < 4u; s++) {
      if (r0 + q < it.n && u0 + s < H) {
        work[SPLIT + (slice * B + r0 + q) * H + u0 + s] = acc[q][s];
      }
    }
  }
}

// h = relu(Σ over slices + b1), one thread per value.
@compute @workgroup_size(${GROUP})
fn hidden(@builtin(global_invocation_id) g: vec3u) {
  let t = flat(g, ${GROUP}u);
  if (t >= it.n * H) { return; }
  var sum = params[B1 + t % H];
  for (var slice = 0u; slice < SLICES; slice++) {
    sum += work[SPLIT + slice * B * H + t];
  }
  work[HIDDEN + t] = max(sum, 0.0);
}

// Per row: scores = h W2ᵀ + b2, then (mode 0) the loss and its gradient,
// (mode 1) whether the top class is the label, (mode 2) the top class,
// (mode 3) the scores, in place of the gradient.
@compute @workgroup_size(64)
fn forward2(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i >= it.n) { return; }
  var s: array<f32, ${C}>;
  for (var c = 0u; c < C; c++) {
    var acc = params[B2 + c];
    for (var h = 0u; h < H; h++) {
      acc += work[HIDDEN + i * H + h] * params[W2 + c * H + h];
    }
    s[c] = acc;
  }
  if (it.mode == 3u) {
    for (var c = 0u; c < C; c++) { work[DSCORES + i * C + c] = s[c]; }
    return;
  }
  var top = 0u;
  for (var c = 1u; c < C; c++) { if (s[c] > s[top]) { top = c; } }
  if (it.mode == 2u) {
    outputs[it.slot + i] = f32(top);
    return;
  }
  let y = u32(draws[it.labels + i]);
  if (it.mode == 1u) {
    work[PER_ROW + i] = select(0.0, 1.0, top == y);
    return;
  }
  let n = f32(it.n);
${
    s.loss === "mse"
      ? `  var sum = 0.0;
  for (var c = 0u; c < C; c++) {
    let diff = s[c] - select(0.0, 1.0, c == y);
    sum += diff * diff;
    work[DSCORES + i * C + c] = diff / n;
  }
  work[PER_ROW + i] = sum / (2.0 * n);`
      : `  var top2 = s[0];
  for (var c = 1u; c < C; c++) { top2 = max(top2, s[c]); }
  var z = 0.0;
  for (var c = 0u; c < C; c++) { z += exp(s[c] - top2); }
  for (var c = 0u; c < C; c++) {
    let p = exp(s[c] - top2) / z;
    work[DSCORES + i * C + c] = (p - select(0.0, 1.0, c == y)) / n;
  }
  work[PER_ROW + i] = -(s[y] - top2 - log(z)) / n;`
  }
}

// dW2 = dscoresᵀ h + reg W2 and db2 (threads 0 .. C*H+C), then
// dh = (dscores W2) ⊙ [h > 0] (the next B*H threads). The backward pass
// always runs on a whole minibatch of B rows.
@compute @workgroup_size(${GROUP})
fn backward2(@builtin(global_invocation_id) g: vec3u) {
  let t = flat(g, ${GROUP}u);
  if (t < C * H) {
    let c = t / H;
    let h = t % H;
    var acc = 0.0;
    for (var i = 0u; i < B; i++) {
      acc += work[DSCORES + i * C + c] * work[HIDDEN + i * H + h];
    }
    grads[W2 + t] = acc + it.reg * params[W2 + t];
    return;
  }
  if (t < C * H + C) {
    let c = t - C * H;
    var acc = 0.0;
    for (var i = 0u; i < B; i++) { acc += work[DSCORES + i * C + c]; }
    grads[B2 + c] = acc;
    return;
  }
  let u = t - C * H - C;
  if (u >= B * H) { return; }
  let i = u / H;
  let h = u % H;
  var acc = 0.0;
  if (work[HIDDEN + u] > 0.0) {
    for (var c = 0u; c < C; c++) {
      acc += work[DSCORES + i * C + c] * params[W2 + c * H + h];
    }
  }
  work[DHIDDEN + u] = acc;
}

// dW1 = dhᵀ X + reg W1: each thread one input d for UNITS hidden units,
// summed along the batch in registers (neighbouring threads read
// neighbouring inputs); the threads of input 0 also sum db1 = Σ dh.
@compute @workgroup_size(64)
fn backward1(@builtin(global_invocation_id) g: vec3u) {
  let d = flat(g, 64u) % D;
  let u0 = (flat(g, 64u) / D) * UNITS;
  if (u0 >= H) { return; }
  var acc: array<f32, UNITS>;
  var bias: array<f32, UNITS>;
  var at: array<u32, UNITS>;
  for (var q = 0u; q < UNITS; q++) { at[q] = min(u0 + q, H - 1u); }
  for (var i = 0u; i < B; i++) {
    let x = work[BATCH + i * D + d];
    let h = DHIDDEN + i * H;
    for (var q = 0u; q < UNITS; q++) {
      let e = work[h + at[q]];
      acc[q] += e * x;
      bias[q] += e;
    }
  }
  for (var q = 0u; q < UNITS; q++) {
    let unit = u0 + q;
    if (unit < H) {
      let w = W1 + unit * D + d;
      grads[w] = acc[q] + it.reg * params[w];
      if (d == 0u) { grads[B1 + unit] = bias[q]; }
    }
  }
}

// One step of the update rule for every parameter, each thread taking
// every UPDATE_THREADS-th one; each thread leaves Σ W² of its weights
// (before the step) for the regularisation loss.
@compute @workgroup_size(${GROUP})
fn update(@builtin(global_invocation_id) g: vec3u) {
  let t = flat(g, ${GROUP}u);
  if (t >= UPDATE_THREADS) { return; }
  var square = 0.0;
  let lr = opt[0];
  for (var p = t; p < P; p += UPDATE_THREADS) {
    let w = params[p];
    let grad = grads[p];
    if (p < B1 || (p >= W2 && p < B2)) { square += w * w; }
${updateRule(s.optimizer)}
  }
  work[PARTIALS + t] = square;
}

// outputs[slot] = Σ of the first n per-row values, plus (training)
// 0.5 reg Σ W² from the update's partial sums.
@compute @workgroup_size(${GROUP})
fn reduce(@builtin(local_invocation_index) l: u32) {
  var a = 0.0;
  for (var i = l; i < it.n; i += ${GROUP}u) { a += work[PER_ROW + i]; }
  var b = 0.0;
  if (it.mode == 0u) {
    for (var k = l; k < UPDATE_THREADS; k += ${GROUP}u) {
      b += work[PARTIALS + k];
    }
  }
  sums[l] = a;
  sums2[l] = b;
  workgroupBarrier();
  for (var half = ${GROUP / 2}u; half > 0u; half /= 2u) {
    if (l < half) {
      sums[l] += sums[l + half];
      sums2[l] += sums2[l + half];
    }
    workgroupBarrier();
  }
  if (l == 0u) { outputs[it.slot] = sums[0] + it.halfReg * sums2[0]; }
}

// The learning rate after an epoch: lr *= decay.
@compute @workgroup_size(1)
fn decay() {
  opt[0] = opt[0] * it.decay;
}
`;
}

/** The WGSL of one update rule (inside `update`, with `lr`, `grad`, `w`). */
function updateRule(o: ResolvedOptimizer): string {
  switch (o.optimizer) {
    case "sgd":
      return "    params[p] = w - lr * grad;";
    case "momentum":
      return `    let v = ${o.momentum} * opt[FIRST + p] - lr * grad;
    opt[FIRST + p] = v;
    params[p] = w + v;`;
    case "nesterov":
      return `    let previous = opt[FIRST + p];
    let v = ${o.momentum} * previous - lr * grad;
    opt[FIRST + p] = v;
    params[p] = w - ${o.momentum} * previous + ${1 + o.momentum} * v;`;
    case "adam":
      return `    let m = ${o.beta1} * opt[FIRST + p] + ${1 - o.beta1} * grad;
    let v = ${o.beta2} * opt[SECOND + p] + ${1 - o.beta2} * (grad * grad);
    opt[FIRST + p] = m;
    opt[SECOND + p] = v;
    params[p] = w - lr * (m / it.c1) / (sqrt(v / it.c2) + ${o.epsilon});`;
  }
}
