/**
 * `deno task beyond`: runs notebooks/beyond_the_workbook.ipynb without
 * Jupyter (see run_notebook.ts) into `out/beyond/`: its charts, pictures
 * and `report.md` (its tables). The network it trains is saved by the
 * notebook itself to `out/networks/beyond.safetensors`, which
 * `deno task classify` uses. Fails when the notebook does not end by
 * printing its best test accuracy.
 *
 * Usage: `deno task beyond [output folder, default out/beyond]`;
 * `TWOLAYER_SEARCH=quick` runs the notebook's short version.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { runNotebook } from "./run_notebook.ts";

const NOTEBOOK = new URL(
  "../notebooks/beyond_the_workbook.ipynb",
  import.meta.url,
);

let lastLine = "";
const log = console.log;
console.log = (...args: unknown[]) => {
  lastLine = args.map(String).join(" ");
  log(...args);
};
try {
  await runNotebook({
    notebook: NOTEBOOK,
    out: Deno.args[0] ?? "out/beyond",
    title: "Beyond the workbook: how far two layers go",
    check() {
      if (!/^best test accuracy: 0\.\d{3}$/.test(lastLine)) {
        throw new Error(
          `${
            fileURLToPath(NOTEBOOK)
          } should end by printing "best test accuracy: 0.NNN", its last line was "${lastLine}"`,
        );
      }
    },
  });
} finally {
  console.log = log;
}
