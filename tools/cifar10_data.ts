/**
 * CIFAR-10 data tasks.
 *
 * - `deno task data [--python]`: download the official binary (or Python)
 *   archive into `data/`, with a progress bar and md5 check.
 * - `deno task export:binary [DIR]`: write the official binary layout from
 *   the default source (a local folder or the npm mirror) into DIR
 *   (default `data`).
 *
 * @module
 */

import { downloadCifar10, exportCifar10Binary } from "../src/cifar10/mod.ts";

const [command, ...rest] = Deno.args;
// A failure is a message for the user, not a stack trace.
const run = async (task: () => Promise<string>) => {
  try {
    console.log(await task());
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
};
if (command === "download") {
  const format = rest.includes("--python") ? "python" : "binary";
  await run(() => downloadCifar10({ format }));
} else if (command === "export") {
  await run(() => exportCifar10Binary(rest[0] ?? "data"));
} else {
  console.error(
    "usage: tools/cifar10_data.ts download [--python] | export [DIR]",
  );
  Deno.exit(2);
}
