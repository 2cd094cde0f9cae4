/**
 * The workbook's charts, drawn with Observable Plot as standalone SVG
 * {@linkcode Figure}s: training loss, train/validation accuracy, search
 * results, class counts and confusion matrices; {@linkcode plotFigure}
 * draws any other Plot chart the same way.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { Figure } from "./display.ts";
import { textBounds, textWidth } from "./_text_fit.ts";
import { checkOptionNames } from "../core/options.ts";
import type { SearchRow } from "../search/setting.ts";

/** The loss history of a training run (`TrainStats` fits). */
export interface LossHistory {
  /** Loss on each iteration's minibatch. */
  readonly lossHistory: readonly number[];
}

/** The accuracy histories of a training run (`TrainStats` fits). */
export interface AccuracyHistory {
  /** Minibatch accuracy at the end of each epoch. */
  readonly trainAccHistory: readonly number[];
  /** Validation accuracy at the end of each epoch. */
  readonly valAccHistory: readonly number[];
}

/**
 * A flat row for {@linkcode searchChart}: settings and the outcome. Rows of
 * {@linkcode searchHyperparameters} (with a nested `setting`) work too.
 */
export interface SearchChartRow {
  /** Final validation accuracy of the setting. */
  readonly valAcc: number;
  /** Settings (learningRate, reg, ...) and other outcomes. */
  readonly [key: string]: unknown;
}

/** Options of {@linkcode searchChart}. */
export interface SearchChartOptions {
  /**
   * Keys that label each row. By default: the keys whose values are
   * numbers, strings or booleans that differ between rows, leaving out
   * outcomes (names ending in `Acc` or `Accuracy`, or naming a time such as
   * `seconds`).
   */
  settings?: readonly string[];
}

/** Observable's categorical palette; series take colours in this order. */
const PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** Options of {@linkcode lossChart} and {@linkcode trainingChart}. */
export interface ChartSizeOptions {
  /** Width in pixels (default 640). */
  width?: number;
  /** Height in pixels (default 400). */
  height?: number;
}

/**
 * Loss against iteration, as the workbook's first training plot. Each
 * iteration's minibatch loss is drawn light; from 250 iterations on, a
 * dark line shows the mean of the last `n / 50` iterations (the window is
 * named on the axis), so the trend shows through the minibatch noise.
 * Past 500 iterations the light line becomes a band from the lowest to
 * the highest loss of each stretch of iterations, and the dark line has a
 * point every `n / 500` iterations: the same picture at a chart's
 * resolution, in a file of bounded size.
 *
 * @throws {RangeError} when the history is empty.
 *
 * @example A short run: one line, labelled axes
 * ```ts
 * import { lossChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = lossChart({ lossHistory: [2.3, 1.9, 1.7, 1.6] });
 * assert.equal(figure.svg.match(/aria-label="line"/g)?.length, 1);
 * assert.ok(figure.svg.includes("Iteration") && figure.svg.includes("Loss"));
 * ```
 */
export function lossChart(
  stats: LossHistory,
  options: ChartSizeOptions = {},
): Figure {
  checkOptionNames("lossChart", options, ["width", "height"]);
  const losses = stats.lossHistory;
  if (losses.length === 0) {
    throw new RangeError("lossChart needs at least 1 loss, got 0");
  }
  const n = losses.length;
  const span = Math.round(n / 50);
  const smooth = span >= SMOOTHING_FROM;
  const light = { stroke: PALETTE[0], strokeOpacity: smooth ? 0.35 : 1 };
  const marks: Plot.Markish[] = [];
  if (n <= MAX_POINTS) {
    marks.push(Plot.lineY(losses, light));
  } else {
    marks.push(
      Plot.areaY(band(losses), {
        x: "x",
        y1: "low",
        y2: "high",
        fill: PALETTE[0],
        fillOpacity: 0.3,
      }),
    );
  }
  if (smooth) {
    marks.push(
      Plot.lineY(trailingMeans(losses, span), {
        x: "x",
        y: "y",
        stroke: PALETTE[0],
        strokeWidth: 1.5,
      }),
    );
  }
  return plotFigure({
    ...options,
    x: { label: "Iteration" },
    y: {
      label: smooth ? `Loss (line: mean of the last ${span})` : "Loss",
      grid: true,
    },
    marks,
  });
}

/** Shortest history {@linkcode lossChart} smooths, as a window length. */
const SMOOTHING_FROM = 5;
/** Most points a loss or accuracy chart draws per line. */
const MAX_POINTS = 500;

/**
 * The mean of the last `window` losses at each iteration (fewer at the
 * start), at most {@linkcode MAX_POINTS} of them, evenly spaced, the last
 * one included.
 */
function trailingMeans(
  losses: readonly number[],
  window: number,
): { x: number; y: number }[] {
  const step = Math.ceil(losses.length / MAX_POINTS);
  const points: { x: number; y: number }[] = [];
  let sum = 0;
  for (let i = 0; i < losses.length; i++) {
    sum += losses[i];
    if (i >= window) sum -= losses[i - window];
    if (i % step === 0 || i === losses.length - 1) {
      points.push({ x: i, y: sum / Math.min(i + 1, window) });
    }
  }
  return points;
}

/** Lowest and highest value of each of at most MAX_POINTS / 2 stretches. */
function band(
  values: readonly number[],
): { x: number; low: number; high: number }[] {
  const size = Math.ceil(values.length / (MAX_POINTS / 2));
  const points = [];
  for (let start = 0; start < values.length; start += size) {
    let low = Infinity, high = -Infinity;
    const end = Math.min(start + size, values.length);
    for (let i = start; i < end; i++) {
      low = Math.min(low, values[i]);
      high = Math.max(high, values[i]);
    }
    points.push({ x: start, low, high }, { x: end - 1, low, high });
  }
  return points;
}

/**
 * Loss (left) and train and validation accuracy (right) of a training run
 * side by side, as {@linkcode lossChart} and {@linkcode accuracyChart}
 * draw them: the learning curves, and what the live view of
 * `trainingProgress` shows. The accuracy panel is left out while there is
 * no accuracy yet.
 *
 * @throws {RangeError} when the loss history is empty.
 *
 * @example
 * ```ts
 * import { trainingChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = trainingChart({
 *   lossHistory: [2.3, 2.1, 1.9, 1.8],
 *   trainAccHistory: [0.1, 0.3],
 *   valAccHistory: [0.1, 0.25],
 * });
 * assert.equal(figure.svg.match(/aria-label="line"/g)?.length, 3);
 * ```
 */
export function trainingChart(
  stats: LossHistory & Partial<AccuracyHistory>,
  options: ChartSizeOptions = {},
): Figure {
  checkOptionNames("trainingChart", options, ["width", "height"]);
  const { width = 840, height = 300 } = options;
  const accuracies = {
    trainAccHistory: stats.trainAccHistory ?? [],
    valAccHistory: stats.valAccHistory ?? [],
  };
  if (
    accuracies.trainAccHistory.length + accuracies.valAccHistory.length === 0
  ) {
    return lossChart(stats, { width, height });
  }
  const lossWidth = Math.round(width * 0.55);
  return sideBySide([
    lossChart(stats, { width: lossWidth, height }),
    accuracyChart(accuracies, { width: width - lossWidth, height }),
  ]);
}

/** Options of {@linkcode linesChart}. */
export interface LinesChartOptions extends ChartSizeOptions {
  /** The x axis's label (default `"Iteration"`). */
  x?: string;
  /** The y axis's label (default `"Value"`). */
  y?: string;
  /**
   * Draw the mean of the last `smooth` values at each point, not the
   * values themselves (default 1: as they are); the axis says so.
   */
  smooth?: number;
}

/**
 * Several series of values against their index (losses of several runs,
 * say), one coloured line each, named in a legend above the chart.
 *
 * @throws {RangeError} when there is no series, a series is empty, or
 *   `smooth` is not a positive integer.
 *
 * @example Two runs' losses, each the mean of the last 2
 * ```ts
 * import { linesChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = linesChart(
 *   { sgd: [2.3, 2.0, 1.8, 1.7], adam: [2.3, 1.7, 1.5, 1.4] },
 *   { y: "Loss", smooth: 2 },
 * );
 * assert.equal(figure.svg.match(/aria-label="line"/g)?.length, 2);
 * assert.ok(figure.svg.includes("Loss (mean of the last 2)</text>"));
 * assert.ok(figure.svg.includes(">adam<"));
 * ```
 */
export function linesChart(
  series: Readonly<Record<string, readonly number[]>>,
  options: LinesChartOptions = {},
): Figure {
  checkOptionNames("linesChart", options, [
    "width",
    "height",
    "x",
    "y",
    "smooth",
  ]);
  const { x = "Iteration", y = "Value", smooth = 1, ...size } = options;
  const names = Object.keys(series);
  if (names.length === 0) {
    throw new RangeError("linesChart needs at least 1 series, got 0");
  }
  if (!Number.isInteger(smooth) || smooth < 1) {
    throw new RangeError(
      `linesChart smooth must be a positive integer, got ${smooth}`,
    );
  }
  const marks = names.map((name, i) => {
    if (series[name].length === 0) {
      throw new RangeError(`linesChart series "${name}" is empty`);
    }
    return Plot.lineY(trailingMeans(series[name], smooth), {
      x: "x",
      y: "y",
      stroke: PALETTE[i % PALETTE.length],
    });
  });
  return plotFigure({
    ...size,
    marginTop: 30,
    x: { label: x },
    y: {
      label: smooth > 1 ? `${y} (mean of the last ${smooth})` : y,
      grid: true,
    },
    marks: [...marks, ...legend(names)],
  });
}

/** Figures in a row, top-aligned, as one SVG. */
function sideBySide(figures: readonly Figure[]): Figure {
  let x = 0, height = 0;
  const parts = figures.map((figure) => {
    const [w, h] = svgSize(figure.svg);
    const part = figure.svg.replace(/^<svg\b/, `<svg x="${x}" y="0"`);
    x += w;
    height = Math.max(height, h);
    return part;
  });
  return new Figure(
    `<svg xmlns="${SVG_NAMESPACE}" width="${x}" height="${height}" ` +
      `viewBox="0 0 ${x} ${height}">${parts.join("")}</svg>`,
  );
}

/** The width and height an SVG's start tag declares. */
function svgSize(svg: string): [number, number] {
  const tag = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  return [
    Number(/\swidth="([\d.]+)"/.exec(tag)?.[1]),
    Number(/\sheight="([\d.]+)"/.exec(tag)?.[1]),
  ];
}

/**
 * Train and validation accuracy against epoch, one line with dots per
 * split and a legend. Past 500 epochs, as in {@linkcode lossChart}, each
 * line becomes a band from the lowest to the highest accuracy of each
 * stretch of epochs with a line through every `n / 500`th epoch: a file
 * of bounded size however long the training.
 *
 * @throws {RangeError} when both histories are empty.
 *
 * @example Two lines
 * ```ts
 * import { accuracyChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = accuracyChart({
 *   trainAccHistory: [0.09, 0.15, 0.225],
 *   valAccHistory: [0.1, 0.14, 0.17],
 * });
 * assert.equal(figure.svg.match(/aria-label="line"/g)?.length, 2);
 * assert.ok(figure.svg.includes(">train<") && figure.svg.includes(">val<"));
 * ```
 */
export function accuracyChart(
  stats: AccuracyHistory,
  options: ChartSizeOptions = {},
): Figure {
  checkOptionNames("accuracyChart", options, ["width", "height"]);
  const series = [
    { name: "train", values: stats.trainAccHistory },
    { name: "val", values: stats.valAccHistory },
  ];
  if (series.every((s) => s.values.length === 0)) {
    throw new RangeError(
      "accuracyChart needs at least 1 accuracy, got 0 train and 0 val",
    );
  }
  const epochs = Math.max(...series.map((s) => s.values.length));
  return plotFigure({
    ...options,
    marginTop: 30,
    // Whole epochs only: at most one tick per epoch, never fractions, and
    // at most one per 60 pixels, so labels never run into each other.
    x: {
      label: "Epoch",
      ticks: Math.min(
        Math.max(epochs - 1, 1),
        Math.floor((options.width ?? 640) / 60),
      ),
      tickFormat: "d",
    },
    y: { label: "Accuracy", grid: true },
    marks: [
      ...series.flatMap(({ values }, i) => [
        ...(epochs <= MAX_POINTS
          ? [Plot.lineY(values, { stroke: PALETTE[i] })]
          : [
            Plot.areaY(band(values), {
              x: "x",
              y1: "low",
              y2: "high",
              fill: PALETTE[i],
              fillOpacity: 0.3,
            }),
            Plot.lineY(trailingMeans(values, 1), {
              x: "x",
              y: "y",
              stroke: PALETTE[i],
            }),
          ]),
        // A dot per epoch while they stay apart.
        ...(epochs <= MAX_DOTS
          ? [Plot.dot(values, {
            x: (_, epoch) => epoch,
            y: (d) => d,
            fill: PALETTE[i],
          })]
          : []),
      ]),
      ...legend(series.map((s) => s.name)),
    ],
  });
}

/** Most epochs {@linkcode accuracyChart} marks with dots. */
const MAX_DOTS = 50;

/**
 * Validation accuracy of each setting of a hyperparameter search, best on
 * top, each row labelled with its settings and its accuracy.
 *
 * @throws {RangeError} when there are no rows, a `valAcc` is not a number,
 *   or a named setting is missing from a row.
 *
 * @example Three settings
 * ```ts
 * import { searchChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = searchChart([
 *   { learningRate: 1e-3, reg: 0.1, valAcc: 0.48, seconds: 20 },
 *   { learningRate: 1e-3, reg: 0.5, valAcc: 0.46, seconds: 21 },
 *   { learningRate: 5e-4, reg: 0.1, valAcc: 0.44, seconds: 19 },
 * ]);
 * assert.equal(figure.svg.match(/<circle/g)?.length, 3);
 * assert.ok(figure.svg.includes("learningRate=0.0005 reg=0.1"));
 * assert.ok(!figure.svg.includes("seconds"));
 * ```
 */
export function searchChart(
  rows: readonly (SearchChartRow | SearchRow)[],
  options: SearchChartOptions = {},
): Figure {
  const results: SearchChartRow[] = rows.map((row) =>
    "setting" in row && typeof row.setting === "object"
      ? { ...row.setting, valAcc: row.valAcc }
      : row as SearchChartRow
  );
  if (results.length === 0) {
    throw new RangeError("searchChart needs at least 1 result, got 0");
  }
  results.forEach((row, i) => {
    if (typeof row.valAcc !== "number") {
      throw new RangeError(
        `searchChart result ${i} needs a number valAcc, got ${row.valAcc}`,
      );
    }
  });
  const settings = options.settings ?? variedSettings(results);
  const labelled = results.map((row, i) => ({
    valAcc: row.valAcc,
    label: settings.length === 0 ? `#${i + 1}` : settings.map((key) => {
      if (!(key in row)) {
        throw new RangeError(
          `searchChart result ${i} has no setting "${key}"; it has ${
            Object.keys(row).join(", ")
          }`,
        );
      }
      return `${key}=${row[key]}`;
    }).join(" "),
  })).sort((a, b) => b.valAcc - a.valAcc);
  // Plot does not size margins to tick labels; about 6 px per character
  // at its 10 px font.
  const longest = Math.max(...labelled.map((row) => row.label.length));
  return plotFigure({
    height: 60 + 22 * labelled.length,
    marginLeft: 16 + 6 * longest,
    marginRight: 40,
    x: { label: "Validation accuracy", grid: true, inset: 10 },
    y: { label: null, domain: labelled.map((row) => row.label) },
    marks: [
      Plot.dot(labelled, { x: "valAcc", y: "label", fill: PALETTE[0], r: 4 }),
      Plot.text(labelled, {
        x: "valAcc",
        y: "label",
        text: (row) => row.valAcc.toFixed(3),
        dx: 8,
        textAnchor: "start",
      }),
    ],
  });
}

/**
 * Share of each class in each split, as grouped bars (one group per class,
 * one bar per split) with a dashed line at the balanced share `1 / K`.
 * Shares rather than raw counts keep a 1,000-row validation split readable
 * beside a 49,000-row training split; each bar's tooltip gives its count.
 *
 * @param counts examples per class for each split, e.g. `{ train, val }`.
 * @param classNames one name per class, in the order of the counts.
 * @throws {RangeError} when there is no split, a split's length differs
 *   from the number of class names, or a split has no examples.
 *
 * @example Two splits of three classes
 * ```ts
 * import { classCountsChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = classCountsChart(
 *   { train: [30, 30, 40], val: [3, 4, 3] },
 *   ["cat", "dog", "frog"],
 * );
 * assert.equal(figure.svg.match(/<rect/g)?.length, 6);
 * assert.ok(figure.svg.includes("<title>val dog: 4</title>"));
 * ```
 */
export function classCountsChart(
  counts: Readonly<Record<string, ArrayLike<number>>>,
  classNames: readonly string[],
): Figure {
  const splits = Object.keys(counts);
  if (splits.length === 0) {
    throw new RangeError("classCountsChart needs at least 1 split, got 0");
  }
  const rows = splits.flatMap((split) => {
    const values = Array.from(counts[split]);
    if (values.length !== classNames.length) {
      throw new RangeError(
        `classCountsChart split "${split}" needs ${classNames.length} counts (one per class name), got ${values.length}`,
      );
    }
    const total = values.reduce((sum, value) => sum + value, 0);
    if (!(total > 0)) {
      throw new RangeError(
        `classCountsChart split "${split}" needs a positive total count, got ${total}`,
      );
    }
    return values.map((count, k) => ({
      split,
      className: classNames[k],
      count,
      share: count / total,
    }));
  });
  return plotFigure({
    marginTop: 30,
    fx: { label: null, domain: classNames, padding: 0.15 },
    x: { axis: null, domain: splits },
    y: { label: "Share of split (%)", percent: true, grid: true },
    color: { domain: splits, range: PALETTE },
    marks: [
      Plot.barY(rows, {
        fx: "className",
        x: "split",
        y: "share",
        fill: "split",
        title: (row) => `${row.split} ${row.className}: ${row.count}`,
      }),
      Plot.ruleY([1 / classNames.length], { strokeDasharray: "4 3" }),
      Plot.ruleY([0]),
      ...legend(splits),
    ],
  });
}

/**
 * A confusion matrix as a grid of cells, true class down and predicted
 * class across (scikit-learn's convention, see `confusionMatrix`), each
 * cell shaded by its share of the true class and labelled with its count;
 * the diagonal holds the correct predictions.
 *
 * @param matrix counts, `matrix[i][j]` examples of class i predicted as j.
 * @param classNames one name per class, e.g. `CIFAR10_CLASSES`.
 * @throws {RangeError} when the matrix is not square with one row per
 *   class name.
 *
 * @example Two classes
 * ```ts
 * import { confusionMatrixChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = confusionMatrixChart([[8, 2], [1, 9]], ["cat", "dog"]);
 * assert.equal(figure.svg.match(/<rect/g)?.length, 4);
 * assert.ok(figure.svg.includes("<title>true cat, predicted dog: 2 (20%)</title>"));
 * ```
 */
export function confusionMatrixChart(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
): Figure {
  const k = classNames.length;
  if (matrix.length !== k || matrix.some((row) => row.length !== k)) {
    throw new RangeError(
      `confusionMatrixChart needs a ${k} x ${k} matrix (one row and column per class name), got ${matrix.length} rows of ${
        matrix.map((row) => row.length).join(", ")
      } values`,
    );
  }
  const cells = matrix.flatMap((row, i) => {
    const total = row.reduce((sum, n) => sum + n, 0);
    return row.map((count, j) => ({
      actual: classNames[i],
      predicted: classNames[j],
      count,
      share: total > 0 ? count / total : 0,
    }));
  });
  const longest = Math.max(...classNames.map((name) => name.length));
  return plotFigure({
    width: 100 + 6 * longest + 48 * k,
    height: 60 + 4 * longest + 40 * k,
    marginLeft: 30 + 6 * longest,
    marginBottom: 30 + 4 * longest,
    padding: 0.05,
    x: { label: "Predicted class", domain: classNames, tickRotate: -45 },
    y: { label: "True class", domain: classNames },
    color: { scheme: "blues", domain: [0, 1] },
    marks: [
      Plot.cell(cells, {
        x: "predicted",
        y: "actual",
        fill: "share",
        title: (d) =>
          `true ${d.actual}, predicted ${d.predicted}: ${d.count} (${
            Math.round(100 * d.share)
          }%)`,
      }),
      Plot.text(cells, {
        x: "predicted",
        y: "actual",
        text: "count",
        // Dark text on light cells, light text on dark ones.
        fill: (d) => d.share > 0.5 ? "white" : "black",
      }),
    ],
  });
}

const SVG_NAMESPACE = "http://www.w3.org/2000/svg";

/** The DOM type Plot draws into; Deno and Node have no DOM of their own. */
type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

let dom: PlotDocument | undefined;

/** Options of Observable Plot's `Plot.plot` (marks, scales, size, ...). */
export type PlotFigureOptions = Plot.PlotOptions;

/**
 * Draws an Observable Plot chart (any `Plot.plot` options) as a standalone
 * SVG {@linkcode Figure}: on the page's document in a browser, elsewhere
 * on a server-side DOM (linkedom), as Deno and Node have none of their own.
 *
 * No text is cut: Plot does not size its margins to its labels (a tick
 * label such as "2.30265" is wider than the default left margin), so the
 * SVG's box grows, on each side, to hold every text element as DejaVu Sans
 * (one of the widest common sans fonts) draws it, with a pixel to spare.
 * The chart's own area keeps the size Plot gave it; a side grows by at
 * most the chart's own width or height (text further out comes from a
 * misplaced mark, not a label).
 *
 * @throws {TypeError} for options that make Plot return an HTML figure
 * rather than one SVG (a legend, title, subtitle or caption).
 *
 * @example A line of three points
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plotFigure } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = plotFigure({ marks: [Plot.lineY([3, 1, 2])] });
 * assert.equal(figure.svg.match(/aria-label="line"/g)?.length, 1);
 * ```
 */
export function plotFigure(options: PlotFigureOptions): Figure {
  // A page's own document where there is one, else a server-side DOM.
  dom ??= (globalThis as { document?: PlotDocument }).document ??
    (parseHTML("<html><body></body></html>") as unknown as {
      document: PlotDocument;
    }).document;
  const element = Plot.plot({ ...options, document: dom });
  if (element.tagName.toLowerCase() !== "svg") {
    // Plot wraps the SVG in an HTML <figure> for a legend, title or caption.
    throw new TypeError(
      "plotFigure draws a single SVG, but these options made Plot return an " +
        `HTML <${element.tagName.toLowerCase()}> (a legend, title, subtitle ` +
        "or caption); label the series with marks (Plot.text) instead",
    );
  }
  // Browsers add the namespace when serialising; linkedom does not, and a
  // file or image/svg+xml bundle without it is not an SVG document.
  element.setAttribute("xmlns", SVG_NAMESPACE);
  fitText(element);
  return new Figure(element.outerHTML);
}

/** Extends the SVG's box (viewBox, width, height) to hold all its text. */
function fitText(svg: ReturnType<typeof Plot.plot>): void {
  const bounds = textBounds(svg);
  if (!bounds) return;
  const [x, y, w, h] = (svg.getAttribute("viewBox") ?? "").split(/[\s,]+/)
    .map(Number);
  if (![x, y, w, h].every(Number.isFinite)) return;
  // A side grows at most by the chart's own size: text further out is a
  // misplaced mark, not a label.
  const left = Math.max(x - w, Math.min(x, Math.floor(bounds.left - 1)));
  const top = Math.max(y - h, Math.min(y, Math.floor(bounds.top - 1)));
  const right = Math.min(
    x + 2 * w,
    Math.max(x + w, Math.ceil(bounds.right + 1)),
  );
  const bottom = Math.min(
    y + 2 * h,
    Math.max(y + h, Math.ceil(bounds.bottom + 1)),
  );
  if (left === x && top === y && right === x + w && bottom === y + h) return;
  svg.setAttribute("viewBox", `${left} ${top} ${right - left} ${bottom - top}`);
  svg.setAttribute("width", `${right - left}`);
  svg.setAttribute("height", `${bottom - top}`);
}

/** A swatch and name per series, in a row in the top margin. */
function legend(names: readonly string[]): Plot.Markish[] {
  // Entries laid out from the right, each as wide as its name needs.
  let right = -10;
  const offsets = names.map((name) => textWidth(name, 10) + 22).reverse()
    .map((width) => (right -= width) + 8).reverse();
  return names.flatMap((name, i) => {
    const position = {
      frameAnchor: "top-right",
      facet: "super",
      dy: -18,
      dx: offsets[i],
    } as const;
    return [
      Plot.dot([name], { ...position, fill: PALETTE[i % PALETTE.length] }),
      Plot.text([name], {
        ...position,
        dx: position.dx + 8,
        text: (d) => d,
        textAnchor: "start",
        lineAnchor: "middle",
      }),
    ];
  });
}

/** Keys of primitive values that differ between rows, less the outcomes. */
function variedSettings(rows: readonly SearchChartRow[]): string[] {
  const outcome = /(Acc|Accuracy)$|seconds|time|elapsed|duration/i;
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return keys.filter((key) =>
    !outcome.test(key) &&
    rows.every((row) =>
      ["number", "string", "boolean"].includes(typeof row[key])
    ) &&
    new Set(rows.map((row) => row[key])).size > 1
  );
}
