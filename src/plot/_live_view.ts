/**
 * The chart of a live Jupyter progress display: redrawn only as often as a
 * small share of the elapsed time allows, so watching costs the work
 * almost nothing; the text line goes with it on every update.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { plotFigure } from "./charts.ts";
import { type Figure, jupyterDisplay, type MimeBundle } from "./display.ts";
import { escapeXml } from "./_text_fit.ts";

/**
 * Share of the elapsed time a live chart may spend drawing itself, its
 * final drawing aside.
 */
export const LIVE_CHART_BUDGET = 0.015;

/** Milliseconds a drawing is assumed to take before the first is timed. */
const FIRST_COST_MS = 10;

/**
 * A chart redrawn from changing data within {@linkcode LIVE_CHART_BUDGET}:
 * each display update gets the latest drawing, redrawn first when the data
 * changed and the time spent drawing so far, plus this drawing and the
 * final one (each estimated at the last drawing's time), stays within the
 * budget of the time since the start; the last update always redraws. A
 * short run is drawn once, at its end.
 */
export class LiveChart {
  readonly #draw: () => Figure | undefined;
  readonly #now: () => number;
  readonly #started: number;
  #spent = 0;
  #cost = FIRST_COST_MS;
  #stale = false;
  #bundle: MimeBundle | undefined;

  /** A live chart drawn by `draw` (undefined: nothing to draw yet). */
  constructor(draw: () => Figure | undefined, now: () => number) {
    this.#draw = draw;
    this.#now = now;
    this.#started = now();
  }

  /** Marks the data changed: the next update the budget allows redraws. */
  changed(): void {
    this.#stale = true;
  }

  /**
   * The display's mimebundle for the text `line`: the chart as an HTML
   * `<img>` above the line; on the `last` update also the chart's SVG, as
   * {@linkcode Figure} bundles carry it.
   */
  bundle(line: string, last: boolean): MimeBundle {
    const start = this.#now();
    if (
      this.#stale &&
      (last || this.#spent + 2 * this.#cost <=
          LIVE_CHART_BUDGET * (start - this.#started))
    ) {
      this.#bundle = this.#draw()?.[jupyterDisplay]();
      this.#cost = this.#now() - start;
      this.#spent += this.#cost;
      this.#stale = false;
    }
    if (!this.#bundle) return { "text/plain": line };
    const html = `${this.#bundle["text/html"]}<pre>${escapeXml(line)}</pre>`;
    return last
      ? { ...this.#bundle, "text/html": html, "text/plain": line }
      : { "text/html": html, "text/plain": line };
  }
}

/** A finished setting of a search, for {@linkcode searchResultsChart}. */
export interface FinishedSetting {
  /** Position of the setting in the search's list. */
  index: number;
  /** Its validation accuracy. */
  valAcc: number;
}

/**
 * Validation accuracy of each setting in the order they finished, labelled
 * with the setting's number, and the best so far as a step line.
 */
export function searchResultsChart(
  finished: readonly FinishedSetting[],
): Figure {
  let best = -Infinity;
  const points = finished.map((row, k) => {
    best = Math.max(best, row.valAcc);
    return {
      order: k + 1,
      valAcc: row.valAcc,
      best,
      label: `#${row.index + 1}`,
    };
  });
  return plotFigure({
    width: 560,
    height: 260,
    marginTop: 30,
    x: {
      label: "Settings finished",
      domain: [0.5, Math.max(points.length, 1) + 0.5],
      ticks: Math.min(points.length, 10),
      tickFormat: "d",
    },
    y: { label: "Validation accuracy", grid: true },
    marks: [
      Plot.lineY(points, {
        x: "order",
        y: "best",
        curve: "step-after",
        stroke: "#3ca951",
      }),
      Plot.dot(points, { x: "order", y: "valAcc", fill: "#4269d0", r: 4 }),
      Plot.text(points, {
        x: "order",
        y: "valAcc",
        text: (d) => `${d.label} ${d.valAcc.toFixed(3)}`,
        dy: -10,
      }),
      Plot.text([`best so far ${best.toFixed(3)}`], {
        frameAnchor: "top-right",
        dy: -20,
        fill: "#3ca951",
      }),
    ],
  });
}
