// deno-fmt-ignore-file: deno fmt drops AssemblyScript's function decorators
// (the @inline of the element-wise kernels below).

// AssemblyScript source of the WebAssembly matrix products (see
// src/kernels/_wasm.ts) and element-wise kernels (_wasm_elementwise.ts).
// `deno task build:wasm` compiles it into src/kernels/_kernels_wasm.ts. Each
// exported product exists once per element type (f64: 2 lanes per v128, f32:
// 4), so every hot loop is monomorphic.
//
// All pointers are byte addresses in the imported memory. Rows of the
// gathered operand are given by a table of row addresses, so a minibatch is
// read straight out of the data set (the gather is fused into the product).

// Bytes of one operand row kept in L1 per k-block in `abt`.
const K_BLOCK_BYTES: i32 = 4096;

/** Sum of the lanes of `v`. */

function lanes<T>(v: v128): T {
  if (sizeof<T>() == 8) {
    return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  }
  return (v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1)) +
    (v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3));
}

/** Adds `x` to the element at `p`. */

function addTo<T>(p: usize, x: T): void {
  store<T>(p, load<T>(p) + x);
}

/** Vector dot product of `len` (a multiple of the lane count) elements. */

function dot<T>(pa: usize, pb: usize, len: i32): T {
  let acc = v128.splat<T>(0);
  const end = pa + <usize> (len * sizeof<T>());
  for (; pa < end; pa += 16, pb += 16) {
    acc = v128.add<T>(acc, v128.mul<T>(v128.load(pa), v128.load(pb)));
  }
  return lanes<T>(acc);
}

/**
 * out (n x m) = A · Bᵀ where row i of A starts at address `load(aRows + 4i)`
 * and B is m x k contiguous. Tiles: 4 rows of A x 2 rows of B, k blocked so
 * the A tile stays in L1 while B streams from L2.
 */
function abt<T>(
  aRows: usize,
  n: i32,
  k: i32,
  b: usize,
  m: i32,
  out: usize,
): void {
  const S = <i32> sizeof<T>();
  const lanesPer = 16 / S;
  const kv = k - k % lanesPer;
  const kBlock = K_BLOCK_BYTES / S;
  const rowBytes = <usize> (k * S);
  memory.fill(out, 0, <usize> (n * m * S));
  for (let k0 = 0; k0 < kv; k0 += kBlock) {
    const len = min(kBlock, kv - k0);
    const kOff = <usize> (k0 * S);
    const lenBytes = <usize> (len * S);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a0 = load<usize>(aRows + <usize> (i * 4)) + kOff;
      const a1 = load<usize>(aRows + <usize> (i * 4 + 4)) + kOff;
      const a2 = load<usize>(aRows + <usize> (i * 4 + 8)) + kOff;
      const a3 = load<usize>(aRows + <usize> (i * 4 + 12)) + kOff;
      const o = out + <usize> (i * m * S);
      const oRow = <usize> (m * S);
      let j = 0;
      for (; j + 2 <= m; j += 2) {
        const pb0 = b + <usize> j * rowBytes + kOff;
        const pb1 = pb0 + rowBytes;
        let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
        let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
        let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
        let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
        for (let p: usize = 0; p < lenBytes; p += 16) {
          const y0 = v128.load(pb0 + p), y1 = v128.load(pb1 + p);
          const x0 = v128.load(a0 + p);
          c00 = v128.add<T>(c00, v128.mul<T>(x0, y0));
          c01 = v128.add<T>(c01, v128.mul<T>(x0, y1));
          const x1 = v128.load(a1 + p);
          c10 = v128.add<T>(c10, v128.mul<T>(x1, y0));
          c11 = v128.add<T>(c11, v128.mul<T>(x1, y1));
          const x2 = v128.load(a2 + p);
          c20 = v128.add<T>(c20, v128.mul<T>(x2, y0));
          c21 = v128.add<T>(c21, v128.mul<T>(x2, y1));
          const x3 = v128.load(a3 + p);
          c30 = v128.add<T>(c30, v128.mul<T>(x3, y0));
          c31 = v128.add<T>(c31, v128.mul<T>(x3, y1));
        }
        const oj = o + <usize> (j * S);
        addTo<T>(oj, lanes<T>(c00));
        addTo<T>(oj + S, lanes<T>(c01));
        addTo<T>(oj + oRow, lanes<T>(c10));
        addTo<T>(oj + oRow + S, lanes<T>(c11));
        addTo<T>(oj + 2 * oRow, lanes<T>(c20));
        addTo<T>(oj + 2 * oRow + S, lanes<T>(c21));
        addTo<T>(oj + 3 * oRow, lanes<T>(c30));
        addTo<T>(oj + 3 * oRow + S, lanes<T>(c31));
      }
      // Odd last row of B.
      for (; j < m; j++) {
        const pb = b + <usize> j * rowBytes + kOff;
        const oj = o + <usize> (j * S);
        addTo<T>(oj, dot<T>(a0, pb, len));
        addTo<T>(oj + oRow, dot<T>(a1, pb, len));
        addTo<T>(oj + 2 * oRow, dot<T>(a2, pb, len));
        addTo<T>(oj + 3 * oRow, dot<T>(a3, pb, len));
      }
    }
    // The last n % 4 rows of A.
    for (; i < n; i++) {
      const pa = load<usize>(aRows + <usize> (i * 4)) + kOff;
      const o = out + <usize> (i * m * S);
      for (let j = 0; j < m; j++) {
        addTo<T>(
          o + <usize> (j * S),
          dot<T>(pa, b + <usize> j * rowBytes + kOff, len),
        );
      }
    }
  }
  // The last k % lanes columns, scalar.
  if (kv < k) {
    for (let i = 0; i < n; i++) {
      const pa = load<usize>(aRows + <usize> (i * 4));
      for (let j = 0; j < m; j++) {
        const pb = b + <usize> j * rowBytes;
        let s: T = 0;
        for (let p = kv; p < k; p++) {
          s += load<T>(pa + <usize> (p * S)) * load<T>(pb + <usize> (p * S));
        }
        addTo<T>(out + <usize> ((i * m + j) * S), s);
      }
    }
  }
}

/**
 * out (n x m) = A · B for A n x k contiguous and row p of B (m wide) at
 * address `load(bRows + 4p)`. Tiles: 4 rows of A x 2 vectors of columns,
 * looping over all of k so the B strip stays in L1 across row tiles.
 */
function ab<T>(
  a: usize,
  n: i32,
  k: i32,
  bRows: usize,
  m: i32,
  out: usize,
): void {
  const S = <i32> sizeof<T>();
  const width = 32 / S;
  const mv = m - m % width;
  const aRow = <usize> (k * S);
  const oRow = <usize> (m * S);
  const kEnd = <usize> (k * 4);
  for (let j = 0; j < mv; j += width) {
    const jOff = <usize> (j * S);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a0 = a + <usize> i * aRow;
      let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
      let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
      let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
      let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
      let pa = a0;
      for (let p: usize = 0; p < kEnd; p += 4, pa += S) {
        const pb = load<usize>(bRows + p) + jOff;
        const y0 = v128.load(pb), y1 = v128.load(pb, 16);
        const x0 = v128.load_splat<T>(pa);
        c00 = v128.add<T>(c00, v128.mul<T>(x0, y0));
        c01 = v128.add<T>(c01, v128.mul<T>(x0, y1));
        const x1 = v128.load_splat<T>(pa + aRow);
        c10 = v128.add<T>(c10, v128.mul<T>(x1, y0));
        c11 = v128.add<T>(c11, v128.mul<T>(x1, y1));
        const x2 = v128.load_splat<T>(pa + 2 * aRow);
        c20 = v128.add<T>(c20, v128.mul<T>(x2, y0));
        c21 = v128.add<T>(c21, v128.mul<T>(x2, y1));
        const x3 = v128.load_splat<T>(pa + 3 * aRow);
        c30 = v128.add<T>(c30, v128.mul<T>(x3, y0));
        c31 = v128.add<T>(c31, v128.mul<T>(x3, y1));
      }
      const o = out + <usize> i * oRow + jOff;
      v128.store(o, c00);
      v128.store(o, c01, 16);
      v128.store(o + oRow, c10);
      v128.store(o + oRow, c11, 16);
      v128.store(o + 2 * oRow, c20);
      v128.store(o + 2 * oRow, c21, 16);
      v128.store(o + 3 * oRow, c30);
      v128.store(o + 3 * oRow, c31, 16);
    }
    // The last n % 4 rows of A.
    for (; i < n; i++) {
      let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0);
      let pa = a + <usize> i * aRow;
      for (let p: usize = 0; p < kEnd; p += 4, pa += S) {
        const pb = load<usize>(bRows + p) + jOff;
        const x = v128.load_splat<T>(pa);
        c0 = v128.add<T>(c0, v128.mul<T>(x, v128.load(pb)));
        c1 = v128.add<T>(c1, v128.mul<T>(x, v128.load(pb, 16)));
      }
      const o = out + <usize> i * oRow + jOff;
      v128.store(o, c0);
      v128.store(o, c1, 16);
    }
  }
  // The last m % width columns, scalar.
  for (let i = 0; i < n; i++) {
    for (let j = mv; j < m; j++) {
      let s: T = 0;
      let pa = a + <usize> i * aRow;
      for (let p: usize = 0; p < kEnd; p += 4, pa += S) {
        s += load<T>(pa) * load<T>(load<usize>(bRows + p) + <usize> (j * S));
      }
      store<T>(out + <usize> i * oRow + <usize> (j * S), s);
    }
  }
}

/** dst (cols x rows) = srcᵀ for src rows x cols contiguous. */
function transpose<T>(src: usize, rows: i32, cols: i32, dst: usize): void {
  const S = <usize> sizeof<T>();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<T>(
        dst + (<usize> j * <usize> rows + <usize> i) * S,
        load<T>(src + (<usize> i * <usize> cols + <usize> j) * S),
      );
    }
  }
}

/** First byte the host may use: everything below belongs to this module. */
export function heapBase(): usize {
  return __heap_base;
}

/** f64 `abt`. */
export function abt64(
  aRows: usize,
  n: i32,
  k: i32,
  b: usize,
  m: i32,
  out: usize,
): void {
  abt<f64>(aRows, n, k, b, m, out);
}

/** f32 `abt`. */
export function abt32(
  aRows: usize,
  n: i32,
  k: i32,
  b: usize,
  m: i32,
  out: usize,
): void {
  abt<f32>(aRows, n, k, b, m, out);
}

/** f64 `ab`. */
export function ab64(
  a: usize,
  n: i32,
  k: i32,
  bRows: usize,
  m: i32,
  out: usize,
): void {
  ab<f64>(a, n, k, bRows, m, out);
}

/** f32 `ab`. */
export function ab32(
  a: usize,
  n: i32,
  k: i32,
  bRows: usize,
  m: i32,
  out: usize,
): void {
  ab<f32>(a, n, k, bRows, m, out);
}

/** f64 `transpose`. */
export function transpose64(
  src: usize,
  rows: i32,
  cols: i32,
  dst: usize,
): void {
  transpose<f64>(src, rows, cols, dst);
}

/** f32 `transpose`. */
export function transpose32(
  src: usize,
  rows: i32,
  cols: i32,
  dst: usize,
): void {
  transpose<f32>(src, rows, cols, dst);
}

// ---------------------------------------------------------------------------
// Element-wise kernels of a training step. Each exists once per element type
// and does, per element, exactly the operations of the TypeScript reference
// loops (src/kernels/elementwise.ts), in the same order and without fused
// multiply-adds, so every backend gets the same bits: in f64 those of
// CS231n's optim.py in numpy, in f32 those of the same formulas evaluated in
// float32 (each scalar rounded to f32 once; Adam's last line with one
// division, see `ruleVector`).
//
// Sums of squares are accumulated in f64 per chunk of CHUNK elements (the
// caller adds the chunks' sums in order), so a sum never depends on how the
// elements are split over threads. Within a chunk, groups of 4 elements go
// to two f64x2 accumulators: elements 4j, 4j+1 to the first, 4j+2, 4j+3 to
// the second; the chunk's sum is (a0 + a1) + (b0 + b1), then the last
// n % 4 elements in order.

/** Elements per partial sum of squares (a multiple of 4). */
const CHUNK: i32 = 8192;

/** Update rules, as the exports pass them to `update`. */
const SGD: i32 = 0, MOMENTUM: i32 = 1, NESTEROV: i32 = 2, ADAM: i32 = 3;

/** Squares of the 4 elements of group `w` (one vector of f32, or `w`, `w2` of f64) added to `acc`. */
// @ts-ignore: decorator
@inline
function squares<T>(acc: v128, w: v128, w2: v128, second: bool): v128 {
  if (sizeof<T>() == 8) {
    return v128.add<f64>(acc, v128.mul<f64>(second ? w2 : w, second ? w2 : w));
  }
  const half = second ? v128.shuffle<f32>(w, w, 2, 3, 0, 1) : w;
  const d = v128.promote_low<f32>(half);
  return v128.add<f64>(acc, v128.mul<f64>(d, d));
}

/**
 * One vector of the update `rule` at byte offset `o` of `w`, `g`, `s1`, `s2`
 * (state: velocity, or Adam's first and second moments); returns the old
 * weights. `k0..k7` are the rule's scalars, splatted.
 */
// @ts-ignore: decorator
@inline
function ruleVector<T>(
  rule: i32,
  regularise: bool,
  exact1: bool,
  exact2: bool,
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  reg: v128,
  k0: v128,
  k1: v128,
  k2: v128,
  k3: v128,
  k4: v128,
  k5: v128,
  k6: v128,
  k7: v128,
): v128 {
  const old = v128.load(w);
  let grad = v128.load(g);
  if (regularise) grad = v128.add<T>(grad, v128.mul<T>(reg, old));
  if (rule == SGD) {
    // w + (-lr) g
    v128.store(w, v128.add<T>(old, v128.mul<T>(k0, grad)));
  } else if (rule == MOMENTUM) {
    // v = mu v - lr g; w + v
    const v = v128.sub<T>(
      v128.mul<T>(k0, v128.load(s1)),
      v128.mul<T>(k1, grad),
    );
    v128.store(s1, v);
    v128.store(w, v128.add<T>(old, v));
  } else if (rule == NESTEROV) {
    // v = mu p - lr g; w + ((-mu) p + (1 + mu) v)
    const p = v128.load(s1);
    const v = v128.sub<T>(v128.mul<T>(k0, p), v128.mul<T>(k1, grad));
    v128.store(s1, v);
    v128.store(
      w,
      v128.add<T>(
        old,
        v128.add<T>(v128.mul<T>(k2, p), v128.mul<T>(k3, v)),
      ),
    );
  } else {
    // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) (g g); then in f64
    // w - (lr (m / c1)) / (sqrt(v / c2) + eps), a division by a correction
    // of exactly 1 left out (the same bits); in f32, with one division
    // instead of three, w - ((lr / c1) m) / (sqrt(v) (1 / sqrt(c2)) + eps).
    const m = v128.add<T>(
      v128.mul<T>(k0, v128.load(s1)),
      v128.mul<T>(k1, grad),
    );
    const v = v128.add<T>(
      v128.mul<T>(k2, v128.load(s2)),
      v128.mul<T>(k3, v128.mul<T>(grad, grad)),
    );
    v128.store(s1, m);
    v128.store(s2, v);
    if (sizeof<T>() == 8) {
      const num = v128.mul<T>(k4, exact1 ? m : v128.div<T>(m, k5));
      const den = v128.add<T>(
        v128.sqrt<T>(exact2 ? v : v128.div<T>(v, k6)),
        k7,
      );
      v128.store(w, v128.sub<T>(old, v128.div<T>(num, den)));
    } else {
      const den = v128.add<T>(v128.mul<T>(v128.sqrt<T>(v), k6), k7);
      v128.store(
        w,
        v128.sub<T>(old, v128.div<T>(v128.mul<T>(k4, m), den)),
      );
    }
  }
  return old;
}

/** `ruleVector` on one element (the tail), returning the old weight. */
// @ts-ignore: decorator
@inline
function ruleScalar<T>(
  rule: i32,
  regularise: bool,
  exact1: bool,
  exact2: bool,
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  reg: T,
  k0: T,
  k1: T,
  k2: T,
  k3: T,
  k4: T,
  k5: T,
  k6: T,
  k7: T,
): T {
  const old = load<T>(w);
  let grad = load<T>(g);
  if (regularise) grad = grad + reg * old;
  if (rule == SGD) {
    store<T>(w, old + k0 * grad);
  } else if (rule == MOMENTUM) {
    const v: T = k0 * load<T>(s1) - k1 * grad;
    store<T>(s1, v);
    store<T>(w, old + v);
  } else if (rule == NESTEROV) {
    const p = load<T>(s1);
    const v: T = k0 * p - k1 * grad;
    store<T>(s1, v);
    store<T>(w, old + (k2 * p + k3 * v));
  } else {
    const m: T = k0 * load<T>(s1) + k1 * grad;
    const v: T = k2 * load<T>(s2) + k3 * (grad * grad);
    store<T>(s1, m);
    store<T>(s2, v);
    if (sizeof<T>() == 8) {
      const num: T = k4 * (exact1 ? m : m / k5);
      store<T>(w, old - num / (<T> sqrt<T>(exact2 ? v : v / k6) + k7));
    } else {
      store<T>(w, old - (k4 * m) / (<T> sqrt<T>(v) * k6 + k7));
    }
  }
  return old;
}

/**
 * Elements `i0..i1` of `n` (i0 a multiple of CHUNK) of one update `rule`,
 * the gradient regularised first (`g + reg w`, not stored) when `reg` is
 * not 0; stores each chunk's sum of the old squared weights, as f64, at
 * `sums + 8 * (chunk index)`. `s1`, `s2` are unused by rules without them.
 */
// @ts-ignore: decorator
@inline
function update<T>(
  rule: i32,
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  const S = <usize> sizeof<T>();
  const regularise = reg != 0;
  // Adam's corrections once they are exactly 1 (t > 350 in f64).
  const exact1 = c5 == 1, exact2 = c6 == 1;
  const r = v128.splat<T>(<T> reg);
  const k0 = v128.splat<T>(<T> c0), k1 = v128.splat<T>(<T> c1);
  const k2 = v128.splat<T>(<T> c2), k3 = v128.splat<T>(<T> c3);
  const k4 = v128.splat<T>(<T> c4), k5 = v128.splat<T>(<T> c5);
  const k6 = v128.splat<T>(<T> c6), k7 = v128.splat<T>(<T> c7);
  for (let start = i0; start < i1; start += CHUNK) {
    const end = min(start + CHUNK, i1);
    const vend = start + ((end - start) & ~3);
    let a = v128.splat<f64>(0), b = v128.splat<f64>(0);
    for (let i = start; i < vend; i += 4) {
      const o = <usize> i * S;
      if (regularise) {
        const x = ruleVector<T>(
          rule,
          true,
          exact1,
          exact2,
          w + o,
          g + o,
          s1 + o,
          s2 + o,
          r,
          k0,
          k1,
          k2,
          k3,
          k4,
          k5,
          k6,
          k7,
        );
        let x2 = x;
        if (S == 8) {
          x2 = ruleVector<T>(
            rule,
            true,
            exact1,
            exact2,
            w + o + 16,
            g + o + 16,
            s1 + o + 16,
            s2 + o + 16,
            r,
            k0,
            k1,
            k2,
            k3,
            k4,
            k5,
            k6,
            k7,
          );
        }
        a = squares<T>(a, x, x2, false);
        b = squares<T>(b, x, x2, true);
      } else {
        const x = ruleVector<T>(
          rule,
          false,
          exact1,
          exact2,
          w + o,
          g + o,
          s1 + o,
          s2 + o,
          r,
          k0,
          k1,
          k2,
          k3,
          k4,
          k5,
          k6,
          k7,
        );
        let x2 = x;
        if (S == 8) {
          x2 = ruleVector<T>(
            rule,
            false,
            exact1,
            exact2,
            w + o + 16,
            g + o + 16,
            s1 + o + 16,
            s2 + o + 16,
            r,
            k0,
            k1,
            k2,
            k3,
            k4,
            k5,
            k6,
            k7,
          );
        }
        a = squares<T>(a, x, x2, false);
        b = squares<T>(b, x, x2, true);
      }
    }
    let sum = (v128.extract_lane<f64>(a, 0) + v128.extract_lane<f64>(a, 1)) +
      (v128.extract_lane<f64>(b, 0) + v128.extract_lane<f64>(b, 1));
    for (let i = vend; i < end; i++) {
      const o = <usize> i * S;
      const x = <f64> ruleScalar<T>(
        rule,
        regularise,
        exact1,
        exact2,
        w + o,
        g + o,
        s1 + o,
        s2 + o,
        <T> reg,
        <T> c0,
        <T> c1,
        <T> c2,
        <T> c3,
        <T> c4,
        <T> c5,
        <T> c6,
        <T> c7,
      );
      sum += x * x;
    }
    store<f64>(sums + <usize> (start / CHUNK) * 8, sum);
  }
}

/**
 * Elements `i0..i1` (i0 a multiple of CHUNK) of `g += reg w`, storing each
 * chunk's sum of squared weights as `update` does.
 */
function regularise<T>(
  w: usize,
  g: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
): void {
  const S = <usize> sizeof<T>();
  const r = v128.splat<T>(<T> reg);
  for (let start = i0; start < i1; start += CHUNK) {
    const end = min(start + CHUNK, i1);
    const vend = start + ((end - start) & ~3);
    let a = v128.splat<f64>(0), b = v128.splat<f64>(0);
    for (let i = start; i < vend; i += 4) {
      const o = <usize> i * S;
      const x = v128.load(w + o);
      v128.store(g + o, v128.add<T>(v128.load(g + o), v128.mul<T>(r, x)));
      let x2 = x;
      if (S == 8) {
        x2 = v128.load(w + o + 16);
        v128.store(
          g + o + 16,
          v128.add<T>(v128.load(g + o + 16), v128.mul<T>(r, x2)),
        );
      }
      a = squares<T>(a, x, x2, false);
      b = squares<T>(b, x, x2, true);
    }
    let sum = (v128.extract_lane<f64>(a, 0) + v128.extract_lane<f64>(a, 1)) +
      (v128.extract_lane<f64>(b, 0) + v128.extract_lane<f64>(b, 1));
    for (let i = vend; i < end; i++) {
      const o = <usize> i * S;
      const x = load<T>(w + o);
      store<T>(g + o, load<T>(g + o) + <T> reg * x);
      sum += <f64> x * <f64> x;
    }
    store<f64>(sums + <usize> (start / CHUNK) * 8, sum);
  }
}

/**
 * Rows `r0..r1` of `h` (`cols` wide): `h = max(h + b, 0)` on the bits:
 * values `<= 0` (and -0) become +0, NaNs keep their bits.
 */
function biasRelu<T>(h: usize, b: usize, cols: i32, r0: i32, r1: i32): void {
  const S = <usize> sizeof<T>();
  const lanesPer = 16 / <i32> S;
  const cv = cols - cols % lanesPer;
  const zero = v128.splat<T>(0);
  for (let r = r0; r < r1; r++) {
    const row = h + <usize> r * <usize> cols * S;
    for (let j = 0; j < cv; j += lanesPer) {
      const o = <usize> j * S;
      const x = v128.add<T>(v128.load(row + o), v128.load(b + o));
      v128.store(row + o, v128.andnot(x, v128.le<T>(x, zero)));
    }
    for (let j = cv; j < cols; j++) {
      const o = <usize> j * S;
      const x: T = load<T>(row + o) + load<T>(b + o);
      store<T>(row + o, x <= 0 ? <T> 0 : x);
    }
  }
}

/**
 * Columns `c0..c1` of `dh` (`rows` x `cols`): zero the gradient where the
 * activation `h <= 0` (on the bits, as `biasRelu`), then
 * `out[j] = Σᵢ dh[i, j]` summed in row order.
 */
function reluBackwardSum<T>(
  dh: usize,
  h: usize,
  rows: i32,
  cols: i32,
  c0: i32,
  c1: i32,
  out: usize,
): void {
  const S = <usize> sizeof<T>();
  const lanesPer = 16 / <i32> S;
  const cv = c0 + (c1 - c0) - (c1 - c0) % lanesPer;
  const zero = v128.splat<T>(0);
  const rowBytes = <usize> cols * S;
  for (let j = c0; j < cv; j += lanesPer) {
    const o = <usize> j * S;
    let sum = v128.splat<T>(0);
    for (let i = 0; i < rows; i++) {
      const at = <usize> i * rowBytes + o;
      const x = v128.andnot(
        v128.load(dh + at),
        v128.le<T>(v128.load(h + at), zero),
      );
      v128.store(dh + at, x);
      sum = v128.add<T>(sum, x);
    }
    v128.store(out + o, sum);
  }
  for (let j = cv; j < c1; j++) {
    const o = <usize> j * S;
    let sum: T = 0;
    for (let i = 0; i < rows; i++) {
      const at = <usize> i * rowBytes + o;
      const x: T = load<T>(h + at) <= 0 ? <T> 0 : load<T>(dh + at);
      store<T>(dh + at, x);
      sum += x;
    }
    store<T>(out + o, sum);
  }
}

/**
 * Rows `r0..r1` of the gathered minibatch `batch` (rows of `height` x
 * `width` x `channels` values, pixel-major) flipped left to right where
 * `flips[i]` (one byte per row; `flips` 0: none) and then moved by
 * `dx[i]` columns and `dy[i]` rows (i32 per row; `dx` 0: none), zeros
 * moved in; `tmp` holds one row.
 */
function augment<T>(
  batch: usize,
  r0: i32,
  r1: i32,
  flips: usize,
  dx: usize,
  dy: usize,
  height: i32,
  width: i32,
  channels: i32,
  tmp: usize,
): void {
  const S = <usize> sizeof<T>();
  const pixel = <usize> channels * S;
  const line = <usize> width * pixel;
  const rowBytes = <usize> height * line;
  for (let i = r0; i < r1; i++) {
    const flip = flips != 0 && load<u8>(flips + <usize> i) != 0;
    const sx = dx != 0 ? load<i32>(dx + <usize> i * 4) : 0;
    const sy = dx != 0 ? load<i32>(dy + <usize> i * 4) : 0;
    if (!flip && sx == 0 && sy == 0) continue;
    const row = batch + <usize> i * rowBytes;
    memory.copy(tmp, row, rowBytes);
    // Pixel (r, c) takes the flipped image's (r - sy, c - sx), or 0.
    const cFrom = max(sx, 0), cTo = min(width + sx, width);
    for (let r = 0; r < height; r++) {
      const to = row + <usize> r * line;
      const from = r - sy;
      if (from < 0 || from >= height || cTo <= cFrom) {
        memory.fill(to, 0, line);
        continue;
      }
      memory.fill(to, 0, <usize> cFrom * pixel);
      memory.fill(to + <usize> cTo * pixel, 0, <usize> (width - cTo) * pixel);
      const src = tmp + <usize> from * line;
      if (!flip) {
        memory.copy(
          to + <usize> cFrom * pixel,
          src + <usize> (cFrom - sx) * pixel,
          <usize> (cTo - cFrom) * pixel,
        );
      } else {
        // Pixel by pixel, value by value (a memory.copy per pixel costs a
        // call each).
        for (let c = cFrom; c < cTo; c++) {
          const d = to + <usize> c * pixel;
          const f = src + <usize> (width - 1 - (c - sx)) * pixel;
          for (let k: usize = 0; k < pixel; k += S) {
            store<T>(d + k, load<T>(f + k));
          }
        }
      }
    }
  }
}

// Exports of the element-wise kernels, once per rule and element type.

/** f64 `update` of rule SGD. */
export function sgd64(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f64>(
    SGD,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f32 `update` of rule SGD. */
export function sgd32(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f32>(
    SGD,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f64 `update` of rule MOMENTUM. */
export function momentum64(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f64>(
    MOMENTUM,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f32 `update` of rule MOMENTUM. */
export function momentum32(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f32>(
    MOMENTUM,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f64 `update` of rule NESTEROV. */
export function nesterov64(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f64>(
    NESTEROV,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f32 `update` of rule NESTEROV. */
export function nesterov32(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f32>(
    NESTEROV,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f64 `update` of rule ADAM. */
export function adam64(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f64>(
    ADAM,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f32 `update` of rule ADAM. */
export function adam32(
  w: usize,
  g: usize,
  s1: usize,
  s2: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
  c0: f64,
  c1: f64,
  c2: f64,
  c3: f64,
  c4: f64,
  c5: f64,
  c6: f64,
  c7: f64,
): void {
  update<f32>(
    ADAM,
    w,
    g,
    s1,
    s2,
    i0,
    i1,
    sums,
    reg,
    c0,
    c1,
    c2,
    c3,
    c4,
    c5,
    c6,
    c7,
  );
}

/** f64 `regularise`. */
export function regularise64(
  w: usize,
  g: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
): void {
  regularise<f64>(w, g, i0, i1, sums, reg);
}

/** f64 `biasRelu`. */
export function biasRelu64(
  h: usize,
  b: usize,
  cols: i32,
  r0: i32,
  r1: i32,
): void {
  biasRelu<f64>(h, b, cols, r0, r1);
}

/** f64 `reluBackwardSum`. */
export function reluBackwardSum64(
  dh: usize,
  h: usize,
  rows: i32,
  cols: i32,
  c0: i32,
  c1: i32,
  out: usize,
): void {
  reluBackwardSum<f64>(dh, h, rows, cols, c0, c1, out);
}

/** f64 `augment`. */
export function augment64(
  batch: usize,
  r0: i32,
  r1: i32,
  flips: usize,
  dx: usize,
  dy: usize,
  height: i32,
  width: i32,
  channels: i32,
  tmp: usize,
): void {
  augment<f64>(batch, r0, r1, flips, dx, dy, height, width, channels, tmp);
}

/** f32 `regularise`. */
export function regularise32(
  w: usize,
  g: usize,
  i0: i32,
  i1: i32,
  sums: usize,
  reg: f64,
): void {
  regularise<f32>(w, g, i0, i1, sums, reg);
}

/** f32 `biasRelu`. */
export function biasRelu32(
  h: usize,
  b: usize,
  cols: i32,
  r0: i32,
  r1: i32,
): void {
  biasRelu<f32>(h, b, cols, r0, r1);
}

/** f32 `reluBackwardSum`. */
export function reluBackwardSum32(
  dh: usize,
  h: usize,
  rows: i32,
  cols: i32,
  c0: i32,
  c1: i32,
  out: usize,
): void {
  reluBackwardSum<f32>(dh, h, rows, cols, c0, c1, out);
}

/** f32 `augment`. */
export function augment32(
  batch: usize,
  r0: i32,
  r1: i32,
  flips: usize,
  dx: usize,
  dy: usize,
  height: i32,
  width: i32,
  channels: i32,
  tmp: usize,
): void {
  augment<f32>(batch, r0, r1, flips, dx, dy, height, width, channels, tmp);
}
