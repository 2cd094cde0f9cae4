/**
 * Our results next to every number the workbook printed: a table with a
 * verdict per number, for the notebook's last cell and `out/report.md`.
 *
 * @module
 */

import { jupyterDisplay, type MimeBundle } from "../plot/display.ts";
import { formatPythonFloat } from "./python_format.ts";
import type {
  gradientCheck,
  softmaxToyLoss,
  toyLoss,
  toyScores,
  toyTraining,
} from "./toy.ts";
import type { classCounts, RunResult } from "./cifar.ts";
import type { TuneResult } from "./tune.ts";
import { WORKBOOK_REFERENCE } from "./reference.ts";

/** Our results, step by step, as the workbook steps return them. */
export interface WorkbookResults {
  /** From `toyScores`. */
  toyScores: ReturnType<typeof toyScores>;
  /** From `toyLoss`. */
  toyLoss: ReturnType<typeof toyLoss>;
  /** From `gradientCheck`. */
  gradientCheck: ReturnType<typeof gradientCheck>;
  /** From `toyTraining`. */
  toyTraining: ReturnType<typeof toyTraining>;
  /** Shapes of the loaded splits. */
  data: {
    XTrain: { rows: number; cols: number };
    XVal: { rows: number; cols: number };
    XTest: { rows: number; cols: number };
  };
  /** From `firstCifarRun`. */
  firstRun: RunResult;
  /** From `classCounts`. */
  classCounts: ReturnType<typeof classCounts>;
  /** From `tuneHyperparameters`. */
  tuning: TuneResult;
  /** From `testAccuracy` on the best network. */
  testAcc: number;
  /** From `softmaxToyLoss`. */
  softmaxToy: ReturnType<typeof softmaxToyLoss>;
  /** From `softmaxCifarRun`. */
  softmaxRun: RunResult;
}

/** How a reference number and ours relate. */
export type Verdict =
  /** Equal (to 12 significant digits, or both below the workbook's bound). */
  | "match"
  /** Ours is better (a higher accuracy). */
  | "beat"
  /** Ours is worse, or differs where it should match. */
  | "miss"
  /** The workbook's number comes from its softmax bug; ours is the corrected one. */
  | "corrected"
  /** That step has not run. */
  | "not run";

/** One line of the comparison. */
export interface ComparisonRow {
  /** The workbook's cell or step. */
  step: string;
  /** What the number is. */
  quantity: string;
  /** The reference number, as printed. */
  reference: string;
  /** Ours, as printed (empty when not run). */
  ours: string;
  /** How they relate. */
  verdict: Verdict;
}

/**
 * Our numbers next to every reference number, with a verdict each;
 * displays in Jupyter as a Markdown table and prints as one too.
 */
export class ReferenceComparison {
  /** One row per reference number, in workbook order. */
  readonly rows: readonly ComparisonRow[];

  /** Wraps finished rows. */
  constructor(rows: readonly ComparisonRow[]) {
    this.rows = rows;
  }

  /** Rows whose verdict is `verdict`. */
  count(verdict: Verdict): number {
    return this.rows.filter((row) => row.verdict === verdict).length;
  }

  /** A Markdown table: step, quantity, workbook, ours, verdict. */
  markdown(): string {
    const lines = [
      "| Step | Quantity | Workbook | Ours | Verdict |",
      "| --- | --- | ---: | ---: | --- |",
      ...this.rows.map((r) =>
        `| ${r.step} | ${r.quantity} | ${r.reference} | ${r.ours} | ${r.verdict} |`
      ),
    ];
    return lines.join("\n");
  }

  /** Jupyter mimebundle: the Markdown table. */
  [jupyterDisplay](): MimeBundle {
    const md = this.markdown();
    return { "text/markdown": md, "text/plain": md };
  }
}

/**
 * Compares whatever steps have run with {@linkcode WORKBOOK_REFERENCE}:
 * printed losses must agree to 12 significant digits, accuracies and
 * counts exactly, gradient errors must stay below 1e-8; a tuned or test
 * accuracy above the workbook's is a `beat`.
 *
 * @example Only the toy steps have run
 * ```ts
 * import {
 *   compareWithReference,
 *   toyLoss,
 *   toyProblem,
 * } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const comparison = compareWithReference({
 *   toyLoss: toyLoss(toyProblem(), { log: () => {} }),
 * });
 * const row = comparison.rows.find((r) => r.quantity === "MSE loss, reg 0.05")!;
 * assert.equal(row.verdict, "match");
 * assert.equal(comparison.count("match"), 2);
 * assert.ok(comparison.markdown().startsWith("| Step | Quantity |"));
 * ```
 */
export function compareWithReference(
  ours: Partial<WorkbookResults>,
): ReferenceComparison {
  const R = WORKBOOK_REFERENCE;
  const rows: ComparisonRow[] = [];
  const add = (
    step: string,
    quantity: string,
    reference: number | string,
    value: number | string | undefined,
    judge: (value: number) => Verdict,
  ) => {
    // Counts print as integers, as numpy prints them; everything else as
    // Python prints a float.
    const isCount = typeof reference === "number" &&
      Number.isInteger(reference) && reference >= 1;
    const text = (v: number | string) =>
      typeof v !== "number"
        ? v
        : isCount && Number.isInteger(v)
        ? String(v)
        : formatPythonFloat(v);
    rows.push({
      step,
      quantity,
      reference: text(reference),
      ours: value === undefined ? "" : text(value),
      verdict: value === undefined
        ? "not run"
        : judge(typeof value === "number" ? value : NaN),
    });
  };
  const digits12 = (ref: number) => (v: number) =>
    Math.abs(v - ref) <= 5e-12 * Math.abs(ref) ? "match" : "miss";
  const exact = (ref: number) => (v: number) => v === ref ? "match" : "miss";
  const higher = (ref: number) => (v: number) =>
    v > ref ? "beat" : v === ref ? "match" : "miss";
  const corrected = () => "corrected" as const;

  add(
    "toy scores",
    "sum of abs(scores - correct scores)",
    R.toyScoresDifference,
    ours.toyScores?.difference,
    (v) => v < 1e-7 ? "match" : "miss",
  );
  add(
    "toy loss",
    "MSE loss, reg 0.05",
    R.toyLossMse,
    ours.toyLoss?.loss,
    digits12(R.toyLossMse),
  );
  add(
    "toy loss",
    "difference from correct loss",
    R.toyLossDifference,
    ours.toyLoss?.difference,
    (v) => v < 1e-12 ? "match" : "miss",
  );
  for (const name of ["W2", "b2", "W1", "b1"] as const) {
    add(
      "gradient check",
      `${name} max relative error (< 1e-8)`,
      R.gradientErrors[name],
      ours.gradientCheck?.[name],
      (v) => v < 1e-8 ? "match" : "miss",
    );
  }
  add(
    "toy training",
    "final training loss",
    R.toyFinalLoss,
    ours.toyTraining?.finalLoss,
    digits12(R.toyFinalLoss),
  );
  for (const split of ["XTrain", "XVal", "XTest"] as const) {
    const shape = ours.data?.[split];
    add(
      "load CIFAR-10",
      `${split} shape`,
      `(${R.shapes[split].join(", ")})`,
      shape && `(${shape.rows}, ${shape.cols})`,
      () =>
        shape!.rows === R.shapes[split][0] && shape!.cols === R.shapes[split][1]
          ? "match"
          : "miss",
    );
  }
  R.firstRunLosses.forEach((ref, k) => {
    add(
      "first CIFAR run",
      `loss at iteration ${100 * k} (12 digits)`,
      ref,
      ours.firstRun?.stats.lossHistory[100 * k],
      digits12(ref),
    );
  });
  add(
    "first CIFAR run",
    "validation accuracy",
    R.firstRunValAcc,
    ours.firstRun?.valAcc,
    exact(R.firstRunValAcc),
  );
  R.firstRunTrainAcc.forEach((ref, k) => {
    add(
      "first CIFAR run",
      `train accuracy, epoch ${k}`,
      ref,
      ours.firstRun?.stats.trainAccHistory[k],
      exact(ref),
    );
  });
  add(
    "class counts",
    "training data points",
    R.totalTraining,
    ours.classCounts?.total,
    exact(R.totalTraining),
  );
  for (
    const [split, counts] of [["training", R.trainCounts], [
      "validation",
      R.valCounts,
    ]] as const
  ) {
    counts.forEach((ref, k) => {
      const mine = split === "training"
        ? ours.classCounts?.train[k]
        : ours.classCounts?.val[k];
      add("class counts", `${split} class ${k}`, ref, mine, exact(ref));
    });
  }
  add(
    "hyperparameter search",
    "best validation accuracy",
    R.tunedValAcc,
    ours.tuning?.best.valAcc,
    higher(R.tunedValAcc),
  );
  add("test set", "test accuracy", R.testAcc, ours.testAcc, higher(R.testAcc));
  add(
    "test set",
    "test accuracy vs kNN",
    R.knnTestAcc,
    ours.testAcc,
    higher(R.knnTestAcc),
  );
  add(
    "softmax bonus",
    "toy softmax loss (REFERENCE.md, correct)",
    R.softmaxToyLoss,
    ours.softmaxToy?.softmax,
    digits12(R.softmaxToyLoss),
  );
  add(
    "softmax bonus",
    "toy softmax loss (workbook, wrong formula)",
    R.workbookSoftmaxToyLoss,
    ours.softmaxToy?.softmax,
    corrected,
  );
  add(
    "softmax bonus",
    "CIFAR softmax loss at iteration 0 (workbook bug)",
    R.workbookSoftmaxFirstLoss,
    ours.softmaxRun?.stats.lossHistory[0],
    corrected,
  );
  add(
    "softmax bonus",
    "CIFAR softmax validation accuracy (workbook bug)",
    R.workbookSoftmaxValAcc,
    ours.softmaxRun?.valAcc,
    corrected,
  );
  return new ReferenceComparison(rows);
}
