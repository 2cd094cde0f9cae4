/**
 * Printing beside live progress, for the steps that train.
 *
 * @module
 */

import type { ProgressSink } from "../plot/progress.ts";

/** `log`, clearing a terminal's progress line first so the two never mix. */
export function aboveProgress(
  sink: ProgressSink,
  log: (line: string) => void,
): (line: string) => void {
  if (sink.kind !== "terminal") return log;
  return (line) => {
    sink.write("\r\x1b[2K");
    log(line);
  };
}
