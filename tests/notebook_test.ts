// Executes notebooks/two_layer_net.ipynb headless with Jupyter and the Deno
// kernel (a short search: TWOLAYER_SEARCH=quick unless set), then checks the
// executed notebook's outputs against the workbook's numbers. Needs
// `jupyter nbconvert` and the kernel from `deno jupyter --install`; without
// them the test is ignored locally and fails when CI is set.
import assert from "node:assert/strict";
import { WORKBOOK_REFERENCE } from "../src/workbook/mod.ts";
import {
  assertPng,
  type Cell,
  executeNotebook,
  htmlExport,
  join,
  requireJupyterInCi,
  stripAnsi,
} from "./jupyter.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);
/**
 * Charts: toy loss, first-run loss and accuracy, class counts, search,
 * confusion matrix, per-class accuracy, softmax loss and accuracy,
 * optimizers.
 */
const CHARTS = 10;
/**
 * Live displays that end holding their chart: the first run, the search
 * and the softmax run.
 */
const LIVE_CHARTS = 3;

const missing = await requireJupyterInCi("the notebook");

Deno.test({
  name:
    "the executed notebook shows the workbook's numbers, charts and weights",
  ignore: missing !== undefined,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "twolayer_notebook_" });
    try {
      const { path, cells } = await executeNotebook(NOTEBOOK, dir);
      checkOutputs(cells);
      await checkHtmlExport(path);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function checkOutputs(cells: Cell[]): void {
  const code = cells.filter((cell) => cell.cell_type === "code");
  const outputs = code.flatMap((cell) => cell.outputs ?? []);
  const errors = outputs.filter((o) => o.output_type === "error");
  assert.deepEqual(
    errors.map((o) => `${o.ename}: ${o.evalue}`),
    [],
    "no cell may fail",
  );
  const text = stripAnsi(
    outputs.map((o) =>
      o.output_type === "stream"
        ? join(o.text)
        : join(o.data?.["text/plain"]) + "\n"
    ).join(""),
  );
  const R = WORKBOOK_REFERENCE;
  assert.match(text, /^Search backend: (blas|wasm|typescript|webgpu): .+$/m);

  // Toy cells.
  assert.match(text, /Difference between your loss and correct loss:\n0\.0\n/);
  const toyLoss = Number(/Final training loss: (\S+)/.exec(text)?.[1]);
  assert.ok(
    Math.abs(toyLoss - R.toyFinalLoss) <= 5e-12 * R.toyFinalLoss,
    `final toy loss ${toyLoss}, expected ${R.toyFinalLoss}`,
  );
  for (const name of ["W2", "b2", "W1", "b1"]) {
    const error = Number(
      new RegExp(`${name} max relative error: (\\S+)`).exec(text)?.[1],
    );
    assert.ok(error < 1e-8, `${name} relative error ${error}, expected < 1e-8`);
  }
  assert.match(text, /Train data shape: {2}\(49000, 3072\)/);

  // The first CIFAR run: the first "iteration i / 1000" lines are its own.
  R.firstRunLosses.forEach((expected, k) => {
    const match = new RegExp(`iteration ${100 * k} / 1000: loss (\\S+)`).exec(
      text,
    );
    assert.ok(match, `no loss line for iteration ${100 * k}`);
    const loss = Number(match[1]);
    assert.ok(
      Math.abs(loss - expected) <= 5e-12 * expected,
      `loss at iteration ${
        100 * k
      } is ${loss}, expected ${expected} to 12 digits`,
    );
  });
  assert.match(text, /Validation accuracy: {2}0\.172\n/);
  const history = /train_acc_history: \[([^\]]*)\]/.exec(text)?.[1];
  assert.deepEqual(
    history?.split(",").map(Number),
    [...R.firstRunTrainAcc],
    "train accuracy history",
  );
  assert.match(
    text,
    /Counts for each class in training data: {2}\[4913 4881 4921 4888 4922 4902 4898 4893 4887 4895\]/,
  );
  assert.match(
    text,
    /Counts for each class in validation data: {2}\[ 87 119 {2}79 112 {2}78 {2}98 102 107 113 105\]/,
  );

  // Live progress is one display updated in place, not a line per update.
  const firstRunCell = code.find((cell) =>
    join(cell.source).includes('label: "first run"')
  );
  const progress = (firstRunCell?.outputs ?? []).filter((o) =>
    o.output_type === "display_data"
  );
  assert.equal(progress.length, 1, "one progress display in the first run");
  assert.match(
    join(progress[0].data?.["text/plain"]),
    /^first run \[#{30}\] 100% 1000\/1000 /,
  );
  // It ends holding the loss and accuracy chart, as SVG and as an HTML
  // <img> above the line.
  assert.match(
    join(progress[0].data?.["text/html"]),
    /^<img alt="chart" src="data:image\/svg\+xml;base64,[^"]+"><pre>first run \[#{30}\] 100% /,
  );
  // The band of each stretch's losses, their running mean, train and val
  // accuracy.
  const liveChart = join(progress[0].data?.["image/svg+xml"]);
  assert.equal(liveChart.match(/aria-label="area"/g)?.length, 1);
  assert.equal(liveChart.match(/aria-label="line"/g)?.length, 3);

  // Search, test set and its bonus cells, softmax bonus, optimizers.
  assert.match(text, /== Best parameter settings ==\n/);
  assert.match(text, /Test accuracy: {2}0\.\d+\n/);
  for (const name of ["airplane", "cat", "truck"]) {
    assert.match(text, new RegExp(`^${name} +[01]\\.\\d{3}$`, "m"));
  }
  assert.match(text, /loaded back, same test predictions: true\n/);
  const softmax = Number(/Softmax: {2}(\S+)/.exec(text)?.[1]);
  assert.ok(
    Math.abs(softmax - R.softmaxToyLoss) <= 5e-12 * R.softmaxToyLoss,
    `toy softmax loss ${softmax}, expected ${R.softmaxToyLoss}`,
  );
  assert.match(text, /Softmax vs MSE validation accuracy: 0\.\d+ vs 0\.172\n/);
  for (const name of ["sgd", "momentum", "nesterov", "adam"]) {
    assert.match(text, new RegExp(`^${name} +lr [\\d.e-]+: final loss `, "m"));
  }

  // Charts carry SVG, an HTML <img> of it and a PNG; weight grids are PNGs.
  const charts = outputs.filter((o) =>
    o.data?.["image/svg+xml"] && o.output_type === "display_data" &&
    !join(o.data["text/html"]).includes("<pre>")
  );
  assert.equal(charts.length, CHARTS, "chart outputs");
  const live = outputs.filter((o) =>
    o.data?.["image/svg+xml"] && join(o.data["text/html"]).includes("<pre>")
  );
  assert.equal(live.length, LIVE_CHARTS, "live displays ending on a chart");
  const searchDisplay = join(live[1].data!["image/svg+xml"]);
  assert.match(searchDisplay, />best so far 0\.\d{3}</);
  for (const chart of charts) {
    assert.match(
      join(chart.data!["text/html"]),
      /^<img alt="chart" src="data:image\/svg\+xml;base64,/,
    );
    assertPng(join(chart.data!["image/png"]));
  }
  const weights = code
    .filter((cell) => join(cell.source).includes("netWeightsImage("))
    .flatMap((cell) => cell.outputs ?? [])
    .filter((o) => o.data?.["image/png"]);
  assert.equal(weights.length, 2, "subopt and best weight pictures as PNG");
  for (const png of weights) assertPng(join(png.data!["image/png"]));

  // The last cell's comparison table has no misses among the checked rows.
  const table = join(
    code.at(-1)?.outputs?.find((o) => o.data?.["text/markdown"])?.data?.[
      "text/markdown"
    ],
  );
  assert.match(
    table,
    /\| first CIFAR run \| validation accuracy \| 0\.172 \| 0\.172 \| match \|/,
  );
}

/**
 * nbconvert 6.5's HTML export strips inline SVG; every chart and picture
 * must still be there as an image.
 */
async function checkHtmlExport(executed: string): Promise<void> {
  const html = await htmlExport(executed);
  const svgImages = html.match(
    /<img alt="chart" src="data:image\/svg\+xml;base64,/g,
  );
  assert.equal(
    svgImages?.length,
    CHARTS + LIVE_CHARTS,
    "charts as <img> in the HTML export",
  );
  const pngImages = html.match(/<img src="data:image\/png;base64,/g);
  assert.equal(pngImages?.length, 2, "weight pictures in the HTML export");
}
