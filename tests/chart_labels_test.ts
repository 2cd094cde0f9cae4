// Every chart of @twolayer/net/plot keeps its text inside its box: each
// chart is drawn for wide and narrow ranges of data, and every <text> is
// measured as DejaVu Sans draws it (advance widths from the font file's
// hmtx and cmap tables, heights from its glyf table), through the SVG's
// own transforms, nested viewports and anchors. This layout code is the
// test's own, apart from the charts' text fitting it checks.
import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import * as Plot from "@observablehq/plot";
import {
  accuracyChart,
  classCountsChart,
  confusionMatrixChart,
  type Figure,
  linesChart,
  lossChart,
  pictureGallery,
  plotFigure,
  searchChart,
  trainingChart,
} from "../src/plot/mod.ts";
import { searchResultsChart } from "../src/plot/_live_view.ts";
import { CIFAR10_CLASSES } from "../src/cifar10/batch.ts";
import { DEJAVU_SANS, readFontMetrics } from "../tools/font_metrics.ts";
import { GLYPHS, UNITS_PER_EM } from "../src/plot/_font_metrics.ts";

const font = await Deno.readFile(DEJAVU_SANS).then(readFontMetrics).catch(
  () => undefined,
);
if (!font) console.warn(`chart label tests ignored: no ${DEJAVU_SANS}`);

type M = [number, number, number, number, number, number];
const mul = (a: M, b: M): M => [
  a[0] * b[0] + a[2] * b[1],
  a[1] * b[0] + a[3] * b[1],
  a[0] * b[2] + a[2] * b[3],
  a[1] * b[2] + a[3] * b[3],
  a[0] * b[4] + a[2] * b[5] + a[4],
  a[1] * b[4] + a[3] * b[5] + a[5],
];
const apply = (m: M, x: number, y: number) => [
  m[0] * x + m[2] * y + m[4],
  m[1] * x + m[3] * y + m[5],
];

function transformOf(text: string | null): M {
  let m: M = [1, 0, 0, 1, 0, 0];
  for (const [, op, args] of (text ?? "").matchAll(/(\w+)\(([^)]*)\)/g)) {
    const v = args.trim().split(/[\s,]+/).map(Number);
    if (op === "translate") m = mul(m, [1, 0, 0, 1, v[0], v[1] ?? 0]);
    else if (op === "scale") m = mul(m, [v[0], 0, 0, v[1] ?? v[0], 0, 0]);
    else if (op === "rotate") {
      const [a, cx = 0, cy = 0] = v, r = a * Math.PI / 180;
      m = mul(m, [1, 0, 0, 1, cx, cy]);
      m = mul(m, [Math.cos(r), Math.sin(r), -Math.sin(r), Math.cos(r), 0, 0]);
      m = mul(m, [1, 0, 0, 1, -cx, -cy]);
    } else throw new Error(`transform ${op} not handled by the test`);
  }
  return m;
}

/** The parts of linkedom's elements the test reads. */
interface El {
  tagName: string;
  textContent: string | null;
  children: El[];
  getAttribute(name: string): string | null;
}

interface Placed {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** The innermost viewport the text is drawn in (root coordinates). */
  viewport: [number, number, number, number];
}

/** Every text line of an SVG, with its box in the root's user units. */
function placeTexts(svg: string): Placed[] {
  const { document } = parseHTML(
    `<html><body>${svg}</body></html>`,
  ) as unknown as { document: { querySelector(s: string): El | null } };
  const root = document.querySelector("svg")!;
  const placed: Placed[] = [];
  const em = (value: string | null, size: number) =>
    value === null
      ? 0
      : value.endsWith("em")
      ? parseFloat(value) * size
      : parseFloat(value);
  const viewBox = (el: El) =>
    (el.getAttribute("viewBox") ?? "").split(/[\s,]+/).map(Number);
  const [rx, ry, rw, rh] = viewBox(root);
  const visit = (
    el: El,
    m: M,
    size: number,
    anchor: string,
    viewport: Placed["viewport"],
  ) => {
    size = parseFloat(el.getAttribute("font-size") ?? "") || size;
    anchor = el.getAttribute("text-anchor") ?? anchor;
    const tag = el.tagName.toLowerCase();
    if (tag === "svg" && el !== root) {
      // A nested viewport: placed at x, y, its viewBox scaled to its size.
      const [vx, vy, vw, vh] = viewBox(el);
      const x = em(el.getAttribute("x"), size);
      const y = em(el.getAttribute("y"), size);
      const w = parseFloat(el.getAttribute("width")!);
      const h = parseFloat(el.getAttribute("height")!);
      m = mul(m, [w / vw, 0, 0, h / vh, x - vx * w / vw, y - vy * h / vh]);
      const [x0, y0] = apply(m, vx, vy), [x1, y1] = apply(m, vx + vw, vy + vh);
      viewport = [x0, y0, x1, y1];
    }
    m = mul(m, transformOf(el.getAttribute("transform")));
    if (tag === "text") {
      const spans = [...el.children].filter((c) => c.tagName === "TSPAN");
      const lines = spans.length ? spans : [el];
      let y = em(el.getAttribute("y"), size) + em(el.getAttribute("dy"), size);
      for (const line of lines) {
        if (line !== el) {
          if (line.getAttribute("y") !== null) {
            y = em(line.getAttribute("y"), size);
          }
          y += em(line.getAttribute("dy"), size);
        }
        const x = em(el.getAttribute("x"), size) +
          em(el.getAttribute("dx"), size);
        const content = line.textContent ?? "";
        let advance = 0, high = 0, low = 0;
        for (const char of content) {
          const glyph = font!.glyph(char.codePointAt(0)!);
          assert.ok(
            glyph,
            `DejaVu Sans has no glyph for ${JSON.stringify(char)}`,
          );
          advance += glyph.advance;
          high = Math.max(high, glyph.yMax);
          low = Math.min(low, glyph.yMin);
        }
        const k = size / font!.unitsPerEm, width = advance * k;
        const left = anchor === "middle"
          ? x - width / 2
          : anchor === "end"
          ? x - width
          : x;
        const corners = [[left, y - high * k], [left + width, y - low * k]]
          .flatMap(([cx, cy], i, all) => [[cx, cy], [cx, all[1 - i][1]]])
          .map(([cx, cy]) => apply(m, cx, cy));
        placed.push({
          text: content,
          left: Math.min(...corners.map((c) => c[0])),
          right: Math.max(...corners.map((c) => c[0])),
          top: Math.min(...corners.map((c) => c[1])),
          bottom: Math.max(...corners.map((c) => c[1])),
          viewport,
        });
      }
      return;
    }
    for (const child of el.children) visit(child, m, size, anchor, viewport);
  };
  visit(root, [1, 0, 0, 1, 0, 0], 16, "start", [rx, ry, rx + rw, ry + rh]);
  return placed;
}

/** Asserts every text of `figure` lies inside its viewport and the SVG's box. */
function assertTextInside(name: string, figure: Figure): Placed[] {
  const texts = placeTexts(figure.svg);
  assert.ok(texts.length > 0, `${name}: no text`);
  for (const t of texts) {
    const [x0, y0, x1, y1] = t.viewport;
    assert.ok(
      t.left >= x0 - 1e-6 && t.right <= x1 + 1e-6 &&
        t.top >= y0 - 1e-6 && t.bottom <= y1 + 1e-6,
      `${name}: "${t.text}" spans [${t.left.toFixed(1)}, ${
        t.right.toFixed(1)
      }] x [${t.top.toFixed(1)}, ${
        t.bottom.toFixed(1)
      }], outside [${x0}, ${x1}] x [${y0}, ${y1}]`,
    );
  }
  return texts;
}

/**
 * The y tick labels read as numbers: increasing with the ticks and within
 * `[low, high]`, as a reader would read them.
 */
function assertTicksRead(
  name: string,
  figure: Figure,
  low: number,
  high: number,
) {
  const group = /<g[^>]*aria-label="y-axis tick label"[^>]*>(.*?)<\/g>/s.exec(
    figure.svg,
  );
  assert.ok(group, `${name}: no y tick labels`);
  const labels = [...group[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((
    m,
  ) => m[1]);
  const values = labels.map((l) =>
    Number(l.replace(/,/g, "").replace("−", "-"))
  );
  assert.ok(values.every(Number.isFinite), `${name}: labels ${labels}`);
  assert.equal(
    new Set(labels).size,
    labels.length,
    `${name}: repeated labels ${labels}`,
  );
  for (const v of values) {
    assert.ok(
      v >= low && v <= high,
      `${name}: label ${v} outside [${low}, ${high}]`,
    );
  }
}

const rng = (seed: number) => () =>
  (seed = (seed * 16807) % 2147483647) / 2147483647;
const noisy = (
  n: number,
  f: (i: number) => number,
  spread: number,
  seed = 1,
) => {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => f(i) + spread * (r() - 0.5));
};

const LOSSES = {
  // The softmax run: 2.30200 to 2.30265, apart in the fifth decimal.
  "softmax, narrow": noisy(1000, (i) => 2.30265 - 0.00065 * i / 999, 0.00002),
  "falling, wide": noisy(12000, (i) => 2.3 / (1 + i / 2000), 0.2),
  "near 30,000": noisy(3000, (i) => 30000 - 0.01 * i, 5),
  "0 to 30,000": noisy(500, (i) => 60 * i, 100),
};
const ACCURACIES = {
  "0.1 to 0.9": {
    trainAccHistory: [0.1, 0.3, 0.5, 0.7, 0.9],
    valAccHistory: [0.1, 0.25, 0.45, 0.6, 0.7],
  },
  "narrow, 0.5012 to 0.5018": {
    trainAccHistory: [0.5012, 0.5014, 0.5018],
    valAccHistory: [0.5013, 0.5015, 0.5016],
  },
  "many epochs": {
    trainAccHistory: noisy(300, (i) => 0.1 + 0.8 * i / 299, 0.05),
    valAccHistory: noisy(300, (i) => 0.1 + 0.6 * i / 299, 0.02),
  },
};

Deno.test({
  name: "loss charts keep every label inside and readable, wide and narrow",
  ignore: !font,
  fn() {
    for (const [name, lossHistory] of Object.entries(LOSSES)) {
      const figure = lossChart({ lossHistory });
      assertTextInside(`lossChart ${name}`, figure);
      const low = Math.min(...lossHistory), high = Math.max(...lossHistory);
      const pad = (high - low) * 0.2;
      assertTicksRead(`lossChart ${name}`, figure, low - pad, high + pad);
      for (const width of [420, 840]) {
        assertTextInside(
          `trainingChart ${name} ${width}`,
          trainingChart({ lossHistory, ...ACCURACIES["0.1 to 0.9"] }, {
            width,
          }),
        );
      }
    }
    // The softmax run's labels: 2.30200 ... 2.30265, none cut to "30265".
    const labels = placeTexts(
      lossChart({ lossHistory: LOSSES["softmax, narrow"] }).svg,
    )
      .map((t) => t.text);
    assert.ok(
      labels.includes("2.30265") && labels.includes("2.30200"),
      `${labels}`,
    );
  },
});

Deno.test({
  name:
    "accuracy, search, class count and confusion charts keep their labels inside",
  ignore: !font,
  fn() {
    for (const [name, history] of Object.entries(ACCURACIES)) {
      const figure = accuracyChart(history);
      assertTextInside(`accuracyChart ${name}`, figure);
      const all = [...history.trainAccHistory, ...history.valAccHistory];
      const low = Math.min(...all), high = Math.max(...all);
      assertTicksRead(
        `accuracyChart ${name}`,
        figure,
        low - (high - low),
        high + (high - low),
      );
      assertTextInside(
        `accuracyChart ${name} narrow`,
        accuracyChart(history, { width: 300 }),
      );
    }
    for (
      const [name, values] of Object.entries({
        "0.1 to 0.9": [0.1, 0.5, 0.9],
        "narrow": [0.50012, 0.50015, 0.50018],
      })
    ) {
      const rows = values.map((valAcc, i) => ({
        learningRate: 10 ** -(i + 3),
        reg: 0.25 * (i + 1),
        optimizer: ["momentum", "nesterov", "adam"][i],
        valAcc,
      }));
      assertTextInside(`searchChart ${name}`, searchChart(rows));
      assertTextInside(
        `searchResultsChart ${name}`,
        searchResultsChart(values.map((valAcc, index) => ({ index, valAcc }))),
      );
    }
    assertTextInside(
      "classCountsChart",
      classCountsChart(
        {
          train: [30000, 29990, 30010, 1, 2, 3, 4, 5, 6, 7],
          val: Array(10).fill(100),
        },
        CIFAR10_CLASSES,
      ),
    );
    const big = CIFAR10_CLASSES.map((_, i) =>
      CIFAR10_CLASSES.map((_, j) => (i === j ? 29000 : 100 * j))
    );
    assertTextInside(
      "confusionMatrixChart",
      confusionMatrixChart(big, CIFAR10_CLASSES),
    );
    assertTextInside(
      "confusionMatrixChart, long names",
      confusionMatrixChart([[1, 2], [3, 4]], ["a very long class name", "b"]),
    );
  },
});

Deno.test({
  name:
    "plotFigure fits any chart's labels; galleries size columns to captions",
  ignore: !font,
  fn() {
    // A chart of the notebooks' kind: long names at the left, text at the
    // ends of lines on the right.
    const curves = [0, 1, 2].flatMap((k) =>
      LOSSES["near 30,000"].slice(0, 50).map((loss, i) => ({
        run: `run number ${k}`,
        i,
        loss,
      }))
    );
    assertTextInside(
      "plotFigure",
      plotFigure({
        y: { label: "Loss near thirty thousand", grid: true },
        marks: [
          Plot.lineY(curves, { x: "i", y: "loss", stroke: "run" }),
          Plot.text(
            curves,
            Plot.selectLast({
              x: "i",
              y: "loss",
              z: "run",
              text: "run",
              dx: 4,
              textAnchor: "start",
            }),
          ),
        ],
      }),
    );
    assertTextInside(
      "plotFigure, bars",
      plotFigure({
        x: { domain: [0, 1] },
        y: { label: null },
        marks: [
          Plot.barX(CIFAR10_CLASSES.map((name, k) => ({ name, v: k / 10 })), {
            x: "v",
            y: "name",
          }),
        ],
      }),
    );
    // Long series names in the legend: inside the box, none on another.
    const lines = linesChart(
      {
        "no augmentation": LOSSES["near 30,000"],
        "flips and shifts of 3 pixels": LOSSES["0 to 30,000"],
        "momentum": LOSSES["softmax, narrow"],
      },
      { y: "Loss", smooth: 25 },
    );
    const placed = assertTextInside("linesChart", lines);
    const names = placed.filter((t) =>
      ["no augmentation", "flips and shifts of 3 pixels", "momentum"].includes(
        t.text,
      )
    ).sort((a, b) => a.left - b.left);
    assert.equal(names.length, 3);
    for (let i = 1; i < names.length; i++) {
      assert.ok(
        names[i - 1].right < names[i].left,
        `${names[i - 1].text} runs into ${names[i].text}`,
      );
    }
    const image = {
      width: 32,
      height: 32,
      channels: 3,
      data: new Uint8ClampedArray(3072),
    };
    assertTextInside(
      "pictureGallery",
      pictureGallery([
        { image, caption: ["true: automobile", "said: airplane 100%"] },
        { image, caption: ["a caption much wider than its picture"] },
      ], { columns: 2, scale: 1 }),
    );
  },
});

Deno.test({
  name: "the charts' width table is DejaVu Sans's",
  ignore: !font,
  fn() {
    assert.equal(UNITS_PER_EM, font!.unitsPerEm);
    for (const [char, advance, yMin, yMax] of GLYPHS) {
      assert.deepEqual(
        font!.glyph(char.codePointAt(0)!),
        { advance, yMin, yMax },
        char,
      );
    }
  },
});
