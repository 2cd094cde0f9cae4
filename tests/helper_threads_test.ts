import assert from "node:assert/strict";
import {
  helperJobCount,
  HelperThreads,
  slices,
} from "../src/kernels/_helper_threads.ts";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ready()` until `n` threads are ready, or fails after 10 s. */
async function readyFor<I>(pool: HelperThreads<I>, n: number) {
  for (const start = Date.now(); pool.ready() < n;) {
    if (Date.now() - start > 10_000) assert.fail(`${n} threads never ready`);
    await delay(5);
  }
}

interface Tally {
  /** One slot per job: the id of the thread that ran it. */
  ranOn: Int32Array;
  /** One slot per job: its result. */
  out: Float64Array;
}

// Job [i, x]: out[i] = x², and ranOn[i] = this thread's id. Helpers are
// told apart from the caller by their Worker global `postMessage`.
const tallySetup = ({ ranOn, out }: Tally) => {
  const id = "postMessage" in globalThis ? 1 + Math.random() * 1e6 : -1;
  return (args: Float64Array) => {
    ranOn[args[0]] = id;
    out[args[0]] = args[1] * args[1];
  };
};

function tally(jobs: number): Tally {
  return {
    ranOn: new Int32Array(new SharedArrayBuffer(4 * jobs)),
    out: new Float64Array(new SharedArrayBuffer(8 * jobs)),
  };
}

Deno.test("slices are contiguous, tile-aligned and cover the range", () => {
  for (const [n, parts, multiple] of [[200, 2, 8], [50, 3, 4], [7, 4, 1]]) {
    const s = slices(n, parts, multiple);
    assert.ok(s.length >= 1 && s.length <= parts);
    assert.equal(s[0][0], 0);
    assert.equal(s.at(-1)![1], n);
    s.forEach(([a, b], i) => {
      assert.ok(b > a, `slice ${i} of ${n} is empty`);
      if (i > 0) assert.equal(a, s[i - 1][1]);
      if (i > 0) assert.equal(a % multiple, 0);
    });
  }
  assert.deepEqual(slices(0, 2), []);
});

Deno.test("jobs run on the caller and on helpers, with the same results", async () => {
  const t = tally(3);
  const pool = new HelperThreads(tallySetup, () => t);
  pool.setThreads(3);
  // Before helpers are ready, the caller runs what they cannot take.
  assert.equal(pool.ready(), 1);
  pool.run([[0, 2], [1, 3], [2, 4]]);
  assert.deepEqual([...t.out], [4, 9, 16]);

  await readyFor(pool, 3);
  const before = helperJobCount();
  t.out.fill(0);
  pool.run([[0, 5], [1, 6], [2, 7]]);
  assert.deepEqual([...t.out], [25, 36, 49]);
  assert.equal(t.ranOn[0], -1, "the first job runs on the caller");
  assert.ok(t.ranOn[1] > 0 && t.ranOn[2] > 0, "the others on helpers");
  assert.notEqual(t.ranOn[1], t.ranOn[2], "on two different helpers");
  assert.equal(helperJobCount() - before, 2);
  pool.setThreads(1);
});

Deno.test("idle helpers stop by themselves and start again when needed", async () => {
  const t = tally(2);
  const pool = new HelperThreads(tallySetup, () => t);
  pool.setThreads(2);
  await readyFor(pool, 2);
  // Past the idle time (200 ms) the helper stops: then it is not ready,
  // and that call starts another.
  const idle = Date.now();
  while (pool.ready() === 2) {
    if (Date.now() - idle > 10_000) {
      assert.fail("the idle helper never stopped");
    }
    await delay(50);
  }
  assert.ok(Date.now() - idle >= 150, "it stopped before its idle time");
  pool.run([[0, 1], [1, 2]]);
  assert.deepEqual([...t.out], [1, 4]);
  await readyFor(pool, 2);
  pool.run([[0, 3], [1, 4]]);
  assert.deepEqual([...t.out], [9, 16]);
  assert.ok(t.ranOn[1] > 0);
  pool.setThreads(1);
});

Deno.test("a job that throws on a helper fails the call with its message", async () => {
  const out = new Float64Array(new SharedArrayBuffer(16));
  const pool = new HelperThreads(({ out }: { out: Float64Array }) => (args) => {
    if (args[1] < 0) throw new RangeError(`negative input ${args[1]}`);
    out[args[0]] = Math.sqrt(args[1]);
  }, () => ({ out }));
  pool.setThreads(2);
  await readyFor(pool, 2);
  assert.throws(
    () => pool.run([[0, 4], [1, -9]]),
    /a helper thread failed: negative input -9/,
  );
  // The caller's own job ran; the failed helper is replaced.
  assert.equal(out[0], 2);
  await readyFor(pool, 2);
  pool.run([[0, 9], [1, 16]]);
  assert.deepEqual([...out], [3, 4]);
  pool.setThreads(1);
});

Deno.test("helpers that cannot set up leave the caller to run alone", async () => {
  const t = tally(2);
  const pool = new HelperThreads((init: Tally) => {
    if ("postMessage" in globalThis) {
      throw new Error("no library here");
    }
    return tallySetup(init);
  }, () => t);
  pool.setThreads(2);
  pool.ready();
  for (const start = Date.now(); !pool.unavailable;) {
    if (Date.now() - start > 10_000) assert.fail("the failure never showed");
    await delay(5);
    pool.ready();
  }
  assert.match(pool.unavailable!, /no helper threads: no library here/);
  assert.equal(pool.ready(), 1);
  pool.run([[0, 3], [1, 5]]);
  assert.deepEqual([...t.out], [9, 25]);
  assert.deepEqual([...t.ranOn], [-1, -1]);
});

Deno.test("a program whose helpers did work still exits by itself", async () => {
  // Products on helper threads until they have run some, then the end.
  const script = `
    import { Matrix, setThreads } from "${new URL(
    "../mod.ts",
    import.meta.url,
  )}";
    import { kernels } from "${new URL(
    "../src/kernels/mod.ts",
    import.meta.url,
  )}";
    import { helperJobCount } from "${new URL(
    "../src/kernels/_helper_threads.ts",
    import.meta.url,
  )}";
    setThreads(2);
    const k = kernels("wasm"), a = Matrix.zeros(200, 3072), b = Matrix.zeros(50, 3072);
    const out = Matrix.zeros(200, 50);
    while (helperJobCount() === 0) {
      k.matmulABt(a, b, out);
      await new Promise((r) => setTimeout(r, 1));
    }
    console.log("helper jobs", helperJobCount());
  `;
  // A helper that never stopped would hang it: the timeout kills it then.
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "inherit",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(code, 0);
  assert.match(new TextDecoder().decode(stdout), /helper jobs [1-9]/);
});

Deno.test("a helper that does not finish fails the call within its time limit", async () => {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // Job [ms]: a helper sleeps on the flag for ms (the caller never does).
  const pool = new HelperThreads(
    ({ flag }: { flag: Int32Array }) => (args: Float64Array) => {
      if ("postMessage" in globalThis) Atomics.wait(flag, 0, 0, args[0]);
    },
    () => ({ flag }),
    { minWaitMs: 200 },
  );
  pool.setThreads(2);
  await readyFor(pool, 2);
  const start = Date.now();
  assert.throws(
    () => pool.run([[0], [60_000]]),
    /a helper thread has not finished its job after 2\d\d ms \(job 60000, /,
  );
  assert.ok(Date.now() - start < 1000, "it waited past its limit");
  // Wake the stuck helper so that it stops; the pool goes on without it.
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  pool.run([[0], [0]]);
  pool.setThreads(1);
});
