/**
 * A notebook's code cells as one TypeScript module: what
 * `deno task workbook` runs and `deno task check` type-checks, so the
 * notebook is the only copy of its code.
 *
 * @module
 */

import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/** Largest notebook read (outputs included), in bytes. */
export const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;

/**
 * The code cells of the `.ipynb` file at `path`, in order (markdown and
 * raw cells left out).
 *
 * @throws {Error} when the file is larger than {@linkcode MAX_NOTEBOOK_BYTES},
 *   is not JSON, or has no `cells` list of cells with a `source`.
 */
export async function readCodeCells(path: string | URL): Promise<string[]> {
  const { size } = await Deno.stat(path);
  if (size > MAX_NOTEBOOK_BYTES) {
    throw new Error(
      `notebook ${path} is ${size} bytes, more than the ${MAX_NOTEBOOK_BYTES} read`,
    );
  }
  let notebook: unknown;
  try {
    notebook = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(
      `notebook ${path} is not JSON: ${(error as Error).message}`,
    );
  }
  const cells = (notebook as { cells?: unknown }).cells;
  if (!Array.isArray(cells)) {
    throw new Error(`notebook ${path} has no "cells" list`);
  }
  return cells.flatMap((cell, i) => {
    const { cell_type: type, source } = cell ?? {};
    if (type !== "code") return [];
    const text = Array.isArray(source) ? source.join("") : source;
    if (typeof text !== "string") {
      throw new Error(
        `notebook ${path} cell ${i} has no source text, found ${typeof text}`,
      );
    }
    return [text];
  });
}

/** Relative module specifiers in static and dynamic imports and re-exports. */
const RELATIVE_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

/**
 * The cells joined into one module, each after a `// cell N` line, with
 * relative import specifiers made absolute against `base` (the notebook's
 * URL), so the module can live in any folder.
 *
 * @example
 * ```ts
 * import { cellsToModule } from "./notebook_module.ts";
 * import assert from "node:assert/strict";
 *
 * const module = cellsToModule(
 *   ['import { seed } from "../mod.ts";', "seed(0);"],
 *   new URL("file:///project/notebooks/a.ipynb"),
 * );
 * assert.equal(
 *   module,
 *   '// cell 1\nimport { seed } from "file:///project/mod.ts";\n\n// cell 2\nseed(0);\n',
 * );
 * ```
 */
export function cellsToModule(cells: readonly string[], base: URL): string {
  return cells.map((source, i) =>
    `// cell ${i + 1}\n${
      source.replace(
        RELATIVE_SPECIFIER,
        (_, keyword, quote, specifier) =>
          `${keyword}${quote}${new URL(specifier, base).href}${quote}`,
      )
    }\n`
  ).join("\n");
}

/**
 * Writes the notebook at `notebook` as one module into a new temporary
 * folder and returns the module's path; the caller removes the folder.
 */
export async function writeNotebookModule(notebook: URL): Promise<string> {
  const source = cellsToModule(await readCodeCells(notebook), notebook);
  const dir = await Deno.makeTempDir({ prefix: "twolayer_notebook_" });
  const name = basename(fileURLToPath(notebook), ".ipynb");
  const path = `${dir}/${name}.ts`;
  await Deno.writeTextFile(path, source);
  return path;
}
