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
import {
  fillPlaceholders,
  MANIFEST,
  publishedImports,
  writeAssignment,
} from "../tools/assignment.ts";
import { MarkerError } from "../tools/solution_markers.ts";
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
      name === "assemblyscript/asc" ? undefined : target,
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

// The two editions of the real homework, written once for the tests below.
const STUDENT = join(TEMP, "student");
const SOLUTION = join(TEMP, "solution");
let written: Promise<unknown> | undefined;
const editions = () =>
  written ??= Promise.all([
    writeAssignment({ edition: "student", dir: STUDENT }),
    writeAssignment({ edition: "solution", dir: SOLUTION }),
  ]);

/** The grade tests, in the workbook's order. */
const GRADE_TESTS = [
  "In[109] forward pass: your scores match the correct scores",
  "In[110] forward pass loss: MSE plus regularization",
  "In[111] backward pass: every gradient's relative error is below 1e-8",
  "Training the network: the toy training's final loss is below 0.05",
  "In[114] Running SGD: the first CIFAR-10 run's validation accuracy is 15-18%",
  "In[114] predict: your predictions are each row's highest-scoring class",
  "Bonus: the softmax loss is 1.071696123862817",
  "Bonus: every softmax gradient's relative error is below 1e-8",
];

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
    "mseLoss, the MSE loss and its gradient (In[110])",
    "softmaxLoss, the bonus: softmax cross-entropy and its gradient (Bonus, In[104])",
    "TwoLayerNet.loss, the forward pass (In[109])",
    "TwoLayerNet.loss, the data loss and regularization loss (In[110])",
    "TwoLayerNet.train, the minibatch (Training the network, In[112])",
    "TwoLayerNet.train, the parameter update (Training the network, In[112])",
    "TwoLayerNet.predict (Training the network, In[112])",
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
      "the hyperparameter search (In[63])",
      "the bonus: results with the softmax loss (Bonus, In[104] and In[105])",
    ],
  );
  assert.equal(
    cells.filter((s: string) => s.includes("_YOUR ANSWER HERE_")).length,
    5,
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
  // Each part's own check names it.
  assert.match(
    reports[0],
    /In\[109\] forward pass: not implemented yet: TwoLayerNet\.loss, the forward pass \(In\[109\]\)/,
  );
  assert.match(
    reports[3],
    /not implemented yet: TwoLayerNet\.train, the minibatch \(Training the network, In\[112\]\)/,
  );
  assert.match(
    reports[5],
    /not implemented yet: TwoLayerNet\.predict \(Training the network, In\[112\]\)/,
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
      /NotImplementedError: not implemented yet: TwoLayerNet\.loss, the forward pass \(In\[109\]\)/,
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
