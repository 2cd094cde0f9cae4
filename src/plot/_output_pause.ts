/**
 * The pause that lets Deno's Jupyter kernel send a cell's output before
 * the cell can end. The kernel queues output for a sender on another
 * thread, and when the cell ends it reports it finished (and sends its
 * status) without waiting for that queue: output still queued then is
 * dropped by headless runs (`jupyter nbconvert`), or is shown under the
 * next cell, and a status written while a large output is still being
 * written can garble both. The sender's time grows with the output's
 * size, so the pause does too.
 *
 * @module
 */

/**
 * How long output waits in Deno's kernel before the cell may go on, in
 * milliseconds: long enough for a short output on a busy machine, short
 * next to a cell.
 */
export const OUTPUT_PAUSE_MS = 25;

/**
 * Bytes of output the kernel's sender is assumed to write per millisecond
 * (4 MB/s): a 2 MB chart waits half a second. Measured: twenty 2 MB
 * displays in a row all arrived with 0.5 s between them on a loaded
 * 2-core machine, and 4 of 20 were lost with 0.1 s.
 */
export const OUTPUT_BYTES_PER_MS = 4096;

/** The pause after `bytes` of output, in milliseconds. */
export function outputPauseMs(bytes = 0): number {
  return OUTPUT_PAUSE_MS + Math.ceil(bytes / OUTPUT_BYTES_PER_MS);
}

let cell: Int32Array<SharedArrayBuffer> | undefined;

/**
 * Blocks this thread for {@linkcode outputPauseMs} of `bytes`; the sender
 * runs meanwhile.
 */
export function pauseForOutput(bytes = 0): void {
  // Made on first use: a web page that is not cross-origin isolated has no
  // SharedArrayBuffer, and loads this module all the same.
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, outputPauseMs(bytes));
}
