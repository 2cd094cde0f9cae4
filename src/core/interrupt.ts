/**
 * Temporary files and folders that an interrupt must not leave behind: a
 * write in progress registers its temporary path, and SIGINT or SIGTERM
 * (Ctrl-C, `kill`) removes every registered path before the process ends,
 * as it would have ended anyway.
 *
 * @module
 */

/** The signals handled, with the exit code a shell reports for each. */
function signals(): (readonly [Deno.Signal, number])[] {
  return ([["SIGINT", 130], ["SIGTERM", 143]] as const)
    // Windows delivers only SIGINT (and SIGBREAK) to listeners.
    .filter(([signal]) => Deno.build.os !== "windows" || signal === "SIGINT");
}

const pending = new Set<string>();
let listeners: [Deno.Signal, () => void][] | undefined;

/**
 * Removes `path` (recursively) if the process is interrupted before the
 * result is disposed of. One listener per signal serves all the paths, so
 * concurrent writes are all cleaned up; it is removed with the last path.
 *
 * @example
 * ```ts
 * import { removeOnInterrupt } from "./interrupt.ts";
 *
 * const temp = await Deno.makeTempFile();
 * {
 *   using _cleanup = removeOnInterrupt(temp);
 *   await Deno.writeTextFile(temp, "work in progress");
 * }
 * await Deno.remove(temp);
 * ```
 */
export function removeOnInterrupt(path: string): Disposable {
  pending.add(path);
  if (!listeners) {
    listeners = signals().map(([signal, code]) => [signal, () => {
      for (const p of pending) {
        try {
          Deno.removeSync(p, { recursive: true });
        } catch {
          // Already gone, or never created: nothing to clean.
        }
      }
      Deno.exit(code);
    }]);
    for (const [signal, listener] of listeners) {
      Deno.addSignalListener(signal, listener);
    }
  }
  return {
    [Symbol.dispose]() {
      pending.delete(path);
      if (pending.size === 0 && listeners) {
        for (const [signal, listener] of listeners) {
          Deno.removeSignalListener(signal, listener);
        }
        listeners = undefined;
      }
    },
  };
}
