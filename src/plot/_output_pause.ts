/**
 * The pause that lets Deno's Jupyter kernel send a cell's output before
 * the cell can end: the kernel queues output for a sender on another
 * thread and reports a cell finished without waiting for that queue, so
 * output still queued then is lost by headless runs (`jupyter nbconvert`).
 *
 * @module
 */

/**
 * How long output waits in Deno's kernel, in milliseconds: long enough for
 * the sending thread on a busy machine, short next to a cell.
 */
export const OUTPUT_PAUSE_MS = 25;

let cell: Int32Array<SharedArrayBuffer> | undefined;

/** Blocks this thread for {@linkcode OUTPUT_PAUSE_MS}; the sender runs meanwhile. */
export function pauseForOutput(): void {
  // Made on first use: a web page that is not cross-origin isolated has no
  // SharedArrayBuffer, and loads this module all the same.
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, OUTPUT_PAUSE_MS);
}
