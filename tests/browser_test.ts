// The workbook as a web page (deno task site), in Debian's Chromium driven
// by puppeteer-core: the first run reaches the workbook's 0.172 with the
// losses Deno's wasm backend prints, its chart redraws while it trains,
// the airplane picture is an airplane, a bad picture shows the error
// `deno task classify` prints, the console stays clean, and a host without
// cross-origin isolation trains on one thread without an error. Skipped
// where Chromium is missing, except under CI.
import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="../bench/puppeteer.d.ts"
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "../bench/puppeteer.d.ts";
import { getBackend, getCifar10Data, setBackend, TwoLayerNet } from "../mod.ts";
import { classifyImage } from "../src/images/classify.ts";
import { FIRST_RUN, runToyCells } from "../src/workbook/cells.ts";
import { CHROMIUM, chromiumArgs } from "../bench/browser_speed.ts";
import { buildSite, serveSite } from "../tools/site.ts";

const missing = await Deno.stat(CHROMIUM).then(() => false, () => true);

if (missing && !Deno.env.get("CI")) {
  console.warn(`browser test ignored: no Chromium at ${CHROMIUM}`);
} else {
  Deno.test({
    name: "the web page trains the first run, redraws, and classifies",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      assert.ok(
        !missing,
        `CI must run the browser test, but ${CHROMIUM} is missing; .ci/run should install Debian's chromium`,
      );
      const dir = await Deno.makeTempDir();
      const site = join(dir, "site");
      const profile = await Deno.makeTempDir();
      let browser: Browser | undefined;
      try {
        await buildSite(site, () => {});
        browser = await puppeteer.launch({
          executablePath: CHROMIUM,
          headless: true,
          args: chromiumArgs(profile),
        });

        await t.step("cross-origin isolated: the first run", async () => {
          const server = serveSite(site, { port: 0 });
          const { page, errors } = await open(
            browser!,
            `http://127.0.0.1:${server.addr.port}/index.html?run=first`,
          );
          try {
            // Chart draws seen while the run trains.
            const draws = new Set<string>();
            for (let state = "training"; state !== "done";) {
              const seen = await read(page);
              state = seen.state;
              if (state === "training" && seen.draws) draws.add(seen.draws);
              assert.notEqual(state, "error", await text(page, "#status"));
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
            assert.ok(
              draws.size >= 2,
              `expected the loss chart redrawn during training, saw draw counts ${[
                ...draws,
              ]}`,
            );
            assert.match(
              await text(page, "#result"),
              /^validation accuracy 0\.172 \(1000 iterations/,
            );
            assert.match(await text(page, "#status"), /wasm, \d+ thread/);
            assert.deepEqual(
              (await text(page, "#log")).trim().split("\n"),
              await denoFirstRunLines(site),
            );

            await choose(page, "notebooks/pictures/airplane.jpg");
            assert.match((await answer(page))[0], /^airplane \d+\.\d%$/);

            const bad = "tests/browser_test.ts";
            await choose(page, bad);
            const expected = expectedError(bad);
            await page.waitForFunction(
              `document.querySelector("#picture-error").textContent !== ""`,
            );
            assert.equal(await text(page, "#picture-error"), expected);
            assert.deepEqual(await answer(page), []);
            assert.deepEqual(errors, []);
          } finally {
            await page.close();
            await server.shutdown();
          }
        });

        await t.step("a plain static host: one thread, no error", async () => {
          const server = serveSite(site, { port: 0, isolated: false });
          const { page, errors } = await open(
            browser!,
            `http://127.0.0.1:${server.addr.port}/`,
          );
          try {
            await page.waitForSelector("body[data-state=ready]", {
              timeout: 300_000,
            });
            assert.match(await text(page, "#status"), /wasm, 1 thread\b/);
            assert.deepEqual(errors, []);
          } finally {
            await page.close();
            await server.shutdown();
          }
        });
      } finally {
        await browser?.close();
        await Deno.remove(profile, { recursive: true });
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/** A new page at `url`, and the console errors and page errors it logs. */
async function open(
  browser: Browser,
  url: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  return { page, errors };
}

async function read(page: Page): Promise<{ state: string; draws?: string }> {
  return JSON.parse(
    await page.evaluate(
      `JSON.stringify({ state: document.body.dataset.state,
        draws: document.querySelector("#loss-chart").dataset.draws })`,
    ) as string,
  );
}

async function text(page: Page, selector: string): Promise<string> {
  return await page.evaluate(
    `document.querySelector(${JSON.stringify(selector)}).textContent`,
  ) as string;
}

/** Gives the page's picture input the file `path`. */
async function choose(page: Page, path: string): Promise<void> {
  const input = await page.$("#picture");
  await input!.uploadFile(path);
}

/** The page's answer lines, once it has answered (three, or an error). */
async function answer(page: Page): Promise<string[]> {
  await page.waitForFunction(
    `document.querySelectorAll("#answer li").length === 3 ||
      document.querySelector("#picture-error").textContent !== ""`,
    { timeout: 60_000 },
  );
  return JSON.parse(
    await page.evaluate(
      `JSON.stringify([...document.querySelectorAll("#answer li")].map((li) => li.textContent))`,
    ) as string,
  );
}

/** The line `deno task classify` prints for a picture it refuses. */
function expectedError(path: string): string {
  const net = new TwoLayerNet(3072, 10, 10);
  net.meanImage = new Float64Array(3072);
  const name = path.slice(path.lastIndexOf("/") + 1);
  try {
    classifyImage(net, Deno.readFileSync(path), { name });
  } catch (error) {
    return `error: ${(error as Error).message.split("\n")[0]}`;
  }
  throw new Error(`${path} was expected to be refused`);
}

/** The lines Deno's wasm backend prints for the first run, after the toy cells. */
async function denoFirstRunLines(site: string): Promise<string[]> {
  const data = await getCifar10Data({
    dir: join(site, "cifar-10-batches-bin"),
  });
  const previous = getBackend();
  setBackend("wasm");
  try {
    runToyCells();
    const lines: string[] = [];
    new TwoLayerNet(3072, FIRST_RUN.hiddenSize, 10).train(
      data.XTrain,
      data.yTrain,
      data.XVal,
      data.yVal,
      { ...FIRST_RUN.training, verbose: true, log: (line) => lines.push(line) },
    );
    return lines;
  } finally {
    setBackend(previous);
  }
}
