/**
 * Workload W in Chromium against Deno: the web page of `deno task site`
 * trains the workbook's first CIFAR-10 run (1000 iterations, batch 200,
 * H 50, float64, WebAssembly SIMD) in its Worker, and this process trains
 * the same run on Deno's wasm backend on the same data, alternating,
 * several repetitions. Prints each side's median training time, their
 * ratio, and the page's load time (navigation to CIFAR-10 fetched and
 * checked). Both sides use the same thread count: Chromium's page is
 * cross-origin isolated, so it has helper threads, one per core.
 *
 * Run by `deno task bench --browser [--reps 3] [--site DIR]`; DIR (default
 * out/site) is built first when it holds no site.
 *
 * @module
 */

// @ts-types="./puppeteer.d.ts"
import puppeteer from "puppeteer-core";
import {
  getCifar10Data,
  getThreads,
  setBackend,
  type TrainStats,
  TwoLayerNet,
} from "../mod.ts";
import { FIRST_RUN, runToyCells } from "../src/workbook/cells.ts";
import { buildSite, serveSite } from "../tools/site.ts";

/** Where Debian's Chromium is. */
export const CHROMIUM = "/usr/bin/chromium";

/** Chromium's flags for tests and benches: headless, fresh, quiet. */
export function chromiumArgs(profile: string): string[] {
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Times W in Chromium and in Deno, `reps` times each, and prints both. */
export async function benchBrowser(
  { reps = 3, site = "out/site" }: { reps?: number; site?: string } = {},
): Promise<void> {
  try {
    await Deno.stat(`${site}/index.html`);
  } catch {
    await buildSite(site);
  }
  const data = await getCifar10Data({ dir: `${site}/cifar-10-batches-bin` });
  setBackend("wasm");
  const server = serveSite(site, { port: 0 });
  const profile = await Deno.makeTempDir();
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(profile),
  });
  const chromium: number[] = [], deno: number[] = [], load: number[] = [];
  let denoStats: TrainStats | undefined;
  try {
    const version = await browser.version();
    for (let rep = 0; rep < reps; rep++) {
      const page = await browser.newPage();
      await page.goto(
        `http://127.0.0.1:${server.addr.port}/index.html?run=first`,
      );
      await page.waitForSelector("body[data-state=done]", { timeout: 600_000 });
      const { trainMs, readyMs } = JSON.parse(
        await page.evaluate("JSON.stringify(document.body.dataset)") as string,
      );
      chromium.push(Number(trainMs) / 1000);
      load.push(Number(readyMs) / 1000);
      await page.close();

      runToyCells();
      const net = new TwoLayerNet(3072, FIRST_RUN.hiddenSize, 10);
      const started = performance.now();
      denoStats = await net.trainAsync(
        data.XTrain,
        data.yTrain,
        data.XVal,
        data.yVal,
        FIRST_RUN.training,
      );
      deno.push((performance.now() - started) / 1000);
      console.log(
        `rep ${rep + 1}: Chromium ${chromium.at(-1)!.toFixed(2)} s ` +
          `(page ready after ${load.at(-1)!.toFixed(2)} s), ` +
          `Deno wasm ${deno.at(-1)!.toFixed(2)} s`,
      );
    }
    const [c, d] = [median(chromium), median(deno)];
    console.log(
      `\n| W, wasm float64, ${getThreads()} threads | median s | runs (s) |\n` +
        `| --- | ---: | --- |\n` +
        `| Chromium (${version}), the page's Worker | ${c.toFixed(2)} | ` +
        `${chromium.map((x) => x.toFixed(2)).join(", ")} |\n` +
        `| Deno ${Deno.version.deno}, wasm backend | ${d.toFixed(2)} | ` +
        `${deno.map((x) => x.toFixed(2)).join(", ")} |\n\n` +
        `Chromium / Deno: ${(c / d).toFixed(2)}x; page load (navigation to ` +
        `CIFAR-10 fetched and checked): median ${median(load).toFixed(2)} s ` +
        `(${load.map((x) => x.toFixed(2)).join(", ")}); Deno's final loss ` +
        `${denoStats!.lossHistory.at(-1)}`,
    );
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(profile, { recursive: true });
  }
}
