/**
 * Our results next to every number the workbook printed: a table with a
 * verdict per number, for the notebook's last cell and `out/report.md`.
 *
 * @module
 */

import { jupyterDisplay, type MimeBundle } from "../plot/display.ts";
import { formatPythonFloat } from "./python_format.ts";
import { WORKBOOK_REFERENCE } from "./reference.ts";

/** The rows and columns of a data split (a `Matrix` fits). */
export interface SplitShape {
  /** Rows (examples). */
  readonly rows: number;
  /** Columns (values per example). */
  readonly cols: number;
}

/** Our numbers, as the notebook's cells compute them; any may be missing. */
export interface WorkbookResults {
  /** Sum of `abs(scores - correct scores)` of the toy forward pass. */
  toyScoresDifference: number;
  /** Toy MSE loss with reg 0.05. */
  toyLoss: number;
  /** Maximum relative error of each parameter's gradient. */
  gradientErrors: Partial<Record<"W2" | "b2" | "W1" | "b1", number>>;
  /** Last loss of the toy training. */
  toyFinalLoss: number;
  /** The loaded splits (only their shapes are compared). */
  data: { XTrain: SplitShape; XVal: SplitShape; XTest: SplitShape };
  /** The first CIFAR run: its histories and validation accuracy. */
  firstRun: {
    stats: {
      readonly lossHistory: readonly number[];
      readonly trainAccHistory: readonly number[];
    };
    valAcc: number;
  };
  /** Examples per class in the training and validation splits. */
  classCounts: { train: readonly number[]; val: readonly number[] };
  /** Best validation accuracy of the hyperparameter search. */
  bestValAcc: number;
  /** The best setting of the search, listed below the table. */
  bestSetting: Readonly<Record<string, unknown>>;
  /** Test accuracy of the best network. */
  testAcc: number;
  /** Toy softmax loss with reg 0.05. */
  softmaxToyLoss: number;
  /** The softmax CIFAR run with the first run's settings. */
  softmaxRun: {
    stats: { readonly lossHistory: readonly number[] };
    valAcc: number;
  };
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

  /** The search's best setting, when known. */
  readonly bestSetting?: Readonly<Record<string, unknown>>;

  /** Wraps finished rows (and the best setting, listed after them). */
  constructor(
    rows: readonly ComparisonRow[],
    bestSetting?: Readonly<Record<string, unknown>>,
  ) {
    this.rows = rows;
    this.bestSetting = bestSetting;
  }

  /** Rows whose verdict is `verdict`. */
  count(verdict: Verdict): number {
    return this.rows.filter((row) => row.verdict === verdict).length;
  }

  /**
   * A line of verdict counts, a Markdown table (step, quantity, workbook,
   * ours, verdict) and, when known, the best setting.
   */
  markdown(): string {
    const lines = [
      `Verdicts: ${this.count("match")} match, ${this.count("beat")} beat, ` +
      `${this.count("corrected")} corrected (workbook bug), ` +
      `${this.count("miss")} miss, ${this.count("not run")} not run.`,
      "",
      "| Step | Quantity | Workbook | Ours | Verdict |",
      "| --- | --- | ---: | ---: | --- |",
      ...this.rows.map((r) =>
        `| ${r.step} | ${r.quantity} | ${r.reference} | ${r.ours} | ${r.verdict} |`
      ),
    ];
    if (this.bestSetting) {
      lines.push(
        "",
        "Best setting of the search:",
        "",
        "| Setting | Value |",
        "| --- | --- |",
        ...Object.entries(this.bestSetting).map(([key, value]) =>
          `| ${key} | ${
            typeof value === "object" ? JSON.stringify(value) : value
          } |`
        ),
      );
    }
    return lines.join("\n");
  }

  /** Jupyter mimebundle: the Markdown table. */
  [jupyterDisplay](): MimeBundle {
    const md = this.markdown();
    return { "text/markdown": md, "text/plain": md };
  }
}

/**
 * Compares whatever numbers are given with {@linkcode WORKBOOK_REFERENCE}:
 * printed losses must agree to 12 significant digits, accuracies and
 * counts exactly, gradient errors must stay below 1e-8; a tuned or test
 * accuracy above the workbook's is a `beat`.
 *
 * @example Only the toy loss is known
 * ```ts
 * import { compareWithReference } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const comparison = compareWithReference({ toyLoss: 1.8973332763705641 });
 * const row = comparison.rows.find((r) => r.quantity === "MSE loss, reg 0.05")!;
 * assert.equal(row.verdict, "match");
 * assert.equal(comparison.count("match"), 2);
 * assert.ok(comparison.markdown().startsWith("Verdicts: 2 match, 0 beat"));
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
    ours.toyScoresDifference,
    (v) => v < 1e-7 ? "match" : "miss",
  );
  add(
    "toy loss",
    "MSE loss, reg 0.05",
    R.toyLossMse,
    ours.toyLoss,
    digits12(R.toyLossMse),
  );
  add(
    "toy loss",
    "difference from correct loss",
    R.toyLossDifference,
    ours.toyLoss === undefined
      ? undefined
      : Math.abs(ours.toyLoss - R.toyLossMse),
    (v) => v < 1e-12 ? "match" : "miss",
  );
  for (const name of ["W2", "b2", "W1", "b1"] as const) {
    add(
      "gradient check",
      `${name} max relative error (< 1e-8)`,
      R.gradientErrors[name],
      ours.gradientErrors?.[name],
      (v) => v < 1e-8 ? "match" : "miss",
    );
  }
  add(
    "toy training",
    "final training loss",
    R.toyFinalLoss,
    ours.toyFinalLoss,
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
    ours.classCounts?.train.reduce((sum, n) => sum + n, 0),
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
    ours.bestValAcc,
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
    ours.softmaxToyLoss,
    digits12(R.softmaxToyLoss),
  );
  add(
    "softmax bonus",
    "toy softmax loss (workbook, wrong formula)",
    R.workbookSoftmaxToyLoss,
    ours.softmaxToyLoss,
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
  return new ReferenceComparison(rows, ours.bestSetting);
}
