// `deno run --allow-run tools/webgpu_tests.ts ARGS…`: runs `deno test ARGS…`
// and exits as it does, with one exception. Deno 2.9.6 with WebGPU on
// Mesa can abort as the process exits (glibc's heap checks raise SIGABRT,
// exit code 134) after every test has passed and the summary is printed
// (README, WebGPU). Such a run counts as passed, and says so; an abort
// before a summary of 0 failures, or any other failure, does not.

/** Lines of the run's output kept, for its summary line. */
const KEPT_BYTES = 64 * 1024;

/**
 * Whether the last summary line of `deno test`'s `output` is that of a run
 * with no failure.
 *
 * @example
 * ```ts
 * import { passedSummary } from "./webgpu_tests.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(passedSummary("a ... ok\n\nok | 17 passed | 0 failed (1m9s)\n"));
 * assert.ok(!passedSummary("FAILED | 16 passed | 1 failed (1m)\n"));
 * assert.ok(!passedSummary("webgpu: a test ... "));
 * ```
 */
export function passedSummary(output: string): boolean {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const summaries = plain.match(/^(ok|FAILED) \| \d+ passed.*$/gm) ?? [];
  const last = summaries.at(-1);
  return last !== undefined && last.startsWith("ok |") &&
    /\| 0 failed/.test(last);
}

async function main(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let tail = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-KEPT_BYTES);
  }
  const status = await child.status;
  if (status.success) return 0;
  const aborted = status.signal === "SIGABRT" || status.code === 134;
  if (aborted && passedSummary(tail)) {
    console.error(
      "deno test aborted as it exited, after every test had passed: the known fault of Deno 2.9.6's WebGPU on Mesa (README, WebGPU). Counted as passed.",
    );
    return 0;
  }
  return status.code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
