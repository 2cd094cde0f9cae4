/**
 * CIFAR-10 loading benchmark (`deno task bench:data`): time and peak memory
 * of `loadCifar10` and `getCifar10Data` per source, beside numpy's
 * pickle-based workbook loader on the same Python batches. Each run is a
 * fresh process under GNU time (`/usr/bin/time`), whose maximum resident
 * set size is the peak memory. Prepares `data/` first: the
 * binary batches exported from the npm mirror, and their Python pickle
 * layout written by tools/make_cifar_fixtures.py (`PYTHON2`, default
 * `python2.7`; numpy's side needs `python3` with numpy).
 *
 * @module
 */

import { exportCifar10Binary } from "../src/cifar10/mod.ts";
import { pathKind } from "../src/cifar10/_path_kind.ts";

const BIN = "data/cifar-10-batches-bin";
const PY = "data/cifar-10-batches-py";
const RUNS = 3;

interface Measure {
  seconds: number;
  peakMiB: number;
}

async function run(
  command: string,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")} failed: ${stderr}`);
  }
  return { stdout, stderr };
}

/** Best time and its peak memory over RUNS fresh processes. */
async function best(command: string, args: string[]): Promise<Measure> {
  const runs: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout, stderr } = await run("/usr/bin/time", [
      "-f",
      "%M",
      command,
      ...args,
    ]);
    const { seconds } = JSON.parse(stdout.trim().split("\n").at(-1)!);
    const peakKb = Number(stderr.trim().split("\n").at(-1));
    runs.push({ seconds, peakMiB: peakKb / 1024 });
  }
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

if ((await pathKind(BIN)) === undefined) {
  console.error(`exporting the npm mirror to ${BIN} ...`);
  await exportCifar10Binary("data", { source: "npm" });
}
if ((await pathKind(PY)) === undefined) {
  console.error(`writing the Python pickle layout to ${PY} ...`);
  await run(Deno.env.get("PYTHON2") ?? "python2.7", [
    "tools/make_cifar_fixtures.py",
    "--from-bin",
    BIN,
    "--out",
    "data",
  ]);
}

const deno = (source: string, step: string) =>
  best(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-env",
    "bench/cifar10_measure.ts",
    source,
    step,
  ]);
const numpy = (step: string) =>
  best("python3", ["bench/cifar10_numpy.py", PY, step]);

const rows: [string, Measure, Measure][] = [
  [
    "twolayer, npm mirror (PNG)",
    await deno("npm", "load"),
    await deno("npm", "data"),
  ],
  [
    "twolayer, binary batches",
    await deno(BIN, "load"),
    await deno(BIN, "data"),
  ],
  ["twolayer, Python pickles", await deno(PY, "load"), await deno(PY, "data")],
  [
    "numpy workbook loader, Python pickles",
    await numpy("load"),
    await numpy("data"),
  ],
];

const cell = (m: Measure) =>
  `${m.seconds.toFixed(2)} s | ${Math.round(m.peakMiB)} MiB`;
console.log(
  "| source | load (60,000 images) | peak | getCifar10Data | peak |\n" +
    "| --- | --- | --- | --- | --- |",
);
for (const [name, load, data] of rows) {
  console.log(`| ${name} | ${cell(load)} | ${cell(data)} |`);
}
