/**
 * `deno task workbook`: runs notebooks/two_layer_net.ipynb without Jupyter
 * (see run_notebook.ts) into `out/`: the charts, the weight pictures and
 * `report.md`, every reference number beside ours. Fails when the notebook
 * shows no reference comparison, or when a reference number is missed
 * (with `TWOLAYER_SEARCH=quick`, the search and test rows may miss).
 *
 * Usage: `deno task workbook [output folder, default out]`;
 * `TWOLAYER_SEARCH=quick` runs the notebook's short search.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ReferenceComparison, searchSize } from "../src/workbook/mod.ts";
import { runNotebook } from "./run_notebook.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);

const { shown } = await runNotebook({
  notebook: NOTEBOOK,
  out: Deno.args[0] ?? "out",
  title: "Two-layer network workbook: reference vs ours",
  check(shown) {
    if (!shown.some((item) => item instanceof ReferenceComparison)) {
      throw new Error(
        `${
          fileURLToPath(NOTEBOOK)
        } showed no reference comparison (its last cell shows compareWithReference(...))`,
      );
    }
  },
});
const report = shown.find((item) => item instanceof ReferenceComparison)!;

// A quick search is not meant to beat the workbook; every other miss fails.
const misses = report.rows.filter((row) =>
  row.verdict === "miss" &&
  (searchSize() === "full" ||
    !["hyperparameter search", "test set"].includes(row.step))
);
if (misses.length > 0) {
  console.error(
    `${misses.length} reference numbers missed: ${
      misses.map((row) => `${row.step} ${row.quantity}`).join("; ")
    }`,
  );
  Deno.exitCode = 1;
}
