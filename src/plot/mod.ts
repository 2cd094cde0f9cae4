/**
 * Pictures, charts and progress: {@linkcode Figure} (SVG, rasterised to
 * PNG) and {@linkcode Picture} (pixels), both shown inline in Jupyter;
 * the workbook's loss, accuracy, search and class-count charts; image
 * grids and first-layer weights; a progress bar for terminals and
 * notebooks; {@linkcode show} and {@linkcode keepCellOutput}, which
 * deliver a notebook cell's output before the cell ends.
 *
 * @example
 * ```ts
 * import { lossChart } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const chart = lossChart({ lossHistory: [2.3, 1.9, 1.7] });
 * assert.ok(chart.svg.startsWith("<svg"));
 * ```
 *
 * @module
 */

export * from "./display.ts";
export * from "./charts.ts";
export * from "./visualize.ts";
export * from "./gallery.ts";
export * from "./progress.ts";
export * from "./live_progress.ts";
export * from "./notebook.ts";
