/**
 * Helper threads for the kernels: Workers that each run one slice of a
 * product while the calling thread runs another. Work is handed over
 * through a small shared control block and `Atomics`, so a kernel call
 * stays synchronous and costs a few microseconds more than on one thread.
 *
 * A helper is started from source text (a Blob URL), so it needs no
 * permission to read a file. It stops itself after a short idle spell, so
 * that it never keeps a finished program alive, and is started again by
 * the next call. How a call is sliced depends only on the thread count
 * set, never on which helpers are ready: until a helper is ready the
 * caller runs its slice too, so results never depend on helpers' timing.
 *
 * @module
 */

/**
 * Runs one job, described by the numbers `args` (addresses, sizes, an
 * operation code: whatever the backend's setup agreed on).
 *
 * @example
 * ```ts
 * import type { JobRunner } from "./_helper_threads.ts";
 *
 * const run: JobRunner = (args) => console.log(args[0]);
 * ```
 */
export type JobRunner = (args: Float64Array) => void;

/**
 * Builds a thread's {@linkcode JobRunner} from its init message. It is sent
 * to each helper as source text, so it must not use anything from outside
 * its own body; the calling thread builds its runner with it too.
 *
 * @example
 * ```ts
 * import type { HelperSetup } from "./_helper_threads.ts";
 *
 * const setup: HelperSetup<{ scale: number }> = ({ scale }) => (args) => {
 *   args[1] = args[0] * scale;
 * };
 * ```
 */
export type HelperSetup<I> = (init: I) => JobRunner;

/** Values a helper's state word takes; sent along, as helpers see no module scope. */
const PROTOCOL = {
  starting: 0,
  idle: 1,
  busy: 2,
  closed: 3,
  failed: 4,
  /** A job taken up by its helper (`busy`: handed over, not yet begun). */
  running: 5,
  /** Numbers a job may carry (float64s from byte 8 of the control block). */
  maxArgs: 20,
  /** Where a failed helper leaves its error, UTF-8, and how long it may be. */
  messageAt: 8 + 8 * 20,
  maxMessage: 2048,
  /** How long a helper polls for its next slice before it sleeps. */
  spinMs: 0.2,
  /**
   * The least time, in milliseconds, the caller's own jobs must take for it
   * to take back a job its helper has not begun (see `run`).
   */
  takeBackMs: 0.25,
  /** How long the caller polls for a helper's slice to end before it sleeps. */
  joinSpinMs: 1,
  /** How long it sleeps without work before it stops. */
  idleMs: 200,
  /**
   * How many times as long as the caller's own slices the caller waits for
   * a helper's, at the least {@linkcode HelperThreadsOptions.minWaitMs}:
   * a helper that died or hangs fails the call instead of stalling it.
   */
  waitFactor: 20,
};

type Protocol = typeof PROTOCOL;

/** What a helper sees of its Worker global scope. */
interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** The helper's side: sent as source text, like the setup it wraps. */
function helperMain<I>(setup: HelperSetup<I>): void {
  const scope = self as unknown as WorkerScope;
  scope.onmessage = (event: MessageEvent) => {
    const { control, init, protocol } = event.data as {
      control: SharedArrayBuffer;
      init: I;
      protocol: Protocol;
    };
    const P = protocol;
    // Word 0: the state; word 1: the error's length in bytes.
    const state = new Int32Array(control, 0, 2);
    const args = new Float64Array(control, 8, P.maxArgs);
    const fail = (error: unknown) => {
      const text = new TextEncoder()
        .encode(String((error as Error)?.message ?? error))
        .subarray(0, P.maxMessage);
      new Uint8Array(control, P.messageAt, text.length).set(text);
      Atomics.store(state, 1, text.length);
      Atomics.store(state, 0, P.failed);
      Atomics.notify(state, 0);
    };
    let run: JobRunner;
    try {
      run = setup(init);
    } catch (error) {
      fail(error);
      return scope.close();
    }
    Atomics.store(state, 0, P.idle);
    for (;;) {
      // The next slice usually follows within microseconds: poll first.
      const until = performance.now() + P.spinMs;
      while (Atomics.load(state, 0) === P.idle && performance.now() < until);
      if (
        Atomics.wait(state, 0, P.idle, P.idleMs) === "timed-out" &&
        Atomics.compareExchange(state, 0, P.idle, P.closed) === P.idle
      ) break;
      // Take the job up, unless the caller has taken it back meanwhile.
      if (Atomics.compareExchange(state, 0, P.busy, P.running) !== P.busy) {
        continue;
      }
      try {
        run(args);
      } catch (error) {
        fail(error);
        break;
      }
      Atomics.store(state, 0, P.idle);
      Atomics.notify(state, 0);
    }
    scope.close();
  };
}

interface Helper {
  control: SharedArrayBuffer;
  state: Int32Array;
  args: Float64Array;
  /** Why its Worker failed to run at all, once the event has arrived. */
  error?: string;
}

/** What a failed helper said, or the Worker's own error. */
function failure(h: Helper): string {
  const length = Atomics.load(h.state, 1);
  if (length === 0) return h.error ?? "no message";
  // Copied out of the shared memory: TextDecoder refuses shared views.
  const bytes = new Uint8Array(h.control, PROTOCOL.messageAt, length).slice();
  return new TextDecoder().decode(bytes);
}

let jobsOnHelpers = 0;

/**
 * How many jobs helper threads have run in this thread's pools so far
 * (for tests and diagnostics).
 *
 * @example
 * ```ts
 * import { helperJobCount } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(helperJobCount() >= 0);
 * ```
 */
export function helperJobCount(): number {
  return jobsOnHelpers;
}

/**
 * A set of helper threads running jobs built by one {@linkcode HelperSetup}.
 *
 * @example Squares, one per thread
 * ```ts
 * import { HelperThreads } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * const out = new Float64Array(new SharedArrayBuffer(8 * 4));
 * const pool = new HelperThreads(
 *   ({ out }: { out: Float64Array }) => (args) => {
 *     out[args[0]] = args[0] * args[0];
 *   },
 *   () => ({ out }),
 * );
 * pool.setThreads(2);
 * pool.run([[0], [1], [2], [3]]);
 * assert.deepEqual([...out], [0, 1, 4, 9]);
 * pool.setThreads(1);
 * ```
 */
export class HelperThreads<I> {
  readonly #minWaitMs: number;
  readonly #setup: HelperSetup<I>;
  readonly #init: () => I;
  #initValue: { value: I } | undefined;
  #local: JobRunner | undefined;
  readonly #localArgs = new Float64Array(PROTOCOL.maxArgs);
  #url: string | undefined;
  #helpers: Helper[] = [];
  #threads = 1;
  #unavailable: string | undefined;

  /**
   * `setup` builds a runner on each thread from `init()` (called once, on
   * first use; its value must survive `postMessage`).
   */
  constructor(
    setup: HelperSetup<I>,
    init: () => I,
    options: HelperThreadsOptions = {},
  ) {
    this.#setup = setup;
    this.#init = init;
    this.#minWaitMs = options.minWaitMs ?? 10_000;
  }

  /** Threads wanted, the caller's included (1: no helpers). */
  setThreads(n: number): void {
    this.#threads = n;
    // Extra helpers are dropped; they stop themselves once idle.
    this.#helpers.length = Math.min(this.#helpers.length, n - 1);
  }

  /** Threads wanted, the caller's included. */
  get threads(): number {
    return this.#threads;
  }

  /** Why helpers cannot run here, if they cannot. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  /**
   * How many threads the next {@linkcode HelperThreads.run} can use now:
   * the caller and its idle helpers. Starts missing helpers (ready on a
   * later call).
   */
  ready(): number {
    let n = 1;
    for (let i = 0; i < this.#threads - 1; i++) {
      const h = this.#helpers[i];
      const s = h ? Atomics.load(h.state, 0) : PROTOCOL.closed;
      if (s === PROTOCOL.idle) n++;
      else if (s === PROTOCOL.closed) this.#start(i);
      else if (s === PROTOCOL.failed) {
        // It could not set up (say, no permission there): run alone.
        this.#unavailable = `no helper threads: ${failure(h)}`;
        this.#helpers.length = 0;
        break;
      }
    }
    return n;
  }

  /**
   * How many slices to cut `work` into (see {@linkcode sliceCount}): by
   * the thread count set, not by how many helpers are ready now, so that
   * a call's result never depends on helpers' timing. Starts missing
   * helpers; 1 where helpers cannot run.
   */
  parts(work: number, min: number): number {
    this.ready();
    return sliceCount(this.#unavailable ? 1 : this.#threads, work, min);
  }

  /**
   * Runs `jobs[0]` on the calling thread and the others on idle helpers
   * (on the calling thread where none is idle); returns when all are done.
   *
   * @throws {Error} when a job fails on any thread, or a helper has not
   * finished its job in {@linkcode HelperThreadsOptions.minWaitMs} or 20
   * times as long as the caller's own jobs took, whichever is longer.
   */
  run(jobs: ArrayLike<number>[]): void {
    if (jobs.length === 0) return;
    this.#local ??= this.#setup(this.#initOnce());
    const sent: Helper[] = [];
    const mine = [jobs[0]];
    let next = 0;
    for (let j = 1; j < jobs.length; j++) {
      let h: Helper | undefined;
      while (next < this.#threads - 1 && !h) {
        const c = this.#helpers[next++];
        if (c && Atomics.load(c.state, 0) === PROTOCOL.idle) h = c;
      }
      if (!h) {
        mine.push(jobs[j]);
        continue;
      }
      h.args.set(jobs[j]);
      // Fails only if the helper has just stopped for idleness.
      if (
        Atomics.compareExchange(h.state, 0, PROTOCOL.idle, PROTOCOL.busy) ===
          PROTOCOL.idle
      ) {
        Atomics.notify(h.state, 0);
        sent.push(h);
        jobsOnHelpers++;
      } else {
        mine.push(jobs[j]);
      }
    }
    const start = performance.now();
    let own = 0;
    try {
      for (const job of mine) {
        this.#localArgs.set(job);
        this.#local(this.#localArgs);
      }
      own = performance.now() - start;
      // A helper that has not begun its job after as long again as ours
      // took (the system has not run it: other programs hold the cores)
      // gets it taken back, and this thread runs it: the same job, the
      // same bits. Jobs too short to matter are always waited for.
      if (own >= PROTOCOL.takeBackMs) {
        for (const h of sent) {
          while (
            Atomics.load(h.state, 0) === PROTOCOL.busy &&
            performance.now() - start < 2 * own
          );
          if (
            Atomics.compareExchange(
              h.state,
              0,
              PROTOCOL.busy,
              PROTOCOL.idle,
            ) === PROTOCOL.busy
          ) {
            jobsOnHelpers--;
            this.#localArgs.set(h.args);
            this.#local(this.#localArgs);
          }
        }
      }
    } finally {
      const limit = Math.max(
        this.#minWaitMs,
        PROTOCOL.waitFactor * (performance.now() - start),
      );
      for (const h of sent) this.#join(h, start, limit);
    }
  }

  #initOnce(): I {
    this.#initValue ??= { value: this.#init() };
    return this.#initValue.value;
  }

  /** Waits for `h`'s job, begun at `start`, at most `limit` ms from then. */
  #join(h: Helper, start: number, limit: number): void {
    // Poll (a slice ends about when ours does; waking from a sleep costs
    // tens of microseconds), then sleep where this thread may (not on a
    // browser's main thread).
    const until = performance.now() + PROTOCOL.joinSpinMs;
    const working = (state: number) =>
      state === PROTOCOL.busy || state === PROTOCOL.running;
    while (working(Atomics.load(h.state, 0))) {
      const now = performance.now();
      if (now - start > limit) {
        this.#drop(h);
        throw new Error(
          `a helper thread has not finished its job after ${
            Math.round(now - start)
          } ms (job ${[...h.args].slice(0, 4).join(", ")}, ...): ` +
            "it is dropped, and the call fails rather than wait forever",
        );
      }
      if (canWait && now > until) {
        try {
          const state = Atomics.load(h.state, 0);
          if (working(state)) Atomics.wait(h.state, 0, state, 10);
        } catch {
          canWait = false;
        }
      }
    }
    if (Atomics.load(h.state, 0) === PROTOCOL.failed) {
      this.#drop(h);
      throw new Error(`a helper thread failed: ${failure(h)}`);
    }
  }

  /** Forgets `h`: a new helper takes its place on a later call. */
  #drop(h: Helper): void {
    const i = this.#helpers.indexOf(h);
    if (i >= 0) this.#helpers.splice(i, 1);
  }

  #start(i: number): void {
    if (this.#unavailable) return;
    const control = new SharedArrayBuffer(
      PROTOCOL.messageAt + PROTOCOL.maxMessage,
    );
    const h: Helper = {
      control,
      state: new Int32Array(control, 0, 2),
      args: new Float64Array(control, 8, PROTOCOL.maxArgs),
    };
    try {
      this.#url ??= URL.createObjectURL(
        new Blob([`(${helperMain})(${this.#setup})`], {
          type: "text/javascript",
        }),
      );
      const worker = new Worker(this.#url, { type: "module" });
      worker.onerror = (e) => {
        e.preventDefault();
        h.error = e.message;
        Atomics.store(h.state, 0, PROTOCOL.failed);
      };
      worker.postMessage({
        control,
        init: this.#initOnce(),
        protocol: PROTOCOL,
      });
    } catch (error) {
      this.#unavailable = `no helper threads: ${(error as Error).message}`;
      return;
    }
    this.#helpers[i] = h;
  }
}

let canWait = true;

/** Options of a {@linkcode HelperThreads} pool. */
export interface HelperThreadsOptions {
  /**
   * The least time, in milliseconds, the caller waits for a helper's job
   * before the call fails (default 10 s; longer when the caller's own jobs
   * took long).
   */
  minWaitMs?: number;
}

/**
 * One thread per core, where the runtime says how many there are, and at
 * most 8 (products of a minibatch gain nothing from more): the default
 * thread count of the backends.
 *
 * @example
 * ```ts
 * import { defaultThreads } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(defaultThreads() >= 1 && defaultThreads() <= 8);
 * ```
 */
export function defaultThreads(): number {
  return Math.min(availableCores(), 8);
}

/**
 * The cores this program may use threads on: the runtime's count, or 1
 * where threads cannot share memory (a web page that is not cross-origin
 * isolated) or the runtime does not say (Node 20 has no `navigator`).
 *
 * @example
 * ```ts
 * import { availableCores } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(availableCores(), navigator.hardwareConcurrency);
 * ```
 */
export function availableCores(): number {
  const web = globalThis as { crossOriginIsolated?: boolean };
  if (web.crossOriginIsolated === false) return 1;
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

/**
 * How many slices to cut `work` into: one per thread, as long as each
 * keeps at least `min` units (below that, handing a slice over costs more
 * than it saves); at least one.
 *
 * @example
 * ```ts
 * import { sliceCount } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sliceCount(2, 30_000_000, 1 << 20), 2);
 * assert.equal(sliceCount(2, 100_000, 1 << 20), 1);
 * ```
 */
export function sliceCount(
  threads: number,
  work: number,
  min: number,
): number {
  return Math.min(threads, Math.max(1, Math.floor(work / min)));
}

/** Multiply-adds a slice of a product keeps at least (see {@linkcode sliceCount}). */
export const MIN_SLICE_WORK = 1 << 20;

/**
 * Splits `0..n` into at most `parts` contiguous slices of nearly equal
 * size, each starting at a multiple of `multiple` (so that slices keep a
 * kernel's tiles whole); never returns an empty slice.
 *
 * @example
 * ```ts
 * import { slices } from "./_helper_threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(slices(200, 2), [[0, 100], [100, 200]]);
 * assert.deepEqual(slices(50, 2, 4), [[0, 24], [24, 50]]);
 * assert.deepEqual(slices(3, 2, 4), [[0, 3]]);
 * ```
 */
export function slices(
  n: number,
  parts: number,
  multiple = 1,
): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts && start < n; p++) {
    const end = p === parts - 1
      ? n
      : Math.min(n, Math.round((n * (p + 1)) / parts / multiple) * multiple);
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}
