/**
 * The page's training Worker: loads CIFAR-10 from the site's folder of
 * binary batches (each checked against its SHA-256), replays the
 * workbook's toy cells and trains, reporting progress to the page. It
 * trains on WebAssembly SIMD in float64, with helper threads where the
 * page is cross-origin isolated, and on WebGPU in float32 where
 * `chooseBackend` finds a hardware adapter faster than the CPU (never for
 * the workbook's first run, whose digits are float64's).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  accuracy,
  chooseBackend,
  type Cifar10Splits,
  confusionMatrix,
  describeBackend,
  getBackend,
  getCifar10Data,
  getThreads,
  TwoLayerNet,
} from "../mod.ts";
import { imageToPng } from "../src/plot/display.ts";
import { netWeightsImage } from "../src/plot/visualize.ts";
import { FIRST_RUN, runToyCells } from "../src/workbook/cells.ts";
import type { FromWorker, RunSettings, ToWorker } from "./messages.ts";

const post = (message: FromWorker) => self.postMessage(message);

let data: Promise<Cifar10Splits> | undefined;

/** The workbook's splits, fetched and checked once. */
function loadData(): Promise<Cifar10Splits> {
  data ??= (async () => {
    const started = performance.now();
    post({ type: "status", text: "loading CIFAR-10 (6 batches, 184 MB)" });
    const splits = await getCifar10Data({
      dir: new URL("cifar-10-batches-bin/", self.location.href),
    });
    post({
      type: "ready",
      backend: `${getBackend()}, ${getThreads()} thread${
        getThreads() > 1 ? "s" : ""
      }`,
      source: splits.source,
      loadMs: performance.now() - started,
    });
    return splits;
  })();
  return data;
}

/** Whether `settings` are the workbook's first run. */
function isFirstRun(settings: RunSettings): boolean {
  return settings.hiddenSize === FIRST_RUN.hiddenSize &&
    settings.learningRate === FIRST_RUN.training.learningRate &&
    settings.optimizer === "sgd" && !settings.flips;
}

async function train(settings: RunSettings): Promise<void> {
  const splits = await loadData();
  const first = isFirstRun(settings);
  const backend = first ? getBackend() : await chooseBackend();
  if (backend === "webgpu") {
    post({ type: "status", text: describeBackend("webgpu") });
  }
  // The toy cells draw from the default stream before the CIFAR net does.
  runToyCells();
  const net = new TwoLayerNet(3072, settings.hiddenSize, 10, {
    backend,
    dtype: backend === "webgpu" ? "float32" : "float64",
  });
  post({ type: "weights", png: imageToPng(netWeightsImage(net.params.W1)) });
  const started = performance.now();
  let pending: number[] = [];
  let lastPost = 0;
  const stats = await net.trainAsync(
    splits.XTrain,
    splits.yTrain,
    splits.XVal,
    splits.yVal,
    {
      ...FIRST_RUN.training,
      learningRate: settings.learningRate,
      optimizer: settings.optimizer,
      ...(settings.flips && { augment: { flipHorizontal: true } }),
      verbose: true,
      log: (line) => post({ type: "log", line }),
      onProgress: (p) => {
        pending.push(p.loss);
        const now = performance.now();
        const epochEnd = p.valAcc !== undefined;
        if (epochEnd || p.iteration === p.numIters || now - lastPost > 100) {
          post({
            type: "progress",
            iteration: p.iteration,
            numIters: p.numIters,
            losses: pending,
            trainAcc: p.trainAcc,
            valAcc: p.valAcc,
            elapsedMs: now - started,
          });
          pending = [];
          lastPost = now;
        }
        if (epochEnd && backend !== "webgpu") {
          post({
            type: "weights",
            png: imageToPng(netWeightsImage(net.params.W1)),
          });
        }
      },
    },
  );
  const trainMs = performance.now() - started;
  post({ type: "weights", png: imageToPng(netWeightsImage(net.params.W1)) });
  const predicted = await net.predictAsync(splits.XVal);
  post({
    type: "done",
    valAcc: accuracy(predicted, splits.yVal),
    confusion: confusionMatrix(predicted, splits.yVal, 10),
    trainMs,
    what: `${stats.lossHistory.length} iterations`,
  });
}

async function evaluate(name: string, bytes: Uint8Array): Promise<void> {
  const net = TwoLayerNet.fromSafetensors(bytes);
  if (net.inputSize !== 3072 || net.numClasses !== 10) {
    throw new RangeError(
      `${name}: expected a CIFAR-10 network (3072 inputs, 10 classes), ` +
        `found ${net.inputSize} inputs and ${net.numClasses} classes`,
    );
  }
  const splits = await loadData();
  post({ type: "weights", png: imageToPng(netWeightsImage(net.params.W1)) });
  const predicted = net.predict(splits.XVal);
  post({
    type: "done",
    valAcc: accuracy(predicted, splits.yVal),
    confusion: confusionMatrix(predicted, splits.yVal, 10),
    what: `${name}, ${net.hiddenSize} hidden units`,
  });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === "train") await train(message.settings);
    else await evaluate(message.name, message.bytes);
  } catch (error) {
    post({ type: "error", message: (error as Error).message });
  }
};

loadData().catch((error) => post({ type: "error", message: error.message }));
