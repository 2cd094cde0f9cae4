/**
 * `deno task classify [--net FILE] PICTURE...`: the three most probable
 * CIFAR-10 classes of each picture (PNG or JPEG, any size), from a saved
 * network (`.safetensors` or `.npz`; by default the one
 * notebooks/beyond_the_workbook.ipynb saves, out/networks/beyond.safetensors).
 * Exits with status 1 and one line `error: ...` naming the file on bad
 * input, 2 on bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TwoLayerNet } from "../mod.ts";
import { classifyImageFile } from "../src/images/mod.ts";

const DEFAULT_NET = new URL(
  "../out/networks/beyond.safetensors",
  import.meta.url,
);
const USAGE = "usage: deno task classify [--net FILE] PICTURE...";

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: Deno.args,
    options: { net: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
}
try {
  args = parse();
} catch (error) {
  console.error(`error: ${(error as Error).message}\n${USAGE}`);
  Deno.exit(2);
}
if (args.values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (args.positionals.length === 0) {
  console.error(`error: no picture given\n${USAGE}`);
  Deno.exit(2);
}

const netPath = args.values.net ?? DEFAULT_NET.pathname;
let net: TwoLayerNet;
try {
  net = await TwoLayerNet.load(netPath);
} catch (error) {
  const missing = error instanceof Deno.errors.NotFound ||
    /no such file/.test((error as Error).message);
  console.error(
    args.values.net === undefined && missing
      ? `error: no network at ${netPath}: run deno task beyond first (it trains and saves one), or pass --net FILE`
      : `error: ${oneLine(error)}`,
  );
  Deno.exit(1);
}

let failed = false;
for (const picture of args.positionals) {
  try {
    const { ranked } = await classifyImageFile(net, picture);
    console.log(
      `${picture}: ${
        ranked.slice(0, 3).map((c) =>
          `${c.className} ${(100 * c.probability).toFixed(1)}%`
        ).join(", ")
      }`,
    );
  } catch (error) {
    console.error(`error: ${oneLine(error)}`);
    failed = true;
  }
}
if (failed) Deno.exitCode = 1;

function oneLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split("\n")[0];
}
