/**
 * `deno task site [DIR] [--serve] [--port N]`: builds the workbook as a
 * static web site in DIR (default out/site): `index.html` at its root, the
 * page and its training Worker bundled (`page.js`, `worker.js`), the six
 * CIFAR-10 batches in the official binary layout
 * (`cifar-10-batches-bin/`, each checked against its SHA-256 here and again
 * by the page), and the network the page classifies pictures with
 * (`networks/classifier.safetensors`): the second notebook's
 * (out/networks/beyond.safetensors) when it exists, else one trained here
 * in about a minute. Every reference is relative, so any static host
 * serves it.
 *
 * The site is built in a staging folder beside DIR and renamed into place
 * when complete; an existing DIR is replaced only when it is an earlier
 * build. `--serve` then serves DIR on localhost with the headers that make
 * the page cross-origin isolated, so training uses helper threads (a host
 * without them gets one thread).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  accuracy,
  CIFAR10_CLASSES,
  getCifar10Data,
  type Matrix,
  RandomState,
  TwoLayerNet,
} from "../mod.ts";
import { CIFAR10_BATCHES } from "../src/cifar10/batch.ts";
import { openCifar10Source, readVerifiedBatch } from "../src/cifar10/source.ts";
import { removeOnInterrupt } from "../src/core/interrupt.ts";
import { bundle } from "./bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MARKER = ".twolayer-site";

/** The second notebook's network, used when it exists. */
export const BEYOND_NETWORK = join(ROOT, "out/networks/beyond.safetensors");

/**
 * The network the build trains when the second notebook's is absent: the
 * second notebook's recipe (softmax, inputs divided by 64, SGD with a
 * large step, flips) on 200 hidden units for 8 epochs, about a minute on
 * two cores.
 */
export const QUICK_NETWORK = {
  hiddenSize: 200,
  inputScale: 1 / 64,
  training: {
    numIters: 1960,
    batchSize: 200,
    optimizer: "sgd",
    learningRate: 0.1,
    learningRateDecay: 0.9,
    reg: 5e-5,
    augment: { flipHorizontal: true },
  },
} as const;

/** What `networks/classifier.json` says of the page's network. */
export interface ClassifierInfo {
  /** A sentence for the page: which network, and how good. */
  description: string;
  /** Its validation accuracy (the workbook's 1,000 validation images). */
  valAcc: number;
}

/**
 * Builds the site in `dir`. `log` gets a line per step.
 *
 * @throws {Error} when `dir` exists and is not an earlier build, or any
 *   step fails (then `dir` is as it was).
 */
export async function buildSite(
  dir: string,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (await exists(dir) && !(await exists(join(dir, MARKER)))) {
    throw new Error(
      `${dir} exists and is not a site built by deno task site ` +
        `(no ${MARKER} in it); expected no such folder or an earlier build`,
    );
  }
  await Deno.mkdir(dirname(resolve(dir)), { recursive: true });
  const stage = await Deno.makeTempDir({
    dir: dirname(resolve(dir)),
    prefix: ".site-",
  });
  // Ctrl-C during the build removes the staging folder too.
  using _cleanup = removeOnInterrupt(stage);
  try {
    log("bundling the page and its Worker");
    await bundle("site/page.ts", join(stage, "page.js"), { minify: true });
    await bundle("site/worker.ts", join(stage, "worker.js"), { minify: true });
    await Deno.copyFile(
      join(ROOT, "site/index.html"),
      join(stage, "index.html"),
    );

    const batches = join(stage, "cifar-10-batches-bin");
    await Deno.mkdir(batches);
    const source = await openCifar10Source();
    for (const name of CIFAR10_BATCHES) {
      log(`CIFAR-10 ${name} from ${source.description}, checked`);
      const batch = await readVerifiedBatch(source, name);
      await Deno.writeFile(join(batches, `${name}.bin`), batch);
    }
    await Deno.writeTextFile(
      join(batches, "batches.meta.txt"),
      CIFAR10_CLASSES.join("\n") + "\n\n",
    );

    await Deno.mkdir(join(stage, "networks"));
    const info = await classifier(batches, join(stage, "networks"), log);
    await Deno.writeTextFile(
      join(stage, "networks/classifier.json"),
      JSON.stringify(info, null, 2) + "\n",
    );
    log(info.description);
    await Deno.writeTextFile(join(stage, MARKER), "");
    // A temporary folder is private to its owner; a site is for all to read.
    await Deno.chmod(stage, 0o755);
    if (await exists(dir)) await Deno.remove(dir, { recursive: true });
    await Deno.rename(stage, dir);
  } catch (error) {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Writes `classifier.safetensors` into `out` and says what it is. */
async function classifier(
  batches: string,
  out: string,
  log: (line: string) => void,
): Promise<ClassifierInfo> {
  const data = await getCifar10Data({ dir: batches });
  const target = join(out, "classifier.safetensors");
  const valAccOf = (net: TwoLayerNet) =>
    accuracy(net.predict(data.XVal), data.yVal);
  if (await exists(BEYOND_NETWORK)) {
    const net = await TwoLayerNet.load(BEYOND_NETWORK);
    if (net.inputSize !== 3072 || net.numClasses !== 10 || !net.meanImage) {
      throw new Error(
        `${BEYOND_NETWORK}: expected a CIFAR-10 network with its mean image ` +
          `(3072 inputs, 10 classes), found ${net.inputSize} inputs, ` +
          `${net.numClasses} classes${net.meanImage ? "" : ", no mean image"}`,
      );
    }
    await Deno.copyFile(BEYOND_NETWORK, target);
    const valAcc = valAccOf(net);
    return {
      description: `The second notebook's network (${net.hiddenSize} ` +
        `hidden units, validation accuracy ${valAcc}), saved to ` +
        `out/networks/beyond.safetensors before this site was built.`,
      valAcc,
    };
  }
  const { hiddenSize, inputScale, training } = QUICK_NETWORK;
  log(
    `training the page's network (${hiddenSize} hidden units, ` +
      `${training.numIters} iterations): no out/networks/beyond.safetensors`,
  );
  const scaled = (X: Matrix) => {
    const rows = X.astype("float32");
    for (let i = 0; i < rows.data.length; i++) rows.data[i] *= inputScale;
    return rows;
  };
  const net = new TwoLayerNet(3072, hiddenSize, 10, {
    loss: "softmax",
    std: 0.02,
    dtype: "float32",
    rng: new RandomState(0),
  });
  const started = performance.now();
  net.train(scaled(data.XTrain), data.yTrain, scaled(data.XVal), data.yVal, {
    ...training,
    rng: new RandomState(1),
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  // Raw inputs (pixels minus the mean image) times W1 / 64 is what the
  // network saw in training.
  net.params.W1.data.forEach((w, i, W1) => (W1[i] = w * inputScale));
  net.meanImage = data.meanImage;
  await net.save(target);
  const valAcc = valAccOf(net);
  return {
    description: `A network this site's build trained in ${seconds} s ` +
      `(${hiddenSize} hidden units, softmax, 8 epochs of SGD with flips), ` +
      `validation accuracy ${valAcc}. Run the second notebook ` +
      `(deno task beyond) before building the site to ask its network.`,
    valAcc,
  };
}

/** The type of each file the site holds. */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".txt": "text/plain; charset=utf-8",
  ".safetensors": "application/octet-stream",
};

/**
 * Serves the site in `dir` on 127.0.0.1:`port` (0: any free port), with
 * the headers that make the page cross-origin isolated unless `isolated`
 * is false (as a plain static host serves it).
 */
export function serveSite(
  dir: string,
  { port = 8000, isolated = true }: { port?: number; isolated?: boolean } = {},
): Deno.HttpServer<Deno.NetAddr> {
  const root = resolve(dir);
  return Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    async (request) => {
      const headers = new Headers(
        isolated
          ? {
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Embedder-Policy": "require-corp",
          }
          : {},
      );
      const path = decodeURIComponent(new URL(request.url).pathname);
      const file = resolve(
        root,
        "." + (path.endsWith("/") ? `${path}index.html` : path),
      );
      const type = TYPES[file.slice(file.lastIndexOf("."))];
      if (!file.startsWith(root + "/") || type === undefined) {
        return new Response("not found", { status: 404, headers });
      }
      try {
        const opened = await Deno.open(file);
        const { size } = await opened.stat();
        headers.set("Content-Type", type);
        headers.set("Content-Length", String(size));
        headers.set("Cache-Control", "no-cache");
        return new Response(opened.readable, { headers });
      } catch {
        return new Response("not found", { status: 404, headers });
      }
    },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const USAGE = "usage: deno task site [DIR] [--serve] [--port N]";

if (import.meta.main) {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        serve: { type: "boolean", default: false },
        port: { type: "string", default: "8000" },
        help: { type: "boolean", default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const port = Number(args.values.port);
  if (args.values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (args.positionals.length > 1 || !(Number.isInteger(port) && port > 0)) {
    console.error(
      `error: expected at most one folder and a port number\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const dir = args.positionals[0] ?? "out/site";
  try {
    await buildSite(dir);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
  console.log(
    `${dir}: the site, ready for any static host` +
      (args.values.serve ? "" : " (or deno task site --serve)"),
  );
  if (args.values.serve) {
    let server;
    try {
      server = serveSite(dir, { port });
    } catch (error) {
      console.error(
        `error: cannot serve on port ${port}: ${(error as Error).message}`,
      );
      Deno.exit(1);
    }
    console.log(`serving ${dir} on http://localhost:${server.addr.port}/`);
    await server.finished;
  }
}
