/**
 * `deno task workbook`: runs the code cells of notebooks/two_layer_net.ipynb
 * in order, as one module, without Jupyter. The cells print the same lines
 * as in the notebook; what they `show` is written to the output folder
 * instead: charts as SVG and PNG, pictures as PNG, and the reference
 * comparison as `report.md`. The folder is replaced only when the run
 * finishes, so an interrupted run leaves the previous result whole.
 *
 * Usage: `deno task workbook [output folder, default out]`;
 * `TWOLAYER_SEARCH=quick` runs the notebook's short search.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { describeBackend } from "../mod.ts";
import { Figure, Picture, setShowHandler } from "../src/plot/mod.ts";
import { ReferenceComparison, searchSize } from "../src/workbook/mod.ts";
import { writeNotebookModule } from "./notebook_module.ts";
import {
  discardOutput,
  publishOutput,
  startOutput,
} from "./workbook_output.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);
const out = Deno.args[0] ?? "out";
const size = searchSize();
const started = performance.now();
const staging = await startOutput(out);
const files: string[] = [];
const notes: string[] = [];
let report: ReferenceComparison | undefined;

/** A file name not used yet in this run, from the name the cell gave. */
function fileName(name: string | undefined, extension: string): string {
  const base = (name ?? "figure").replace(/[^\w.-]+/g, "_");
  let candidate = `${base}.${extension}`;
  for (let k = 2; files.includes(candidate); k++) {
    candidate = `${base}_${k}.${extension}`;
  }
  return candidate;
}

setShowHandler(async (item, name) => {
  if (item instanceof Figure) {
    const svg = fileName(name, "svg");
    await item.save(`${staging}/${svg}`);
    files.push(svg);
    try {
      const png = svg.replace(/\.svg$/, ".png");
      await item.save(`${staging}/${png}`);
      files.push(png);
    } catch (error) {
      // The SVG is there; PNG needs a font file.
      const note = `PNGs of charts skipped: ${(error as Error).message}`;
      if (!notes.includes(note)) notes.push(note);
    }
  } else if (item instanceof Picture) {
    const png = fileName(name, "png");
    await item.save(`${staging}/${png}`);
    files.push(png);
  } else if (item instanceof ReferenceComparison) {
    report = item;
    console.log(item.markdown());
  } else {
    console.log(typeof item === "string" ? item : Deno.inspect(item));
  }
});

// Progress bars redraw one stderr line in a terminal; clear it before a
// printed line so the two never share a line.
if (Deno.stderr.isTerminal()) {
  const clear = new TextEncoder().encode("\r\x1b[2K");
  for (const method of ["log", "info", "error", "warn"] as const) {
    const print = console[method];
    console[method] = (...args: unknown[]) => {
      Deno.stderr.writeSync(clear);
      print(...args);
    };
  }
}

const module = await writeNotebookModule(NOTEBOOK);
try {
  await import(pathToFileURL(module).href);
} catch (error) {
  await discardOutput(staging);
  throw error;
} finally {
  await Deno.remove(module.slice(0, module.lastIndexOf("/")), {
    recursive: true,
  });
}
if (!report) {
  await discardOutput(staging);
  throw new Error(
    `${NOTEBOOK.pathname} showed no reference comparison (its last cell shows compareWithReference(...))`,
  );
}

const minutes = (performance.now() - started) / 60000;
await Deno.writeTextFile(
  `${staging}/report.md`,
  [
    "# Two-layer network workbook: reference vs ours",
    "",
    `Run of \`deno task workbook\` (the notebook's cells) on ${
      new Date().toISOString()
    }: ${minutes.toFixed(1)} minutes in all, ${size} search, ` +
    `${navigator.hardwareConcurrency} cores, kernels ${describeBackend()}.`,
    "",
    report.markdown(),
    "",
    "## Files",
    "",
    ...files.map((file) => `- [${file}](${file})`),
    ...(notes.length
      ? ["", "## Notes", "", ...notes.map((n) => `- ${n}`)]
      : []),
    "",
  ].join("\n"),
);
await publishOutput(staging, out);
console.log(
  `\nWrote ${files.length + 1} files to ${out}/ (report.md) in ${
    minutes.toFixed(1)
  } minutes.`,
);

// A quick search is not meant to beat the workbook; every other miss fails.
const misses = report.rows.filter((row) =>
  row.verdict === "miss" &&
  (size === "full" || !["hyperparameter search", "test set"].includes(row.step))
);
if (misses.length > 0) {
  console.error(
    `${misses.length} reference numbers missed: ${
      misses.map((row) => `${row.step} ${row.quantity}`).join("; ")
    }`,
  );
  Deno.exitCode = 1;
}
