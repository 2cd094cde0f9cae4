/**
 * numpy's legacy random stream (`np.random.seed`, `randn`, `rand`, `randint`,
 * `choice`) re-implemented value for value, so that a seeded TypeScript run
 * draws exactly what the workbook's numpy cells drew.
 *
 * @module
 */

import { checkArraySize } from "./matrix.ts";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** A snapshot of a {@linkcode RandomState}, for {@linkcode RandomState.setState}. */
export interface RandomStateSnapshot {
  /** The 624 words of the Mersenne Twister. */
  key: Uint32Array;
  /** Position of the next word in `key` (624 means "regenerate first"). */
  pos: number;
  /** Whether a second normal from the last polar pair is cached. */
  hasGauss: boolean;
  /** The cached normal (meaningful when `hasGauss`). */
  gauss: number;
}

/**
 * MT19937 with numpy's legacy distributions (`numpy.random.RandomState`).
 *
 * @example Same values as `np.random.seed(0); np.random.randn(2)`
 * ```ts
 * import { RandomState } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(0);
 * assert.deepEqual(Array.from(rng.randn(2)), [1.764052345967664, 0.4001572083672233]);
 * rng.seed(0);
 * assert.equal(rng.randn(1)[0], 1.764052345967664);
 * ```
 */
export class RandomState {
  #key = new Uint32Array(N);
  #pos = N;
  #hasGauss = false;
  #gauss = 0;

  /**
   * A stream seeded with `seed` (an integer in 0..2^32-1), or from the
   * system's entropy when no seed is given, like `RandomState()` in numpy.
   */
  constructor(seed?: number) {
    this.seed(seed ?? crypto.getRandomValues(new Uint32Array(1))[0]);
  }

  /**
   * Re-seeds in place exactly like `np.random.seed(seed)` (Matsumoto and
   * Nishimura's `init_genrand`), dropping any cached normal.
   *
   * @throws {RangeError} when `seed` is not an integer in 0..2^32-1.
   */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(
        `seed must be an integer between 0 and 2**32 - 1, got ${seed}`,
      );
    }
    const key = this.#key;
    key[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = key[i - 1] ^ (key[i - 1] >>> 30);
      key[i] = Math.imul(1812433253, prev) + i;
    }
    this.#pos = N;
    this.#hasGauss = false;
    this.#gauss = 0;
  }

  /** A copy of the full generator state. */
  getState(): RandomStateSnapshot {
    return {
      key: this.#key.slice(),
      pos: this.#pos,
      hasGauss: this.#hasGauss,
      gauss: this.#gauss,
    };
  }

  /**
   * Restores a state taken with {@linkcode RandomState.getState}, checked
   * whole first: on a bad snapshot the stream is unchanged.
   *
   * @throws {RangeError} for a key that is not 624 words in 0..2^32-1 or
   *   is all zeros (the generator would draw zeros forever), a `pos`
   *   outside 0..624, or a `hasGauss` or `gauss` of the wrong kind.
   *
   * @example
   * ```ts
   * import { RandomState } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const rng = new RandomState(0);
   * assert.throws(
   *   () => rng.setState({ ...rng.getState(), pos: NaN }),
   *   /^RangeError: RandomState snapshot pos must be an integer in 0..624, got NaN$/,
   * );
   * ```
   */
  setState(state: RandomStateSnapshot): void {
    const problem = snapshotProblem(state);
    if (problem) throw new RangeError(`RandomState snapshot ${problem}`);
    this.#key.set(state.key);
    this.#pos = state.pos;
    this.#hasGauss = state.hasGauss;
    this.#gauss = state.gauss;
  }

  /** An independent stream that continues from this one's current state. */
  clone(): RandomState {
    const copy = new RandomState(0);
    copy.setState(this.getState());
    return copy;
  }

  /** Refills the key with the next 624 words (the twist). */
  #twist(): void {
    const key = this.#key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M - N] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.#pos = 0;
  }

  /** The next raw 32-bit output (tempered), as an unsigned number. */
  nextUint32(): number {
    if (this.#pos >= N) this.#twist();
    let y = this.#key[this.#pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One uniform double in [0, 1) with 53 random bits (numpy's `random_sample`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal by the polar method, caching its twin like numpy. */
  nextGaussian(): number {
    if (this.#hasGauss) {
      this.#hasGauss = false;
      return this.#gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt(-2 * Math.log(r2) / r2);
    this.#gauss = f * x1;
    this.#hasGauss = true;
    return f * x2;
  }

  /** `n` standard normals, like `np.random.randn(n)` (fill a matrix row-major with them). */
  randn(n: number): Float64Array {
    checkCount("randn", n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextGaussian();
    return out;
  }

  /** `n` uniforms in [0, 1), like `np.random.rand(n)`. */
  rand(n: number): Float64Array {
    checkCount("rand", n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextDouble();
    return out;
  }

  /**
   * `n` integers in [low, high), like `np.random.randint(low, high, n)`:
   * masked rejection sampling on 32-bit draws.
   *
   * @throws {RangeError} when `high <= low` or the range does not fit 32 bits.
   */
  randint(low: number, high: number, n: number): Int32Array {
    checkCount("randint", n);
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new RangeError(
        `randint needs integers low < high, got low=${low}, high=${high}`,
      );
    }
    if (low < -0x80000000 || high > 0x80000000) {
      throw new RangeError(
        `randint range must fit in 32-bit integers, got [${low}, ${high})`,
      );
    }
    const range = high - low - 1;
    const out = new Int32Array(n);
    if (range === 0) return out.fill(low);
    // Smallest all-ones mask covering `range`, as numpy's gen_mask.
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (let i = 0; i < n; i++) {
      let value: number;
      do {
        value = (this.nextUint32() & mask) >>> 0;
      } while (value > range);
      out[i] = low + value;
    }
    return out;
  }

  /**
   * `size` draws from 0..n-1 with replacement, like
   * `np.random.choice(n, size)` (which is `randint(0, n, size)`).
   */
  choice(n: number, size: number): Int32Array {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(
        `choice needs a positive population size, got ${n}`,
      );
    }
    return this.randint(0, n, size);
  }
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `${what} needs a non-negative integer count, got ${n}`,
    );
  }
  checkArraySize(`${what}(${n})`, n, 8);
}

/**
 * The module's default stream, the counterpart of `np.random`: the network
 * and trainer draw from it when no `rng` option is given.
 */
export const random: RandomState = new RandomState();

/**
 * Re-seeds the default stream, like `np.random.seed(s)`.
 *
 * @example Mirror the workbook's `np.random.seed(1); 10 * np.random.randn(5, 4)`
 * ```ts
 * import { random, seed } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * seed(1);
 * assert.equal(random.randn(1)[0], 1.6243453636632417);
 * ```
 */
export function seed(s: number): void {
  random.seed(s);
}

/** What is wrong with `state` as a snapshot, or undefined when nothing is. */
function snapshotProblem(state: RandomStateSnapshot): string | undefined {
  if (typeof state !== "object" || state === null) {
    return `must be an object { key, pos, hasGauss, gauss }, got ${state}`;
  }
  const { key, pos, hasGauss, gauss } = state;
  const length = (key as { length?: unknown } | null)?.length;
  if (length !== N) {
    return `key must hold ${N} integers in 0..2**32-1, got ${
      typeof length === "number" ? `${length} values` : String(key)
    }`;
  }
  let any = 0;
  for (let i = 0; i < N; i++) {
    const word = key[i];
    if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) {
      return `key must hold ${N} integers in 0..2**32-1, but key[${i}] is ${word}`;
    }
    any |= word;
  }
  if (any === 0) {
    return "key is all zeros, from which the Mersenne Twister draws only zeros";
  }
  if (!Number.isInteger(pos) || pos < 0 || pos > N) {
    return `pos must be an integer in 0..${N}, got ${pos}`;
  }
  if (typeof hasGauss !== "boolean") {
    return `hasGauss must be true or false, got ${hasGauss}`;
  }
  if (typeof gauss !== "number" || !Number.isFinite(gauss)) {
    return `gauss must be a finite number, got ${gauss}`;
  }
  return undefined;
}
