/**
 * `deno task workbook`: runs every step of the workbook in order from a
 * terminal (the same src/workbook/ steps the notebook calls), prints the
 * workbook's lines, and writes the charts, the weight pictures and
 * `report.md` (every reference number next to ours) to `out/`.
 *
 * Usage: `deno task workbook [output folder]`; `TWOLAYER_SEARCH=quick`
 * runs the short search.
 *
 * @module
 */

import { getBackend } from "../mod.ts";
import { type Figure, netWeightsImage, type Picture } from "../src/plot/mod.ts";
import {
  classCounts,
  compareWithReference,
  firstCifarRun,
  formatPythonFloat,
  gradientCheck,
  loadData,
  searchSize,
  softmaxCifarRun,
  softmaxToyLoss,
  testAccuracy,
  toyLoss,
  toyProblem,
  toyScores,
  toyTraining,
  tuneHyperparameters,
  type WorkbookResults,
} from "../src/workbook/mod.ts";

const out = Deno.args[0] ?? "out";
const started = performance.now();
const size = searchSize();
const files: string[] = [];
const notes: string[] = [];

function section(title: string): void {
  console.log(`\n=== ${title} ===`);
}

async function saveFigure(figure: Figure, name: string): Promise<void> {
  await figure.save(`${out}/${name}.svg`);
  files.push(`${name}.svg`);
  try {
    await figure.save(`${out}/${name}.png`);
    files.push(`${name}.png`);
  } catch (error) {
    // Charts still exist as SVG; PNG needs a font file.
    const note = `PNG of ${name} skipped: ${(error as Error).message}`;
    if (!notes.includes(note)) notes.push(note);
  }
}

async function savePicture(picture: Picture, name: string): Promise<void> {
  await picture.save(`${out}/${name}.png`);
  files.push(`${name}.png`);
}

section("Toy example: forward pass scores");
const toy = toyProblem();
const results: Partial<WorkbookResults> = { toyScores: toyScores(toy) };

section("Toy example: forward pass loss");
results.toyLoss = toyLoss(toy);

section("Toy example: gradient check");
results.gradientCheck = gradientCheck(toy);

section("Toy example: training");
results.toyTraining = toyTraining(toy);
await saveFigure(results.toyTraining.chart, "toy_loss");

section("Classify CIFAR-10: load the data");
const data = await loadData();
results.data = data;

section("Running SGD (first CIFAR run)");
const first = firstCifarRun(data);
results.firstRun = first;
console.log(
  `stats['train_acc_history']: [${
    first.stats.trainAccHistory.map(formatPythonFloat).join(", ")
  }]`,
);
await saveFigure(first.lossChart, "first_run_loss");
await saveFigure(first.accuracyChart, "first_run_accuracy");

section("Analyses: class counts");
results.classCounts = classCounts(data);
await saveFigure(results.classCounts.chart, "class_counts");

section(`Optimize the neural network (${size} search)`);
const tuning = await tuneHyperparameters(data, { size });
results.tuning = tuning;
await saveFigure(tuning.chart, "search");

section("Visualize the weights");
await savePicture(netWeightsImage(first.net.params.W1), "subopt_net_weights");
await savePicture(
  netWeightsImage(tuning.bestNet.params.W1),
  "best_net_weights",
);

section("Evaluate on test set");
results.testAcc = testAccuracy(tuning.bestNet, data);

section("Bonus: softmax loss on the toy problem");
results.softmaxToy = softmaxToyLoss(toy);

section("Bonus: softmax CIFAR run, same settings as the first run");
results.softmaxRun = softmaxCifarRun(data, first.valAcc);
await saveFigure(results.softmaxRun.lossChart, "softmax_run_loss");
await saveFigure(results.softmaxRun.accuracyChart, "softmax_run_accuracy");

const comparison = compareWithReference(results);
const minutes = (performance.now() - started) / 60000;
const best = tuning.best.setting;
const report = [
  "# Two-layer network workbook: reference vs ours",
  "",
  `Run of \`deno task workbook\` on ${new Date().toISOString()}: ` +
  `${minutes.toFixed(1)} minutes in all, ${size} search of ` +
  `${tuning.rows.length} settings in ${tuning.seconds.toFixed(0)} s ` +
  `(${navigator.hardwareConcurrency} cores, ${getBackend()} kernels), data from ${data.source}.`,
  "",
  `Verdicts: ${comparison.count("match")} match, ${
    comparison.count("beat")
  } beat, ` +
  `${comparison.count("corrected")} corrected (workbook bug), ` +
  `${comparison.count("miss")} miss.`,
  "",
  comparison.markdown(),
  "",
  "## Best setting of the search",
  "",
  "| Setting | Value |",
  "| --- | --- |",
  ...Object.entries(best).map(([key, value]) => `| ${key} | ${value} |`),
  `| seed | ${tuning.best.seed} |`,
  "",
  "## Files",
  "",
  ...files.map((file) => `- [${file}](${file})`),
  ...(notes.length ? ["", "## Notes", "", ...notes.map((n) => `- ${n}`)] : []),
  "",
].join("\n");
await Deno.writeTextFile(`${out}/report.md`, report);

section("Report");
console.log(comparison.markdown());
console.log(`\nWrote ${files.length + 1} files to ${out}/ (report.md).`);
// A quick search is not meant to beat the workbook; every other miss fails.
const misses = comparison.rows.filter((row) =>
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
