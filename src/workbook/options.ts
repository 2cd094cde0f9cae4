/**
 * The options every workbook step takes.
 *
 * @module
 */

import type { ProgressSink } from "../plot/progress.ts";

/** Options every step takes. */
export interface StepOptions {
  /** Where the step's printed lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** Options of the steps that train on CIFAR-10. */
export interface TrainingStepOptions extends StepOptions {
  /** Where live progress goes (default: `defaultProgressSink()`). */
  progress?: ProgressSink;
}
