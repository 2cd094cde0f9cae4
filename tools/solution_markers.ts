/**
 * Solution markers, nbgrader's convention written for TypeScript: the
 * homework's source holds the solution, and each part a student writes
 * sits between marker lines
 *
 *     // BEGIN SOLUTION TwoLayerNet.loss, the forward pass, for Compute forward pass scores (In[109])
 *     ...solution...
 *     // END SOLUTION
 *
 * The text after `BEGIN SOLUTION` names the part and the step, whose
 * label (the notebook's heading) ends with the workbook cell in
 * parentheses. The instructor's edition drops the marker
 * lines; the student edition replaces each region with the workbook's
 * `// YOUR CODE HERE` and a `throw new NotImplementedError("<name>")`.
 * Markdown (a notebook's answer cells) uses `<!-- BEGIN SOLUTION -->` and
 * `<!-- END SOLUTION -->`, and the student gets `_YOUR ANSWER HERE_`.
 *
 * Every problem is a {@linkcode MarkerError} naming the file, the line and
 * what was expected: unbalanced or nested markers, a marker that is not a
 * line of its own, a region without a name or a cell, and a region that
 * cannot be stubbed (no code, not whole statements of one block, or at
 * the top level of a module, where the `throw` would run on import).
 *
 * @module
 */

/** Which edition to write. */
export type Edition = "student" | "solution";

/** A marked region: lines are 1-based, the markers' own lines. */
export interface Region {
  /** The step and workbook cell, from the BEGIN line. */
  name: string;
  /** Line of `BEGIN SOLUTION`. */
  begin: number;
  /** Line of `END SOLUTION`. */
  end: number;
  /** Indentation of the BEGIN line, given to the stub. */
  indent: string;
}

/** A problem with the markers of a source file. */
export class MarkerError extends Error {
  override name = "MarkerError";
}

/** What a student edition's stub throws. */
export const STUB_ERROR = "NotImplementedError";

/** The comment that replaces a code region, as the workbook writes it. */
export const YOUR_CODE_HERE = "// YOUR CODE HERE";

/** What replaces a markdown region (an answer) in the student edition. */
export const YOUR_ANSWER_HERE = "_YOUR ANSWER HERE_";

const CODE_BEGIN = /^(\s*)\/\/ BEGIN SOLUTION(?:[ \t]+(.*?))?\s*$/;
const CODE_END = /^(\s*)\/\/ END SOLUTION\s*$/;
const MARKDOWN_BEGIN = /^\s*<!-- BEGIN SOLUTION -->\s*$/;
const MARKDOWN_END = /^\s*<!-- END SOLUTION -->\s*$/;
const MENTION = /BEGIN SOLUTION|END SOLUTION/;
/** A name ends with the workbook cell in parentheses: "... (In[109])". */
const NAMED = /\S.*\([^()]*\S[^()]*\)$/;

/** Where a file's code lives, for the checks that depend on it. */
export interface CodeOptions {
  /** The file (and cell) named in messages. */
  where: string;
  /**
   * True for a module (`.ts` file): a region at its top level would throw
   * on import, so it cannot be stubbed. False for a notebook cell, whose
   * top level is where a student's code goes.
   */
  module: boolean;
}

/**
 * The regions of TypeScript `text`, checked (see the module doc).
 *
 * @throws {MarkerError} naming `options.where`, the line and the problem.
 *
 * @example
 * ```ts
 * import { codeRegions } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * const text = [
 *   'import { NotImplementedError } from "./errors.ts";',
 *   "function f(): number {",
 *   "  // BEGIN SOLUTION f, the answer (In[1])",
 *   "  return 42;",
 *   "  // END SOLUTION",
 *   "}",
 * ].join("\n");
 * assert.deepEqual(codeRegions(text, { where: "f.ts", module: true }), [
 *   { name: "f, the answer (In[1])", begin: 3, end: 5, indent: "  " },
 * ]);
 * ```
 */
export function codeRegions(text: string, options: CodeOptions): Region[] {
  const { where } = options;
  const lines = text.split("\n");
  const regions: Region[] = [];
  let open: Region | undefined;
  lines.forEach((line, i) => {
    const at = `${where}:${i + 1}`;
    const begin = CODE_BEGIN.exec(line), end = CODE_END.exec(line);
    if (begin) {
      if (open) {
        throw new MarkerError(
          `${at}: BEGIN SOLUTION inside the region opened at line ${open.begin}; expected its END SOLUTION first (regions do not nest)`,
        );
      }
      const name = begin[2] ?? "";
      if (!NAMED.test(name)) {
        throw new MarkerError(
          `${at}: BEGIN SOLUTION needs the part and the step with its workbook cell, as in "// BEGIN SOLUTION TwoLayerNet.loss, the forward pass, for Compute forward pass scores (In[109])"; found ${
            name ? `"${name}"` : "no name"
          }`,
        );
      }
      open = { name, begin: i + 1, end: 0, indent: begin[1] };
    } else if (end) {
      if (!open) {
        throw new MarkerError(
          `${at}: END SOLUTION without a BEGIN SOLUTION before it`,
        );
      }
      if (end[1] !== open.indent) {
        throw new MarkerError(
          `${at}: END SOLUTION is indented ${
            describeIndent(end[1])
          }, its BEGIN SOLUTION (line ${open.begin}) ${
            describeIndent(open.indent)
          }; a region holds whole statements of one block`,
        );
      }
      open.end = i + 1;
      regions.push(open);
      open = undefined;
    } else if (MENTION.test(line)) {
      throw new MarkerError(
        `${at}: a marker must be a line of its own, "// BEGIN SOLUTION <step> (<cell>)" or "// END SOLUTION"; found "${line.trim()}"`,
      );
    }
  });
  if (open) {
    throw new MarkerError(
      `${where}:${open.begin}: BEGIN SOLUTION has no END SOLUTION (expected one before the end of the ${
        options.module ? "file" : "cell"
      })`,
    );
  }
  if (regions.length > 0) checkStubbable(lines, regions, options);
  return regions;
}

function describeIndent(indent: string): string {
  return indent === "" ? "not at all" : `by ${JSON.stringify(indent)}`;
}

/** Whether each region can become a stub; throws a MarkerError if not. */
function checkStubbable(
  lines: string[],
  regions: Region[],
  options: CodeOptions,
): void {
  const { where } = options;
  const depth = bracketDepths(lines.join("\n"));
  for (const r of regions) {
    const at = `${where}:${r.begin}`;
    const body = lines.slice(r.begin, r.end - 1);
    if (!body.some((l) => isCode(l))) {
      throw new MarkerError(
        `${at}: the region "${r.name}" holds no code; expected the solution between its markers`,
      );
    }
    body.forEach((l, k) => {
      if (l.trim() !== "" && !l.startsWith(r.indent)) {
        throw new MarkerError(
          `${where}:${
            r.begin + 1 + k
          }: this line is indented less than its BEGIN SOLUTION (line ${r.begin}), so the region "${r.name}" is not whole statements of one block and cannot be stubbed`,
        );
      }
    });
    const start = depth.start[r.begin - 1];
    let lowest = start;
    for (let i = r.begin; i < r.end - 1; i++) {
      lowest = Math.min(lowest, depth.lowest[i]);
    }
    if (lowest < start || depth.start[r.end - 1] !== start) {
      throw new MarkerError(
        `${at}: the brackets of the region "${r.name}" do not balance (${
          depth.start[r.end - 1] - start
        } left open${
          lowest < start
            ? `, ${start - lowest} closed that it did not open`
            : ""
        }), so it is not whole statements and cannot be stubbed`,
      );
    }
    if (options.module && start === 0) {
      throw new MarkerError(
        `${at}: the region "${r.name}" is at the top level of the module, where its stub would throw as soon as the module is imported; put it inside a function or method`,
      );
    }
  }
  const outside = lines.filter((_, i) =>
    !regions.some((r) => i + 1 >= r.begin && i + 1 <= r.end)
  ).join("\n");
  if (options.module && !new RegExp(`\\b${STUB_ERROR}\\b`).test(outside)) {
    throw new MarkerError(
      `${where}: it has SOLUTION regions but neither defines nor imports ${STUB_ERROR}, which their stubs throw`,
    );
  }
}

/** A line holding code: not blank, not only a `//` comment. */
function isCode(line: string): boolean {
  const t = line.trim();
  return t !== "" && !t.startsWith("//");
}

/**
 * The bracket depth (`(`, `[`, `{` and template `${`) at the start of
 * each line of TypeScript `text`, and the lowest depth within each line,
 * skipping strings, template text, comments and regular expressions.
 *
 * @example
 * ```ts
 * import { bracketDepths } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * const { start, lowest } = bracketDepths('f({\n  a: "}",\n} ) {\n}');
 * assert.deepEqual(start, [0, 2, 2, 1]);
 * assert.deepEqual(lowest, [0, 2, 0, 0]);
 * ```
 */
export function bracketDepths(
  text: string,
): { start: number[]; lowest: number[] } {
  const start = [0], lowest = [0];
  const stack: string[] = [];
  type State = "code" | "line" | "block" | "'" | '"' | "`" | "regex";
  let state: State = "code";
  let inClass = false;
  // The last code token before a `/`: a value ends a division's left side.
  let last = "";
  const regexAfterWord =
    /^(return|typeof|case|do|else|in|of|new|delete|void|throw|instanceof|yield|await)$/;
  for (let i = 0; i < text.length; i++) {
    const c = text[i], next = text[i + 1];
    const line = start.length - 1;
    if (c === "\n") {
      if (state === "line") state = "code";
      start.push(stack.length);
      lowest.push(stack.length);
      continue;
    }
    switch (state) {
      case "line":
        continue;
      case "block":
        if (c === "*" && next === "/") {
          state = "code";
          i++;
        }
        continue;
      case "'":
      case '"':
        if (c === "\\") i++;
        else if (c === state) state = "code";
        continue;
      case "`":
        if (c === "\\") i++;
        else if (c === "`") state = "code";
        else if (c === "$" && next === "{") {
          stack.push("${");
          state = "code";
          i++;
        }
        continue;
      case "regex":
        if (c === "\\") i++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) {
          state = "code";
          last = "a";
        }
        continue;
    }
    if (c === "/" && next === "/") state = "line";
    else if (c === "/" && next === "*") {
      state = "block";
      i++;
    } else if (c === "'" || c === '"' || c === "`") {
      state = c;
      last = "a";
    } else if (c === "/") {
      const value = /[\w$)\]]$/.test(last) && !regexAfterWord.test(last);
      if (value) last = "/";
      else {
        state = "regex";
        inClass = false;
      }
    } else if (c === "(" || c === "[" || c === "{") {
      stack.push(c);
      last = c;
    } else if (c === ")" || c === "]" || c === "}") {
      const top = stack.pop();
      if (c === "}" && top === "${") state = "`";
      lowest[line] = Math.min(lowest[line], stack.length);
      last = c;
    } else if (/[\w$]/.test(c)) {
      last = /[\w$]/.test(text[i - 1] ?? "") && last !== "" ? last + c : c;
    } else if (!/\s/.test(c)) last = c;
  }
  return { start, lowest };
}

/**
 * The stub that replaces a code region in the student edition: the
 * workbook's `// YOUR CODE HERE` (unless the comments just above say it,
 * `hinted`) and a `throw` naming the step and the cell.
 *
 * @example
 * ```ts
 * import { stub } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(stub({ name: "f, the answer (In[1])", begin: 1, end: 3, indent: "  " }), [
 *   "  // YOUR CODE HERE",
 *   '  throw new NotImplementedError("f, the answer (In[1])");',
 * ]);
 * ```
 */
export function stub(region: Region, hinted = false): string[] {
  return [
    ...(hinted ? [] : [`${region.indent}${YOUR_CODE_HERE}`]),
    `${region.indent}throw new ${STUB_ERROR}(${JSON.stringify(region.name)});`,
  ];
}

/**
 * Whether the comment block right above line `begin` (1-based) already
 * says YOUR CODE HERE, as the workbook's hint blocks do.
 */
function hinted(lines: string[], begin: number): boolean {
  for (let i = begin - 2; i >= 0 && lines[i].trim().startsWith("//"); i--) {
    if (lines[i].includes("YOUR CODE HERE")) return true;
  }
  return false;
}

/**
 * TypeScript `text` as `edition`: markers dropped (solution) or regions
 * replaced by stubs (student).
 *
 * @throws {MarkerError} as {@linkcode codeRegions}.
 *
 * @example
 * ```ts
 * import { codeEdition } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * const text = [
 *   "class NotImplementedError extends Error {}",
 *   "export function f(): number {",
 *   "  // BEGIN SOLUTION f, the answer (In[1])",
 *   "  return 42;",
 *   "  // END SOLUTION",
 *   "}",
 * ].join("\n");
 * const options = { where: "f.ts", module: true };
 * assert.match(codeEdition(text, "solution", options), /\{\n  return 42;\n\}/);
 * assert.match(
 *   codeEdition(text, "student", options),
 *   /\{\n  \/\/ YOUR CODE HERE\n  throw new NotImplementedError\("f, the answer \(In\[1\]\)"\);\n\}/,
 * );
 * ```
 */
export function codeEdition(
  text: string,
  edition: Edition,
  options: CodeOptions,
): string {
  const regions = codeRegions(text, options);
  const lines = text.split("\n");
  const out: string[] = [];
  let k = 0;
  for (let i = 0; i < lines.length; i++) {
    const r = regions[k];
    if (r && i + 1 === r.begin) {
      if (edition === "solution") {
        out.push(...lines.slice(r.begin, r.end - 1));
      } else out.push(...stub(r, hinted(lines, r.begin)));
      i = r.end - 1;
      k++;
    } else out.push(lines[i]);
  }
  return out.join("\n");
}

/**
 * Markdown `text` as `edition`: answers kept without their markers
 * (solution) or replaced by {@linkcode YOUR_ANSWER_HERE} (student).
 *
 * @throws {MarkerError} for unbalanced or nested markers, or a marker
 *   that is not a line of its own.
 *
 * @example
 * ```ts
 * import { markdownEdition } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "Answer:\n<!-- BEGIN SOLUTION -->\nIt is 42.\n<!-- END SOLUTION -->";
 * assert.equal(markdownEdition(text, "solution", "a.md"), "Answer:\nIt is 42.");
 * assert.equal(markdownEdition(text, "student", "a.md"), "Answer:\n_YOUR ANSWER HERE_");
 * ```
 */
export function markdownEdition(
  text: string,
  edition: Edition,
  where: string,
): string {
  const out: string[] = [];
  let open = 0;
  text.split("\n").forEach((line, i) => {
    const at = `${where}:${i + 1}`;
    if (MARKDOWN_BEGIN.test(line)) {
      if (open) {
        throw new MarkerError(
          `${at}: BEGIN SOLUTION inside the region opened at line ${open}; expected its END SOLUTION first (regions do not nest)`,
        );
      }
      open = i + 1;
      if (edition === "student") out.push(YOUR_ANSWER_HERE);
    } else if (MARKDOWN_END.test(line)) {
      if (!open) {
        throw new MarkerError(
          `${at}: END SOLUTION without a BEGIN SOLUTION before it`,
        );
      }
      open = 0;
    } else if (MENTION.test(line)) {
      throw new MarkerError(
        `${at}: a marker in markdown must be a line of its own, "<!-- BEGIN SOLUTION -->" or "<!-- END SOLUTION -->"; found "${line.trim()}"`,
      );
    } else if (!open || edition === "solution") out.push(line);
  });
  if (open) {
    throw new MarkerError(
      `${where}:${open}: BEGIN SOLUTION has no END SOLUTION (expected one before the end)`,
    );
  }
  return out.join("\n");
}

/** A notebook cell, the fields read and written here. */
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

/**
 * A Jupyter notebook's JSON as `edition`: each code cell through
 * {@linkcode codeEdition} (its top level may hold a region), each markdown
 * cell through {@linkcode markdownEdition}, and every output and
 * execution count cleared. Returns the notebook's JSON.
 *
 * @throws {MarkerError} naming the cell (1-based, all cells counted).
 * @throws {Error} when `json` is not a notebook.
 *
 * @example
 * ```ts
 * import { notebookEdition } from "./solution_markers.ts";
 * import assert from "node:assert/strict";
 *
 * const notebook = JSON.stringify({
 *   cells: [{
 *     cell_type: "code",
 *     metadata: {},
 *     execution_count: 3,
 *     outputs: [{ output_type: "stream", name: "stdout", text: "42\n" }],
 *     source: [
 *       'import { NotImplementedError } from "./neural_net.ts";\n',
 *       "// BEGIN SOLUTION the search (In[63])\n",
 *       "console.log(42);\n",
 *       "// END SOLUTION",
 *     ],
 *   }],
 *   metadata: {},
 *   nbformat: 4,
 *   nbformat_minor: 5,
 * });
 * const cell = JSON.parse(notebookEdition(notebook, "student", "nb.ipynb")).cells[0];
 * assert.deepEqual(cell.outputs, []);
 * assert.equal(cell.execution_count, null);
 * assert.equal(cell.source.at(-1), 'throw new NotImplementedError("the search (In[63])");');
 * ```
 */
export function notebookEdition(
  json: string,
  edition: Edition,
  where: string,
): string {
  let notebook: { cells?: unknown };
  try {
    notebook = JSON.parse(json);
  } catch (error) {
    throw new Error(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(notebook?.cells)) {
    throw new Error(`${where} is not a notebook: it has no "cells" list`);
  }
  const cells = notebook.cells as Cell[];
  const sources = cells.map((cell) => sourceText(cell, where));
  // NotImplementedError may come from any cell (the imports' cell).
  const imported = sources.some((s, i) =>
    cells[i].cell_type === "code" && new RegExp(`\\b${STUB_ERROR}\\b`).test(s)
  );
  cells.forEach((cell, i) => {
    const at = `${where} cell ${i + 1}`;
    let text = sources[i];
    if (cell.cell_type === "code") {
      const options = { where: at, module: false };
      const regions = codeRegions(text, options);
      if (regions.length > 0 && !imported) {
        throw new MarkerError(
          `${at}: it has SOLUTION regions but no cell imports ${STUB_ERROR}, which their stubs throw`,
        );
      }
      text = regions.length > 0 ? codeEdition(text, edition, options) : text;
      cell.outputs = [];
      cell.execution_count = null;
    } else if (cell.cell_type === "markdown") {
      text = markdownEdition(text, edition, at);
    }
    cell.source = splitSource(text);
  });
  return JSON.stringify(notebook, null, 1) + "\n";
}

function sourceText(cell: Cell, where: string): string {
  const text = Array.isArray(cell?.source)
    ? cell.source.join("")
    : cell?.source;
  if (typeof text !== "string") {
    throw new Error(`${where}: a cell has no source text`);
  }
  return text;
}

/** Source text as nbformat stores it: lines, each with its newline. */
function splitSource(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}
