// notebooks/beyond_the_workbook.ipynb, executed headless with Jupyter (a
// quick size: TWOLAYER_SEARCH=quick unless set) and run as `deno task
// beyond`: every section's output is there, each training run ends on its
// chart, and the charts survive the HTML export. Both runs save the
// network to out/networks/beyond.safetensors; a network already there is
// put back afterwards.
import assert from "node:assert/strict";
import {
  type Cell,
  executeNotebook,
  htmlExport,
  join,
  type Output,
  requireJupyterInCi,
  stripAnsi,
} from "./jupyter.ts";

const NOTEBOOK = new URL(
  "../notebooks/beyond_the_workbook.ipynb",
  import.meta.url,
);
const SAVED = new URL("../out/networks/beyond.safetensors", import.meta.url);
/** Training runs: five hidden sizes, four rules, three augmentations, the best. */
const RUNS = 13;
/**
 * Charts: hidden sizes, update rules, augmented examples, augmentation,
 * learning curves, confusion matrix, most wrong, the picture at 32 x 32,
 * its probabilities.
 */
const CHARTS = 9;

const missing = await requireJupyterInCi("the second notebook");

/** Runs `fn` and puts back the network file it may overwrite. */
async function keepingSavedNetwork(fn: () => Promise<void>): Promise<void> {
  const before = await Deno.readFile(SAVED).catch(() => undefined);
  try {
    await fn();
  } finally {
    if (before) await Deno.writeFile(SAVED, before);
  }
}

Deno.test({
  name: "the second notebook runs headless and shows every section",
  ignore: missing !== undefined,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "twolayer_beyond_" });
    try {
      await keepingSavedNetwork(async () => {
        const { path, cells } = await executeNotebook(NOTEBOOK, dir);
        checkOutputs(cells);
        const html = await htmlExport(path);
        assert.equal(
          html.match(/<img alt="chart" src="data:image\/svg\+xml;base64,/g)
            ?.length,
          CHARTS + RUNS,
          "charts and live displays as <img> in the HTML export",
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function checkOutputs(cells: Cell[]): void {
  const outputs = cells.filter((cell) => cell.cell_type === "code")
    .flatMap((cell) => cell.outputs ?? []);
  assert.deepEqual(
    outputs.filter((o) => o.output_type === "error")
      .map((o) => `${o.ename}: ${o.evalue}`),
    [],
    "no cell may fail",
  );
  const text = stripAnsi(
    outputs.filter((o) => o.output_type === "stream").map((o) => join(o.text))
      .join(""),
  );
  // Each training run: one display, ending on its line and its chart.
  const live = outputs.filter((o) =>
    join(o.data?.["text/html"]).includes("<pre>")
  );
  assert.equal(live.length, RUNS, "a live display per training run");
  for (const display of live) {
    assert.match(join(display.data!["text/plain"]), /\] 100% \d+\/\d+ /);
    assert.match(
      join(display.data!["image/svg+xml"]),
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
  }
  const charts = outputs.filter((o) =>
    o.data?.["image/svg+xml"] && !join(o.data["text/html"]).includes("<pre>")
  );
  assert.equal(
    charts.length,
    CHARTS,
    `chart outputs; per code cell (charts/live displays): ${
      cells.filter((cell) => cell.cell_type === "code").map((cell, k) => {
        const o = cell.outputs ?? [];
        const isLive = (x: Output) =>
          join(x.data?.["text/html"]).includes("<pre>");
        return `${k}:${
          o.filter((x) => x.data?.["image/svg+xml"] && !isLive(x)).length
        }/${o.filter(isLive).length}`;
      }).join(" ")
    }`,
  );
  // The gallery of mistakes names true and predicted classes.
  const gallery = charts.map((o) => join(o.data!["image/svg+xml"]))
    .find((svg) => svg.includes(">true: "));
  assert.ok(gallery, "a gallery of mistakes");
  assert.equal(gallery.match(/<image /g)?.length, 16);
  assert.match(gallery, />said: \w+ \d+%</);
  // The saved network predicts as the trained one; the picture's answer.
  assert.match(
    text,
    /\.\.\/out\/networks\/beyond\.safetensors: \d+ bytes; same test predictions: true\n/,
  );
  assert.match(
    text,
    /^\w+ \d+\.\d%, \w+ \d+\.\d%, \w+ \d+\.\d%$/m,
    "the picture's top three classes",
  );
  // The cell names the backend it trains on.
  assert.match(text, /^Training backend: (blas|wasm|typescript|webgpu): .+$/m);
  const table = outputs.find((o) => o.data?.["text/markdown"]);
  assert.match(
    join(table?.data?.["text/markdown"]),
    /^\| experiment \| hidden \| rule \| augmentation \| epochs \| seconds \| valAcc \| testAcc \|/,
  );
  assert.match(text, /best test accuracy: 0\.\d{3}\n$/);
}

Deno.test({
  name: "deno task beyond runs the same cells without Jupyter",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "twolayer_beyond_out_" });
    try {
      await keepingSavedNetwork(async () => {
        const run = await new Deno.Command(Deno.execPath(), {
          args: ["task", "beyond", `${dir}/beyond`],
          cwd: new URL("..", import.meta.url).pathname,
          env: {
            TWOLAYER_SEARCH: Deno.env.get("TWOLAYER_SEARCH") ?? "quick",
            NO_COLOR: "1",
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stdout = new TextDecoder().decode(run.stdout);
        assert.ok(
          run.success,
          `deno task beyond failed: ${
            new TextDecoder().decode(run.stderr).slice(-2000)
          }`,
        );
        assert.match(stdout, /best test accuracy: 0\.\d{3}\n/);
        const files = (await Array.fromAsync(Deno.readDir(`${dir}/beyond`)))
          .map((entry) => entry.name).sort();
        for (
          const chart of [
            "hidden_sizes",
            "update_rules",
            "augmentation",
            "learning_curves",
            "confusion_matrix",
            "most_wrong",
            "airplane_probabilities",
          ]
        ) {
          assert.ok(files.includes(`${chart}.svg`), `${chart}.svg`);
          assert.ok(files.includes(`${chart}.png`), `${chart}.png`);
        }
        const report = await Deno.readTextFile(`${dir}/beyond/report.md`);
        assert.match(report, /^# Beyond the workbook/);
        assert.match(report, /\| experiment \| hidden \| rule \|/);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
