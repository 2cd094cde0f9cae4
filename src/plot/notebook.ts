/**
 * Getting a notebook cell's output out, reliably: {@linkcode show} for
 * charts, pictures and tables, {@linkcode keepCellOutput} for printed
 * lines, {@linkcode setShowHandler} to send shown items elsewhere when the
 * cells run as a script.
 *
 * Deno's kernel queues a cell's output (prints and displays alike) for a
 * sender on another thread, and reports the cell finished without waiting
 * for that queue; output sent after the report is dropped by headless
 * runs (`jupyter nbconvert --execute`), or lands in the next cell. Output
 * is queued at once, so a pause after it, before the cell can end, lets
 * the sender catch up: both functions here pause, longer for larger
 * outputs (a 2 MB picture gallery waits about half a second).
 *
 * @module
 */

import { Figure, jupyterDisplay, type MimeBundle } from "./display.ts";
import { outputPauseMs, pauseForOutput } from "./_output_pause.ts";

/**
 * Receives what {@linkcode show} is given, e.g. to save it as a file.
 * `name` is the one passed to `show`, if any.
 */
export type ShowHandler = (
  item: unknown,
  name: string | undefined,
) => void | Promise<void>;

let handler: ShowHandler | undefined;

/**
 * Sends every later {@linkcode show} to `next` (or, with `undefined`,
 * back to the default: Jupyter inside Deno's kernel, the console
 * elsewhere). Returns the handler it replaces.
 *
 * @example Collect what a piece of code shows
 * ```ts
 * import { setShowHandler, show } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const shown: [unknown, string | undefined][] = [];
 * const previous = setShowHandler((item, name) => {
 *   shown.push([item, name]);
 * });
 * await show("a table", "report");
 * setShowHandler(previous);
 * assert.deepEqual(shown, [["a table", "report"]]);
 * ```
 */
export function setShowHandler(
  next: ShowHandler | undefined,
): ShowHandler | undefined {
  const previous = handler;
  handler = next;
  return previous;
}

/**
 * Shows a chart ({@linkcode Figure}), a picture, a table or any value, and
 * resolves once it is delivered. In Deno's Jupyter kernel it becomes a
 * display output; a `Figure` also carries a PNG (2x), for exporters that
 * take neither HTML nor SVG. With a {@linkcode setShowHandler} handler, the
 * handler gets it (`name` says what to call it, e.g. a file name);
 * elsewhere its text form is printed.
 *
 * @example Outside Jupyter, values print
 * ```ts
 * import { show } from "@twolayer/net/plot";
 *
 * await show("hello"); // prints hello
 * ```
 */
export async function show(item: unknown, name?: string): Promise<void> {
  if (handler) return await handler(item, name);
  const jupyter = jupyterApi();
  if (!jupyter) {
    console.log(textOf(item));
    return;
  }
  if (!hasBundle(item)) {
    await jupyter.display(item);
    await new Promise((resolve) => setTimeout(resolve, outputPauseMs()));
    return;
  }
  const data: MimeBundle = { ...item[jupyterDisplay]() };
  const metadata: Record<string, unknown> = {};
  if (item instanceof Figure) {
    try {
      data["image/png"] = (await item.png({ scale: 2 })).toBase64();
      const size = svgSize(item.svg);
      if (size) metadata["image/png"] = size;
    } catch {
      // No font for the PNG: the SVG and HTML forms still show.
    }
  }
  await jupyter.broadcast("display_data", { data, metadata, transient: {} });
  // Longer for larger outputs: a 2 MB picture gallery takes the kernel's
  // sender a while, and the cell must not end before it has gone.
  const bytes = Object.values(data).reduce((n, v) => n + v.length, 0);
  await new Promise((resolve) => setTimeout(resolve, outputPauseMs(bytes)));
}

export { OUTPUT_PAUSE_MS } from "./_output_pause.ts";

const kept = Symbol.for("twolayer.keepCellOutput");

/**
 * Inside Deno's Jupyter kernel, makes `console.log`, `info`, `debug`,
 * `error` and `warn` pause {@linkcode OUTPUT_PAUSE_MS} after printing, so
 * a cell's last lines reach the frontend before the kernel reports the
 * cell finished (see the module notes); `show` waits the same way. Call
 * it once, in a notebook's first cell; calling it again, or outside the
 * kernel, changes nothing.
 *
 * @example
 * ```ts
 * import { keepCellOutput } from "@twolayer/net/plot";
 *
 * keepCellOutput(); // outside Jupyter: nothing changes
 * ```
 */
export function keepCellOutput(): void {
  if (!jupyterApi()) return;
  const console = globalThis.console as Console & { [kept]?: true };
  if (console[kept]) return;
  for (const method of ["log", "info", "debug", "error", "warn"] as const) {
    const print = console[method];
    console[method] = (...args: unknown[]) => {
      print(...args);
      pauseForOutput();
    };
  }
  console[kept] = true;
}

/** The parts of `Deno.jupyter` used here. */
interface JupyterApi {
  display(item: unknown): Promise<void>;
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

/** `Deno.jupyter` inside Deno's kernel; undefined elsewhere. */
function jupyterApi(): JupyterApi | undefined {
  try {
    // Reading Deno.jupyter outside the kernel throws.
    const jupyter = Reflect.get(Deno, "jupyter") as
      | Partial<JupyterApi>
      | undefined;
    return typeof jupyter?.broadcast === "function" &&
        typeof jupyter.display === "function"
      ? jupyter as JupyterApi
      : undefined;
  } catch {
    return undefined;
  }
}

function hasBundle(
  item: unknown,
): item is { [jupyterDisplay](): MimeBundle } {
  return typeof item === "object" && item !== null &&
    typeof (item as Record<symbol, unknown>)[jupyterDisplay] === "function";
}

/** The text a value shows where nothing richer can be shown. */
function textOf(item: unknown): string {
  if (typeof item === "string") return item;
  if (hasBundle(item)) {
    const bundle = item[jupyterDisplay]();
    if ("text/markdown" in bundle) return bundle["text/markdown"];
    if ("text/plain" in bundle) return bundle["text/plain"];
  }
  return Deno.inspect(item, { colors: false });
}

/** The SVG's declared width and height in CSS pixels, when it has both. */
function svgSize(svg: string): { width: number; height: number } | undefined {
  const tag = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const width = Number(/\swidth="([\d.]+)"/.exec(tag)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(tag)?.[1]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}
