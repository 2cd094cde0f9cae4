import assert from "node:assert/strict";
import { decode } from "fast-png";
import * as Plot from "@observablehq/plot";
import {
  accuracyChart,
  classCountsChart,
  lossChart,
  plotFigure,
  searchChart,
} from "../src/plot/charts.ts";
import { CIFAR10_CLASSES as CLASSES } from "../src/cifar10/batch.ts";
import { jupyterDisplay } from "../src/plot/display.ts";

const count = (svg: string, pattern: RegExp) => svg.match(pattern)?.length ?? 0;

/** Height of each `<rect>`, keyed by its tooltip. */
function barHeights(svg: string): Map<string, number> {
  return new Map(
    [...svg.matchAll(/<rect [^>]*height="([^"]*)"[^>]*><title>([^<]*)</g)]
      .map(([, height, title]) => [title, Number(height)]),
  );
}

/** The `[width, height]` an SVG declares. */
function size(svg: string): number[] {
  return [/ width="(\d+)"/, / height="(\d+)"/].map((r) =>
    Number(r.exec(svg)?.[1])
  );
}

/** Text of the `<text>` elements, in document order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

// Workbook: counts of each class in the training and validation splits.
const TRAIN = [4913, 4881, 4921, 4888, 4922, 4902, 4898, 4893, 4887, 4895];
const VAL = [87, 119, 79, 112, 78, 98, 102, 107, 113, 105];

Deno.test("lossChart draws every iteration light and their running mean dark", () => {
  const lossHistory = Array.from({ length: 500 }, (_, i) => 2.3 / (1 + i));
  const svg = lossChart({ lossHistory }).svg;
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const paths = [
    ...svg.matchAll(/aria-label="line"[^>]*><path[^>]* d="([^"]*)"/g),
  ]
    .map((m) => m[1]);
  assert.equal(paths.length, 2);
  // Every iteration, then the mean of the last 10 at each of them.
  assert.equal(count(paths[0], /L/g), 499);
  assert.equal(count(paths[1], /L/g), 499);
  assert.match(svg, /stroke-opacity="0.35"/);
  assert.ok(texts(svg).some((t) => t.includes("Iteration")));
  assert.ok(texts(svg).includes("↑ Loss (line: mean of the last 10)"));
  // The mean line's last point: the mean of the last 10 losses.
  const last = lossHistory.slice(-10).reduce((a, b) => a + b) / 10;
  const y = (loss: number) => {
    // The y scale from two ticks: value -> pixel is linear.
    const ticks = [
      ...svg.matchAll(/translate\(40,([\d.]+)\)" y="0.32em">([\d.]+)</g),
    ]
      .map((m) => [Number(m[2]), Number(m[1])]);
    const [[v0, p0], [v1, p1]] = [ticks[0], ticks.at(-1)!];
    return p0 + (loss - v0) * (p1 - p0) / (v1 - v0);
  };
  const end = Number(/,([\d.]+)$/.exec(paths[1])![1]);
  assert.ok(Math.abs(end - y(last)) < 0.01, `${end} vs ${y(last)}`);
});

Deno.test("lossChart draws a short history as one line, a long one as a band", () => {
  const short = lossChart({ lossHistory: [2.3, 1.9, 1.7] }).svg;
  assert.equal(count(short, /aria-label="line"/g), 1);
  assert.ok(texts(short).includes("↑ Loss"));
  const long = lossChart({
    lossHistory: Array.from({ length: 12000 }, (_, i) => 1 + (i % 7) / 10),
  }).svg;
  // 250 stretches of 48 iterations: a band from each low to its high.
  assert.equal(count(long, /aria-label="area"/g), 1);
  assert.equal(count(long, /aria-label="line"/g), 1);
  const line = /aria-label="line"[^>]*><path[^>]* d="([^"]*)"/.exec(long)![1];
  assert.equal(count(line, /L/g), 500); // every 24th iteration and the last
  assert.ok(texts(long).includes("↑ Loss (line: mean of the last 240)"));
  assert.ok(long.length < 60_000, `${long.length} bytes`);
});

Deno.test("lossChart rejects an empty history", () => {
  assert.throws(
    () => lossChart({ lossHistory: [] }),
    /needs at least 1 loss, got 0/,
  );
});

Deno.test("accuracyChart draws train and val with dots and a legend", () => {
  const svg = accuracyChart({
    trainAccHistory: [0.09, 0.15, 0.225, 0.195, 0.225],
    valAccHistory: [0.1, 0.15, 0.16, 0.17, 0.172],
  }).svg;
  assert.equal(count(svg, /aria-label="line"/g), 2);
  // 5 epochs for each split plus one legend swatch each.
  assert.equal(count(svg, /<circle/g), 12);
  // Past 50 epochs, lines only (and the legend's swatches).
  const long = Array.from({ length: 60 }, (_, i) => i / 100);
  const many =
    accuracyChart({ trainAccHistory: long, valAccHistory: long }).svg;
  assert.equal(count(many, /<circle/g), 2);
  const labels = texts(svg);
  for (const label of ["train", "val"]) {
    assert.equal(labels.filter((t) => t === label).length, 1, label);
  }
  assert.ok(labels.some((t) => t.includes("Epoch")));
  assert.ok(labels.some((t) => t.includes("Accuracy")));
  // Integer epochs only: 0, 1, 2, 3, 4 as tick labels.
  for (const tick of ["0", "1", "2", "3", "4"]) {
    assert.ok(labels.includes(tick));
  }
  assert.ok(!labels.includes("0.5"));
});

Deno.test("accuracyChart draws a long history as bands and thinned lines, of bounded size", () => {
  // 100,000 epochs, as a live chart of a long run: 3.1 MB unthinned.
  const train = Array.from({ length: 100_000 }, (_, i) => 0.5 + (i % 9) / 100);
  const val = Array.from({ length: 100_000 }, (_, i) => 0.4 + (i % 5) / 100);
  const svg = accuracyChart({ trainAccHistory: train, valAccHistory: val }).svg;
  // Per split, 250 stretches of 400 epochs from each low to its high...
  assert.equal(count(svg, /aria-label="area"/g), 2);
  const areas = [
    ...svg.matchAll(/aria-label="area"[^>]*><path[^>]* d="([^"]*)"/g),
  ];
  assert.equal(areas.length, 2);
  // ...and a line through every 200th epoch and the last: 501 points.
  const lines = [
    ...svg.matchAll(/aria-label="line"[^>]*><path[^>]* d="([^"]*)"/g),
  ].map((m) => m[1]);
  assert.equal(lines.length, 2);
  for (const line of lines) assert.equal(count(line, /L/g), 500);
  assert.ok(svg.length < 100_000, `${svg.length} bytes`);
  // Up to 500 epochs, every one is drawn.
  const all = Array.from({ length: 500 }, (_, i) => (i % 3) / 10);
  const full = accuracyChart({ trainAccHistory: all, valAccHistory: all }).svg;
  assert.equal(count(full, /aria-label="area"/g), 0);
  const fullLine = /aria-label="line"[^>]*><path[^>]* d="([^"]*)"/.exec(full)!;
  assert.equal(count(fullLine[1], /L/g), 499);
});

Deno.test("accuracyChart rejects two empty histories", () => {
  assert.throws(
    () => accuracyChart({ trainAccHistory: [], valAccHistory: [] }),
    /needs at least 1 accuracy, got 0 train and 0 val/,
  );
});

const RESULTS = [
  {
    learningRate: 1e-3,
    reg: 0.1,
    loss: "mse",
    numIters: 1000,
    trainAcc: 0.5,
    valAcc: 0.47,
    seconds: 12,
  },
  {
    learningRate: 1e-3,
    reg: 0.1,
    loss: "softmax",
    numIters: 1000,
    trainAcc: 0.55,
    valAcc: 0.51,
    seconds: 13,
  },
  {
    learningRate: 5e-4,
    reg: 0.1,
    loss: "softmax",
    numIters: 1000,
    trainAcc: 0.45,
    valAcc: 0.44,
    seconds: 12,
  },
];

Deno.test("searchChart labels rows by the varied settings, best first", () => {
  const svg = searchChart(RESULTS).svg;
  assert.equal(count(svg, /<circle/g), 3);
  const labels = texts(svg);
  const rows = labels.filter((t) => t.startsWith("learningRate="));
  assert.deepEqual(rows, [
    "learningRate=0.001 loss=softmax",
    "learningRate=0.001 loss=mse",
    "learningRate=0.0005 loss=softmax",
  ]);
  for (const value of ["0.510", "0.470", "0.440"]) {
    assert.ok(labels.includes(value), value);
  }
  assert.ok(labels.some((t) => t.includes("Validation accuracy")));
  // Settings that do not vary and outcomes stay out of the labels.
  assert.ok(!svg.includes("reg=") && !svg.includes("seconds="));
  assert.ok(!svg.includes("trainAcc="));
});

Deno.test("searchChart takes the settings to show and checks them", () => {
  const labels = texts(searchChart(RESULTS, { settings: ["reg"] }).svg);
  assert.equal(labels.filter((t) => t === "reg=0.1").length, 1);
  assert.throws(
    () => searchChart(RESULTS, { settings: ["momentum"] }),
    /result 0 has no setting "momentum"; it has learningRate, reg/,
  );
  assert.throws(() => searchChart([]), /needs at least 1 result, got 0/);
  assert.throws(
    () => searchChart([{ valAcc: "0.5" as unknown as number }]),
    /result 0 needs a number valAcc, got 0.5/,
  );
});

Deno.test("searchChart labels a lone result by number", () => {
  const labels = texts(searchChart([{ reg: 0.1, valAcc: 0.3 }]).svg);
  assert.ok(labels.includes("#1"));
});

Deno.test("classCountsChart draws one bar per class and split, sized by share", () => {
  const svg = classCountsChart({ train: TRAIN, val: VAL }, CLASSES).svg;
  const bars = barHeights(svg);
  assert.equal(count(svg, /<rect/g), 20);
  assert.equal(bars.size, 20);
  // Heights are proportional to the share of the split: val automobile 11.9 %,
  // val deer 7.8 %, train airplane 4913 / 49000.
  const ratio = bars.get("val automobile: 119")! / bars.get("val deer: 78")!;
  assert.ok(Math.abs(ratio - 119 / 78) < 1e-9, `ratio ${ratio}`);
  const across = bars.get("val airplane: 87")! /
    bars.get("train airplane: 4913")!;
  assert.ok(Math.abs(across - (87 / 1000) / (4913 / 49000)) < 1e-9);
  const labels = texts(svg);
  for (const name of [...CLASSES, "train", "val"]) {
    assert.ok(labels.includes(name), name);
  }
  assert.ok(labels.some((t) => t.includes("Share of split (%)")));
  // The balanced-share line, once per class group.
  assert.equal(count(svg, /stroke-dasharray="4 3"/g), 10);
});

Deno.test("classCountsChart escapes class names into well-formed SVG", async () => {
  const figure = classCountsChart({ all: [1, 2] }, ["a & b", "<c>"]);
  assert.ok(
    figure.svg.includes("a &amp; b") && figure.svg.includes("&lt;c&gt;"),
  );
  // resvg parses the SVG as XML: it would throw on malformed markup.
  const png = decode(await figure.png({ scale: 1 }));
  assert.deepEqual([png.width, png.height], size(figure.svg));
});

Deno.test("classCountsChart rejects counts that do not fit the classes", () => {
  assert.throws(
    () => classCountsChart({ train: TRAIN, val: VAL.slice(1) }, CLASSES),
    /split "val" needs 10 counts \(one per class name\), got 9/,
  );
  assert.throws(
    () => classCountsChart({ val: [0, 0] }, ["a", "b"]),
    /split "val" needs a positive total count, got 0/,
  );
  assert.throws(() => classCountsChart({}, CLASSES), /at least 1 split, got 0/);
});

Deno.test("charts display as SVG in Jupyter, and as an <img> for HTML", () => {
  const bundle = lossChart({ lossHistory: [1, 0.5] })[jupyterDisplay]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "image/svg+xml",
    "text/html",
    "text/plain",
  ]);
  assert.match(bundle["image/svg+xml"], /^<svg /);
  assert.match(
    bundle["text/html"],
    /^<img alt="chart" src="data:image\/svg\+xml;base64,/,
  );
});

Deno.test("charts save as SVG and PNG files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const figure = accuracyChart({
      trainAccHistory: [0.1, 0.2],
      valAccHistory: [0.1, 0.15],
    });
    await figure.save(`${dir}/accuracy.svg`);
    await figure.save(`${dir}/accuracy.png`);
    assert.equal(await Deno.readTextFile(`${dir}/accuracy.svg`), figure.svg);
    const png = decode(await Deno.readFile(`${dir}/accuracy.png`));
    assert.deepEqual(
      [png.width, png.height],
      size(figure.svg).map((n) => 2 * n),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plotFigure draws one SVG, and says so when Plot would make HTML", () => {
  const data = [{ s: "a", x: 0, y: 1 }, { s: "b", x: 1, y: 2 }];
  const line = Plot.lineY(data, { x: "x", y: "y", stroke: "s" });
  const figure = plotFigure({ marks: [line] });
  assert.ok(figure.svg.startsWith("<svg"));
  assert.equal(count(figure.svg, /aria-label="line"/g), 1);
  for (const options of [{ color: { legend: true } }, { title: "Losses" }]) {
    assert.throws(
      () => plotFigure({ ...options, marks: [line] }),
      /plotFigure draws a single SVG, but these options made Plot return an HTML <figure> \(a legend, title, subtitle or caption\)/,
    );
  }
});
