/**
 * The messages between the page (page.ts) and its training Worker
 * (worker.ts).
 *
 * @module
 */

import type { OptimizerName } from "../mod.ts";

/** What the page lets a user choose for a run. */
export interface RunSettings {
  /** Hidden units (the workbook's first run: 50). */
  hiddenSize: number;
  /** Step size (the first run: 1e-5). */
  learningRate: number;
  /** Update rule (the first run: "sgd"). */
  optimizer: OptimizerName;
  /** Mirror each training image with probability 1/2 (the first run: no). */
  flips: boolean;
}

/** Page to Worker. */
export type ToWorker =
  /** Train a network with these settings, after the workbook's toy cells. */
  | { type: "train"; settings: RunSettings }
  /** Evaluate a saved network (safetensors bytes) on the validation set. */
  | { type: "evaluate"; name: string; bytes: Uint8Array };

/** Worker to page. */
export type FromWorker =
  /** What the Worker is doing, in a sentence. */
  | { type: "status"; text: string }
  /** The data are loaded and checked: training can start. */
  | { type: "ready"; backend: string; source: string; loadMs: number }
  /** A line the workbook prints while training. */
  | { type: "log"; line: string }
  /** Iterations since the last report, and the epoch's accuracies if one ended. */
  | {
    type: "progress";
    iteration: number;
    numIters: number;
    losses: number[];
    trainAcc?: number;
    valAcc?: number;
    elapsedMs: number;
  }
  /** The first layer's weights as a PNG of one picture per hidden unit. */
  | { type: "weights"; png: Uint8Array }
  /** A run (or an evaluation) ended. */
  | {
    type: "done";
    valAcc: number;
    confusion: number[][];
    trainMs?: number;
    what: string;
  }
  /** Something failed; the message says what. */
  | { type: "error"; message: string };
