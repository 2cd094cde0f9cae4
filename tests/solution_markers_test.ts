// The solution markers (tools/solution_markers.ts): both editions of code,
// markdown and notebooks, the exact stubs, and every error with its message.
import assert from "node:assert/strict";
import {
  bracketDepths,
  codeEdition,
  codeRegions,
  markdownEdition,
  MarkerError,
  notebookEdition,
} from "../tools/solution_markers.ts";

const MODULE = { where: "nn.ts", module: true };
const CELL = { where: "nb.ipynb cell 3", module: false };

const SOURCE = [
  'import { NotImplementedError } from "./errors.ts";',
  "export function loss(x: number, y?: number): number {",
  "  let scores: number;",
  "  // BEGIN SOLUTION loss, the forward pass (In[109])",
  "  scores = 2 * x;",
  "  // END SOLUTION",
  "  if (y === undefined) return scores;",
  "  // Hints stay: they are outside the region.",
  "  // BEGIN SOLUTION loss, the data loss (In[110])",
  "  const d = { a: `${scores}}`, b: /}/.test(String(y)) };",
  "  return d.a.length + (scores - y) ** 2;",
  "  // END SOLUTION",
  "}",
].join("\n");

Deno.test("the solution edition drops only the marker lines", () => {
  const out = codeEdition(SOURCE, "solution", MODULE);
  assert.equal(
    out,
    SOURCE.split("\n").filter((l) => !/SOLUTION/.test(l)).join("\n"),
  );
});

Deno.test("the student edition replaces each region with YOUR CODE HERE and a throw", () => {
  assert.equal(
    codeEdition(SOURCE, "student", MODULE),
    [
      'import { NotImplementedError } from "./errors.ts";',
      "export function loss(x: number, y?: number): number {",
      "  let scores: number;",
      "  // YOUR CODE HERE",
      '  throw new NotImplementedError("loss, the forward pass (In[109])");',
      "  if (y === undefined) return scores;",
      "  // Hints stay: they are outside the region.",
      "  // YOUR CODE HERE",
      '  throw new NotImplementedError("loss, the data loss (In[110])");',
      "}",
    ].join("\n"),
  );
});

Deno.test("no second YOUR CODE HERE under a hint block that says it", () => {
  const cell = [
    "// YOUR CODE HERE:",
    "//   Train a network with the softmax loss.",
    "// BEGIN SOLUTION the bonus (In[104])",
    "train();",
    "// END SOLUTION",
  ].join("\n");
  assert.equal(
    codeEdition(cell, "student", CELL),
    [
      "// YOUR CODE HERE:",
      "//   Train a network with the softmax loss.",
      'throw new NotImplementedError("the bonus (In[104])");',
    ].join("\n"),
  );
});

Deno.test("a name is quoted as a string literal in the stub", () => {
  const text = [
    "class NotImplementedError extends Error {}",
    "function f() {",
    '  // BEGIN SOLUTION f, "quoted" \\ step (In[1])',
    "  return 1;",
    "  // END SOLUTION",
    "}",
  ].join("\n");
  assert.match(
    codeEdition(text, "student", MODULE),
    /throw new NotImplementedError\("f, \\"quoted\\" \\\\ step \(In\[1\]\)"\);/,
  );
});

/** `lines` around a region in a function, as a module. */
function inFunction(...lines: string[]): string {
  return [
    "class NotImplementedError extends Error {}",
    "function f(): number {",
    ...lines,
    "}",
  ].join("\n");
}

const errors: [string, string, string | RegExp][] = [
  [
    "END without BEGIN",
    inFunction("  return 1;", "  // END SOLUTION"),
    "nn.ts:4: END SOLUTION without a BEGIN SOLUTION before it",
  ],
  [
    "BEGIN without END",
    inFunction("  // BEGIN SOLUTION f (In[1])", "  return 1;"),
    "nn.ts:3: BEGIN SOLUTION has no END SOLUTION (expected one before the end of the file)",
  ],
  [
    "nested regions",
    inFunction(
      "  // BEGIN SOLUTION f (In[1])",
      "  // BEGIN SOLUTION g (In[2])",
      "  return 1;",
      "  // END SOLUTION",
    ),
    "nn.ts:4: BEGIN SOLUTION inside the region opened at line 3; expected its END SOLUTION first (regions do not nest)",
  ],
  [
    "no name",
    inFunction("  // BEGIN SOLUTION", "  return 1;", "  // END SOLUTION"),
    'nn.ts:3: BEGIN SOLUTION needs the part and the step with its workbook cell, as in "// BEGIN SOLUTION TwoLayerNet.loss, the forward pass, for Compute forward pass scores (In[109])"; found no name',
  ],
  [
    "a name without its cell",
    inFunction(
      "  // BEGIN SOLUTION the forward pass",
      "  return 1;",
      "  // END SOLUTION",
    ),
    /nn\.ts:3: BEGIN SOLUTION needs the part and the step with its workbook cell.*; found "the forward pass"$/,
  ],
  [
    "a marker after code",
    inFunction("  return 1; // END SOLUTION"),
    'nn.ts:3: a marker must be a line of its own, "// BEGIN SOLUTION <step> (<cell>)" or "// END SOLUTION"; found "return 1; // END SOLUTION"',
  ],
  [
    "a block comment marker",
    inFunction("  /* BEGIN SOLUTION f (In[1]) */", "  return 1;"),
    /nn\.ts:3: a marker must be a line of its own/,
  ],
  [
    "an empty region",
    inFunction(
      "  // BEGIN SOLUTION f (In[1])",
      "  // only a comment",
      "  // END SOLUTION",
      "  return 1;",
    ),
    'nn.ts:3: the region "f (In[1])" holds no code; expected the solution between its markers',
  ],
  [
    "END indented differently",
    inFunction(
      "  // BEGIN SOLUTION f (In[1])",
      "  return 1;",
      "// END SOLUTION",
    ),
    'nn.ts:5: END SOLUTION is indented not at all, its BEGIN SOLUTION (line 3) by "  "; a region holds whole statements of one block',
  ],
  [
    "a line indented less than BEGIN",
    inFunction(
      "  if (Math.random() > 0.5) {",
      "    // BEGIN SOLUTION f (In[1])",
      "    return 1;",
      "  } else {",
      "    return 2;",
      "    // END SOLUTION",
      "  }",
    ),
    'nn.ts:6: this line is indented less than its BEGIN SOLUTION (line 4), so the region "f (In[1])" is not whole statements of one block and cannot be stubbed',
  ],
  [
    "brackets that do not balance",
    inFunction(
      "  // BEGIN SOLUTION f (In[1])",
      "  const g = () => {",
      "    return 1;",
      "  // END SOLUTION",
      "  };",
      "  return g();",
    ),
    'nn.ts:3: the brackets of the region "f (In[1])" do not balance (1 left open), so it is not whole statements and cannot be stubbed',
  ],
  [
    "a region at a module's top level",
    [
      "class NotImplementedError extends Error {}",
      "// BEGIN SOLUTION the constant (In[1])",
      "export const answer = 42;",
      "// END SOLUTION",
    ].join("\n"),
    'nn.ts:2: the region "the constant (In[1])" is at the top level of the module, where its stub would throw as soon as the module is imported; put it inside a function or method',
  ],
  [
    "no NotImplementedError in the module",
    [
      "function f() {",
      "  // BEGIN SOLUTION f (In[1])",
      "  return 1;",
      "  // END SOLUTION",
      "}",
    ].join("\n"),
    "nn.ts: it has SOLUTION regions but neither defines nor imports NotImplementedError, which their stubs throw",
  ],
];

for (const [what, text, message] of errors) {
  Deno.test(`marker error: ${what}`, () => {
    for (const edition of ["student", "solution"] as const) {
      assert.throws(
        () => codeEdition(text, edition, MODULE),
        (error: Error) => {
          assert.ok(error instanceof MarkerError, `${error}`);
          if (typeof message === "string") assert.equal(error.message, message);
          else assert.match(error.message, message);
          return true;
        },
      );
    }
  });
}

Deno.test("a notebook cell's top level may hold a region", () => {
  const cell = [
    "let best = 0;",
    "// BEGIN SOLUTION the search (In[63])",
    "for (const x of [1, 2]) best = Math.max(best, x);",
    "// END SOLUTION",
    "console.log(best);",
  ].join("\n");
  assert.deepEqual(codeRegions(cell, CELL), [
    { name: "the search (In[63])", begin: 2, end: 4, indent: "" },
  ]);
  assert.throws(
    () => codeRegions(cell, MODULE),
    /at the top level of the module/,
  );
});

Deno.test("bracket depths skip strings, templates, comments and regular expressions", () => {
  const text = [
    "const a = { s: '{', t: \"(\" };", // 0 -> 0
    "const b = `${f({",
    "})} }`; // }}}",
    "/* { */ const r = /[/{]/g, q = x / 2 / (y);",
    "if (a) {",
    "  g(r);",
  ].join("\n");
  const { start, lowest } = bracketDepths(text);
  assert.deepEqual(start, [0, 0, 3, 0, 0, 1]);
  assert.deepEqual(lowest, [0, 0, 0, 0, 0, 1]);
});

Deno.test("markdown answers: kept, or YOUR ANSWER HERE; marker errors", () => {
  const text = [
    "### Answers:",
    "",
    "<!-- BEGIN SOLUTION -->",
    "(1) More iterations.",
    "",
    "(2) A larger learning rate.",
    "<!-- END SOLUTION -->",
  ].join("\n");
  assert.equal(
    markdownEdition(text, "solution", "a.md"),
    "### Answers:\n\n(1) More iterations.\n\n(2) A larger learning rate.",
  );
  assert.equal(
    markdownEdition(text, "student", "a.md"),
    "### Answers:\n\n_YOUR ANSWER HERE_",
  );
  assert.throws(
    () => markdownEdition("<!-- BEGIN SOLUTION -->\nx", "student", "a.md"),
    {
      name: "MarkerError",
      message:
        "a.md:1: BEGIN SOLUTION has no END SOLUTION (expected one before the end)",
    },
  );
  assert.throws(
    () => markdownEdition("x\n<!-- END SOLUTION -->", "student", "a.md"),
    /a\.md:2: END SOLUTION without a BEGIN SOLUTION before it/,
  );
  assert.throws(
    () => markdownEdition("// BEGIN SOLUTION x (In[1])", "student", "a.md"),
    /a\.md:1: a marker in markdown must be a line of its own, "<!-- BEGIN SOLUTION -->"/,
  );
});

/** A notebook of `cells`, each `[type, source]`, with an old output. */
function notebook(...cells: [string, string][]): string {
  return JSON.stringify({
    cells: cells.map(([type, source]) => ({
      cell_type: type,
      metadata: {},
      source: source.split(/(?<=\n)/),
      ...(type === "code"
        ? {
          execution_count: 7,
          outputs: [{ output_type: "stream", name: "stdout", text: ["x\n"] }],
        }
        : {}),
    })),
    metadata: { kernelspec: { name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

Deno.test("notebooks: code and markdown cells by edition, outputs cleared", () => {
  const nb = notebook(
    ["code", 'import { NotImplementedError } from "./neural_net.ts";'],
    ["markdown", "Answer:\n<!-- BEGIN SOLUTION -->\n42\n<!-- END SOLUTION -->"],
    [
      "code",
      "let best = 0;\n// BEGIN SOLUTION the search (In[63])\nbest = 42;\n// END SOLUTION\nconsole.log(best);",
    ],
  );
  const student = JSON.parse(notebookEdition(nb, "student", "nb.ipynb"));
  assert.deepEqual(student.cells[1].source, [
    "Answer:\n",
    "_YOUR ANSWER HERE_",
  ]);
  assert.deepEqual(student.cells[2].source, [
    "let best = 0;\n",
    "// YOUR CODE HERE\n",
    'throw new NotImplementedError("the search (In[63])");\n',
    "console.log(best);",
  ]);
  const solution = JSON.parse(notebookEdition(nb, "solution", "nb.ipynb"));
  assert.deepEqual(solution.cells[1].source, ["Answer:\n", "42"]);
  assert.deepEqual(solution.cells[2].source, [
    "let best = 0;\n",
    "best = 42;\n",
    "console.log(best);",
  ]);
  for (const edition of [student, solution]) {
    for (
      const cell of edition.cells.filter((c: { cell_type: string }) =>
        c.cell_type === "code"
      )
    ) {
      assert.deepEqual(cell.outputs, []);
      assert.equal(cell.execution_count, null);
    }
    assert.deepEqual(edition.metadata, { kernelspec: { name: "deno" } });
  }
});

Deno.test("notebook errors name the cell", () => {
  assert.throws(
    () =>
      notebookEdition(
        notebook(
          ["code", 'import { NotImplementedError } from "./neural_net.ts";'],
          ["code", "// BEGIN SOLUTION the search (In[63])\nx();"],
        ),
        "student",
        "nb.ipynb",
      ),
    {
      name: "MarkerError",
      message:
        "nb.ipynb cell 2:1: BEGIN SOLUTION has no END SOLUTION (expected one before the end of the cell)",
    },
  );
  assert.throws(
    () =>
      notebookEdition(
        notebook([
          "code",
          "// BEGIN SOLUTION s (In[63])\nx();\n// END SOLUTION",
        ]),
        "student",
        "nb.ipynb",
      ),
    /nb\.ipynb cell 1: it has SOLUTION regions but no cell imports NotImplementedError, which their stubs throw/,
  );
  assert.throws(
    () => notebookEdition("{", "student", "nb.ipynb"),
    /nb\.ipynb is not JSON/,
  );
  assert.throws(
    () => notebookEdition("{}", "student", "nb.ipynb"),
    /nb\.ipynb is not a notebook: it has no "cells" list/,
  );
});
