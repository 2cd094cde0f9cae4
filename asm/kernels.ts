// AssemblyScript source of the WebAssembly matrix products (see
// src/kernels/_wasm.ts). `deno task build:wasm` compiles it into
// src/kernels/_kernels_wasm.ts. Each exported product exists once per element
// type (f64: 2 lanes per v128, f32: 4), so every hot loop is monomorphic.
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
