/**
 * The page of `deno task site`: starts the training Worker, redraws the
 * loss and accuracy charts as it reports, shows the time left, the weight
 * pictures and the confusion matrix, and classifies pictures with the
 * network the site was built with (or one the user loads).
 *
 * `index.html?run=first` starts the workbook's first run on load; when a
 * run ends, the page says "validation accuracy 0.172" (that run's number)
 * and sets `data-state="done"` on `<body>`.
 *
 * @module
 */

/// <reference lib="dom" />

import { CIFAR10_CLASSES, TwoLayerNet } from "../mod.ts";
import {
  accuracyChart,
  confusionMatrixChart,
  lossChart,
} from "../src/plot/charts.ts";
import { imageToPng } from "../src/plot/display.ts";
import { classifyImage } from "../src/images/classify.ts";
import { FIRST_RUN } from "../src/workbook/cells.ts";
import type { FromWorker, RunSettings, ToWorker } from "./messages.ts";

const $ = <E extends HTMLElement>(id: string) =>
  document.getElementById(id) as E;

const form = $<HTMLFormElement>("settings");
const trainButton = $<HTMLButtonElement>("train");
const status = $("status");
const timeLeft = $("time-left");
const result = $("result");
const log = $("log");
const lossFigure = $("loss-chart");
const accuracyFigure = $("accuracy-chart");
const weights = $<HTMLImageElement>("weights");
const confusion = $("confusion");

const worker = new Worker(new URL("worker.js", import.meta.url), {
  type: "module",
});
const send = (message: ToWorker) => worker.postMessage(message);

/** The run being shown. */
const run = {
  lossHistory: [] as number[],
  trainAccHistory: [] as number[],
  valAccHistory: [] as number[],
};
let redraw: ReturnType<typeof setTimeout> | undefined;

function setState(state: string): void {
  document.body.dataset.state = state;
}

/** Redraws both charts at most once a second. */
function scheduleRedraw(): void {
  redraw ??= setTimeout(() => {
    redraw = undefined;
    draw(lossFigure, lossChart(run).svg);
    if (run.valAccHistory.length > 0) {
      draw(accuracyFigure, accuracyChart(run).svg);
    }
  }, 1000);
}

function draw(figure: HTMLElement, svg: string): void {
  figure.innerHTML = svg;
  figure.dataset.draws = String(Number(figure.dataset.draws ?? 0) + 1);
}

function showPng(img: HTMLImageElement, png: Uint8Array): void {
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(
    new Blob([png as Uint8Array<ArrayBuffer>], { type: "image/png" }),
  );
  img.hidden = false;
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${Math.ceil(ms / 1000)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.ceil((ms % 60_000) / 1000)} s`;
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case "status":
      status.textContent = m.text;
      break;
    case "ready":
      status.textContent =
        `CIFAR-10 loaded and checked in ${seconds(m.loadMs)} ` +
        `(${m.source}); training on ${m.backend}`;
      trainButton.disabled = false;
      // For the bench: from navigation to data loaded and checked.
      document.body.dataset.readyMs = String(Math.round(performance.now()));
      if (document.body.dataset.state === "loading") setState("ready");
      break;
    case "log":
      log.textContent += `${m.line}\n`;
      break;
    case "progress": {
      run.lossHistory.push(...m.losses);
      if (m.valAcc !== undefined) {
        run.trainAccHistory.push(m.trainAcc!);
        run.valAccHistory.push(m.valAcc);
      }
      const left = m.elapsedMs / m.iteration * (m.numIters - m.iteration);
      timeLeft.textContent = `iteration ${m.iteration} of ${m.numIters}` +
        (m.iteration < m.numIters ? `, about ${seconds(left)} left` : "");
      scheduleRedraw();
      break;
    }
    case "weights":
      showPng(weights, m.png);
      break;
    case "done":
      result.textContent = `validation accuracy ${m.valAcc}` +
        (m.trainMs === undefined
          ? ` (${m.what})`
          : ` (${m.what} in ${seconds(m.trainMs)})`);
      draw(confusion, confusionMatrixChart(m.confusion, CIFAR10_CLASSES).svg);
      timeLeft.textContent = "";
      trainButton.disabled = false;
      if (m.trainMs !== undefined) {
        document.body.dataset.trainMs = String(Math.round(m.trainMs));
      }
      setState("done");
      break;
    case "error":
      status.textContent = `error: ${m.message}`;
      trainButton.disabled = false;
      setState("error");
      break;
  }
};

function settings(): RunSettings {
  const value = (name: string) =>
    (form.elements.namedItem(name) as HTMLInputElement).value;
  return {
    hiddenSize: Number(value("hidden")),
    learningRate: Number(value("rate")),
    optimizer: value("rule") as RunSettings["optimizer"],
    flips: (form.elements.namedItem("flips") as HTMLInputElement).checked,
  };
}

function startRun(s: RunSettings): void {
  run.lossHistory = [];
  run.trainAccHistory = [];
  run.valAccHistory = [];
  for (const figure of [lossFigure, accuracyFigure, confusion]) {
    figure.innerHTML = "";
  }
  log.textContent = "";
  result.textContent = "";
  trainButton.disabled = true;
  setState("training");
  send({ type: "train", settings: s });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const s = settings();
  if (
    !(Number.isInteger(s.hiddenSize) && s.hiddenSize > 0 &&
      s.hiddenSize <= 2000) || !(s.learningRate > 0)
  ) {
    status.textContent = "error: expected a hidden size of 1 to 2000 and " +
      `a positive learning rate, got ${s.hiddenSize} and ${s.learningRate}`;
    return;
  }
  startRun(s);
});

// ---- Pictures, classified by a network worth asking.

const pictureInput = $<HTMLInputElement>("picture");
const networkInput = $<HTMLInputElement>("network");
const drop = $("drop");
const seen = $<HTMLImageElement>("seen");
const answer = $("answer");
const pictureError = $("picture-error");
const classifierInfo = $("classifier-info");

let classifier: Promise<TwoLayerNet | undefined> = (async () => {
  const [info, bytes] = await Promise.all([
    fetch("networks/classifier.json").then((r) => r.ok ? r.json() : undefined),
    fetch("networks/classifier.safetensors").then((r) =>
      r.ok ? r.arrayBuffer() : undefined
    ),
  ]);
  if (!info || !bytes) {
    classifierInfo.textContent =
      "error: this site has no network to ask (networks/classifier.safetensors is missing)";
    return undefined;
  }
  classifierInfo.textContent = info.description;
  return TwoLayerNet.fromSafetensors(new Uint8Array(bytes));
})();

async function classify(file: File): Promise<void> {
  answer.textContent = "";
  pictureError.textContent = "";
  seen.hidden = true;
  const net = await classifier;
  if (!net) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const { ranked, image } = classifyImage(net, bytes, { name: file.name });
    showPng(seen, imageToPng(image));
    for (const c of ranked.slice(0, 3)) {
      const item = document.createElement("li");
      item.textContent = `${c.className} ${(100 * c.probability).toFixed(1)}%`;
      answer.append(item);
    }
  } catch (error) {
    // As deno task classify prints it.
    pictureError.textContent = `error: ${
      (error as Error).message.split("\n")[0]
    }`;
  }
}

pictureInput.addEventListener("change", () => {
  const file = pictureInput.files?.[0];
  if (file) classify(file);
});
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file) classify(file);
});

networkInput.addEventListener("change", async () => {
  const file = networkInput.files?.[0];
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const net = TwoLayerNet.fromSafetensors(bytes);
    classifier = Promise.resolve(net);
    classifierInfo.textContent = `${file.name}: ${net.hiddenSize} hidden ` +
      `units, loaded from your disk`;
    for (const figure of [lossFigure, accuracyFigure, confusion]) {
      figure.innerHTML = "";
    }
    log.textContent = "";
    result.textContent = "";
    setState("training");
    send({ type: "evaluate", name: file.name, bytes });
  } catch (error) {
    status.textContent = `error: ${file.name}: ${(error as Error).message}`;
  }
});

setState("loading");
trainButton.disabled = true;
(form.elements.namedItem("hidden") as HTMLInputElement).value = String(
  FIRST_RUN.hiddenSize,
);
(form.elements.namedItem("rate") as HTMLInputElement).value = String(
  FIRST_RUN.training.learningRate,
);
if (new URLSearchParams(location.search).get("run") === "first") {
  startRun({
    hiddenSize: FIRST_RUN.hiddenSize,
    learningRate: FIRST_RUN.training.learningRate,
    optimizer: "sgd",
    flips: false,
  });
}
