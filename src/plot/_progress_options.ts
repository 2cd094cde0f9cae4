/**
 * The check of a progress display's options, shared by
 * `progressReporter` and the training and search displays, which make
 * their reporter only when the work starts: a bad width or sink is refused
 * when the display is created, not after the first update.
 *
 * @module
 */

import { checkOptionNames } from "../core/options.ts";

/** Each sink kind and the fields it takes; the first after `kind` is its function. */
const SINK_FIELDS: Record<string, string[]> = {
  terminal: ["kind", "write"],
  jupyter: ["kind", "broadcast"],
  lines: ["kind", "log", "every"],
  quiet: ["kind"],
};

/**
 * Throws unless `options` are a progress display's: a positive whole
 * `width`, a non-negative `interval`, a `now` function, a string `label`,
 * and a `sink` of a known kind with its function (and, for `"lines"`, an
 * `every` in (0, 1]).
 *
 * @example
 * ```ts
 * import { checkProgressOptions } from "./_progress_options.ts";
 * import assert from "node:assert/strict";
 *
 * checkProgressOptions({ width: 20, sink: { kind: "quiet" } });
 * assert.throws(
 *   () => checkProgressOptions({ width: 0 }),
 *   /progress bar width must be a positive integer, got 0/,
 * );
 * ```
 */
export function checkProgressOptions(
  options: {
    label?: unknown;
    sink?: unknown;
    width?: unknown;
    interval?: unknown;
    now?: unknown;
  },
): void {
  const { label, sink, width, interval, now } = options;
  if (
    width !== undefined &&
    !(Number.isInteger(width) && (width as number) >= 1)
  ) {
    throw new RangeError(
      `progress bar width must be a positive integer, got ${String(width)}`,
    );
  }
  if (
    interval !== undefined &&
    !(typeof interval === "number" && interval >= 0)
  ) {
    throw new RangeError(
      `progress interval must be a number of milliseconds, 0 or more, got ${
        String(interval)
      }`,
    );
  }
  if (now !== undefined && typeof now !== "function") {
    throw new TypeError(
      `progress now must be a function returning milliseconds, got ${typeof now}`,
    );
  }
  if (label !== undefined && typeof label !== "string") {
    throw new TypeError(`progress label must be a string, got ${typeof label}`);
  }
  if (sink === undefined) return;
  const kinds = Object.keys(SINK_FIELDS);
  const kind = typeof sink === "object" && sink !== null
    ? (sink as { kind?: unknown }).kind
    : undefined;
  if (typeof kind !== "string" || !Object.hasOwn(SINK_FIELDS, kind)) {
    throw new RangeError(
      `progress sink kind must be ${
        kinds.slice(0, -1).map((k) => `"${k}"`).join(", ")
      } or "${kinds.at(-1)}", got ${
        typeof sink === "object" && sink !== null
          ? JSON.stringify(kind) ?? "none"
          : `a sink of type ${sink === null ? "null" : typeof sink}`
      }`,
    );
  }
  const fields = SINK_FIELDS[kind];
  checkOptionNames(`a "${kind}" progress sink`, sink, fields);
  const method = fields[1];
  const fn = method && (sink as Record<string, unknown>)[method];
  if (method && typeof fn !== "function") {
    throw new TypeError(
      `a "${kind}" progress sink needs a ${method} function, got ${typeof fn}`,
    );
  }
  const every = (sink as { every?: unknown }).every;
  if (
    every !== undefined && !(typeof every === "number" && every > 0 &&
      every <= 1)
  ) {
    throw new RangeError(
      `a "lines" progress sink's every must be a fraction of the work in (0, 1], got ${
        String(every)
      }`,
    );
  }
}
