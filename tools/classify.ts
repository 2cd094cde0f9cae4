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
import { fileURLToPath } from "node:url";
import { TwoLayerNet } from "../mod.ts";
import { checkClassifier, classifyImageFile } from "../src/images/mod.ts";

// A file path, not URL.pathname: a checkout under "my files" or "ü" would
// be looked for under "my%20files" or "%C3%BC".
const DEFAULT_NET = fileURLToPath(
  new URL("../out/networks/beyond.safetensors", import.meta.url),
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

if (args.values.net === "") {
  console.error(
    `error: --net needs a network file (.safetensors or .npz), got an empty name\n${USAGE}`,
  );
  Deno.exit(2);
}

const netPath = args.values.net ?? DEFAULT_NET;
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
// Once, before any picture: a network that cannot classify them is the
// file's fault, not each picture's.
try {
  checkClassifier(net);
} catch (error) {
  console.error(
    `error: ${netPath} cannot classify pictures: ${oneLine(error)}`,
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
