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
if (command === "download") {
  const format = rest.includes("--python") ? "python" : "binary";
  console.log(await downloadCifar10({ format }));
} else if (command === "export") {
  console.log(await exportCifar10Binary(rest[0] ?? "data"));
} else {
  console.error(
    "usage: tools/cifar10_data.ts download [--python] | export [DIR]",
  );
  Deno.exit(2);
}
