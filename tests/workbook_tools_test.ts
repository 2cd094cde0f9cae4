// The tools behind `deno task workbook`: the notebook as one module, and
// the output folder replaced whole.
import assert from "node:assert/strict";
import { cellsToModule, readCodeCells } from "../tools/notebook_module.ts";
import {
  discardOutput,
  publishOutput,
  startOutput,
} from "../tools/workbook_output.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);

Deno.test("the notebook's cells hold the workbook's code, written with the API", async () => {
  const cells = await readCodeCells(NOTEBOOK);
  const code = cells.join("\n");
  for (
    const expected of [
      "seed(0);",
      "seed(1);",
      "new TwoLayerNet(inputSize, hiddenSize, numClasses, { std: 1e-1 })",
      "net.scores(X)",
      "net.loss(X, y, 0.05)",
      "evalNumericalGradient(f, net.params[paramName])",
      "relError(paramGradNum, grads[paramName])",
      "net = new TwoLayerNet(inputSize, hiddenSize, numClasses);",
      "learningRate: 1e-5,",
      "net.predict(XVal)",
      "searchHyperparameters(data, settings",
      "netWeightsImage(",
      "bestNet.predict(XTest)",
      "bestNet.save(",
      "TwoLayerNet.load(",
      "confusionMatrixChart(",
      'loss: "softmax"',
      "compareWithReference(",
    ]
  ) {
    assert.ok(code.includes(expected), `no cell contains ${expected}`);
  }
  assert.doesNotMatch(code, /flush|setTimeout/, "no per-cell pauses");
  // The full search is the measured recipe (val 0.551, test 0.552).
  const full = /searchSize\(\) === "full"\s*\? \[([^\]]*)\]/.exec(code)?.[1];
  assert.ok(full, "a full search list");
  assert.equal(full.match(/learningRate: 1e-3/g)?.length, 2);
  assert.match(
    full,
    /reg: 0\.75,[^}]*learningRateDecay: 0\.92,[^}]*numIters: 12000/,
  );
  assert.match(
    full,
    /reg: 0\.5,[^}]*learningRateDecay: 0\.92,[^}]*numIters: 12000/,
  );
  assert.match(
    code,
    /optimizer: "momentum",\s*momentum: 0\.9,\s*augment: \{ flipHorizontal: true \}/,
  );
});

Deno.test("readCodeCells keeps code cells in order and rejects bad notebooks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a.ipynb`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        cells: [
          { cell_type: "code", source: ["const a = 1;\n", "a;"] },
          { cell_type: "markdown", source: "# title" },
          { cell_type: "code", source: "console.log(a);" },
        ],
      }),
    );
    assert.deepEqual(await readCodeCells(path), [
      "const a = 1;\na;",
      "console.log(a);",
    ]);
    await Deno.writeTextFile(path, "{ not json");
    await assert.rejects(() => readCodeCells(path), /a\.ipynb is not JSON/);
    await Deno.writeTextFile(path, '{"cells": {}}');
    await assert.rejects(() => readCodeCells(path), /has no "cells" list/);
    await Deno.writeTextFile(path, '{"cells": [{"cell_type": "code"}]}');
    await assert.rejects(
      () => readCodeCells(path),
      /cell 0 has no source text, found undefined/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cellsToModule makes relative imports absolute and marks cells", () => {
  const module = cellsToModule(
    [
      'import { a } from "../mod.ts";\nimport * as P from "@observablehq/plot";',
      'const m = await import("./x.ts");\nexport { b } from "../b.ts";',
    ],
    new URL("file:///p/notebooks/n.ipynb"),
  );
  assert.equal(
    module,
    '// cell 1\nimport { a } from "file:///p/mod.ts";\nimport * as P from "@observablehq/plot";\n\n' +
      '// cell 2\nconst m = await import("file:///p/notebooks/x.ts");\nexport { b } from "file:///p/b.ts";\n',
  );
});

Deno.test("an interrupted run leaves the previous output whole", async () => {
  const root = await Deno.makeTempDir();
  const out = `${root}/out`;
  const listing = async (dir: string) =>
    (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  try {
    // A first complete run.
    let staging = await startOutput(out);
    await Deno.writeTextFile(`${staging}/report.md`, "run 1");
    await Deno.writeTextFile(`${staging}/chart.svg`, "<svg/> 1");
    await publishOutput(staging, out);
    assert.deepEqual(await listing(root), ["out"]);

    // A second run dies after writing a newer chart: out/ is untouched, and
    // the next run clears the leftover staging folder.
    staging = await startOutput(out);
    await Deno.writeTextFile(`${staging}/chart.svg`, "<svg/> 2");
    assert.equal(await Deno.readTextFile(`${out}/chart.svg`), "<svg/> 1");
    assert.equal(await Deno.readTextFile(`${out}/report.md`), "run 1");
    const third = await startOutput(out);
    assert.deepEqual(await listing(root), ["out", third.split("/").at(-1)]);

    // A failed run discards its staging folder; a finished one replaces
    // every file, dropping those it did not write.
    await discardOutput(third);
    staging = await startOutput(out);
    await Deno.writeTextFile(`${staging}/report.md`, "run 4");
    await publishOutput(staging, out);
    assert.deepEqual(await listing(root), ["out"]);
    assert.deepEqual(await listing(out), ["report.md"]);

    // Subfolders are other runs' (out/beyond/, out/networks/): a swap
    // keeps them, also when it was cut short after the swap itself.
    await Deno.mkdir(`${out}/beyond`);
    await Deno.writeTextFile(`${out}/beyond/report.md`, "beyond 1");
    staging = await startOutput(out);
    await Deno.writeTextFile(`${staging}/report.md`, "run 5");
    await publishOutput(staging, out);
    assert.deepEqual(await listing(out), ["beyond", "report.md"]);
    assert.equal(
      await Deno.readTextFile(`${out}/beyond/report.md`),
      "beyond 1",
    );
    staging = await startOutput(out);
    await Deno.writeTextFile(`${staging}/report.md`, "run 6");
    await Deno.rename(out, `${out}.previous-y`);
    await Deno.rename(staging, out);
    await discardOutput(await startOutput(out));
    assert.deepEqual(await listing(root), ["out"]);
    assert.deepEqual(await listing(out), ["beyond", "report.md"]);
    assert.equal(await Deno.readTextFile(`${out}/report.md`), "run 6");
    await Deno.remove(`${out}/beyond`, { recursive: true });

    // A swap cut short after moving the old result aside: it comes back.
    await Deno.rename(out, `${out}.previous-x`);
    staging = await startOutput(out);
    assert.equal(await Deno.readTextFile(`${out}/report.md`), "run 6");
    await discardOutput(staging);
    assert.deepEqual(await listing(root), ["out"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
