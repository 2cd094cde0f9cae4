// Running notebooks headless for the notebook tests: whether Jupyter and
// the Deno kernel are here, nbconvert's execution and HTML export, and the
// shapes of an executed notebook's cells.
import assert from "node:assert/strict";

/** Why notebooks cannot run here, or undefined when they can. */
export async function missingJupyter(): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return "`jupyter kernelspec list` failed";
    const specs = JSON.parse(new TextDecoder().decode(stdout)).kernelspecs;
    if (!("deno" in specs)) {
      return "the Deno kernel is not registered (run `deno jupyter --install`)";
    }
    const nbconvert = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!nbconvert.success) {
      return "`jupyter nbconvert` is missing (apt-get install jupyter-nbconvert)";
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "`jupyter` is not installed (apt-get install jupyter-nbconvert jupyter-client python3-ipykernel)";
    }
    throw error;
  }
}

/**
 * Registers a failing test when CI lacks Jupyter, warns elsewhere; returns
 * why notebooks cannot run, or undefined.
 */
export async function requireJupyterInCi(
  what: string,
): Promise<string | undefined> {
  const missing = await missingJupyter();
  if (missing && Deno.env.get("CI")) {
    Deno.test(`${what} runs headless in CI`, () => {
      assert.fail(
        `CI must execute ${what}, but ${missing}; .ci/run should install Jupyter and register the Deno kernel`,
      );
    });
  } else if (missing) {
    console.warn(`${what} test ignored: ${missing}`);
  }
  return missing;
}

/** An output of an executed cell. */
export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

/** A cell of an executed notebook. */
export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

/** A multi-line notebook string as one string. */
export const join = (text: string | string[] | undefined): string =>
  Array.isArray(text) ? text.join("") : text ?? "";

/** Text without terminal colour codes. */
export const stripAnsi = (text: string): string =>
  // deno-lint-ignore no-control-regex
  text.replace(/\x1b\[[0-9;]*m/g, "");

/** Asserts that base64 text holds a PNG. */
export function assertPng(base64: string): void {
  const bytes = Uint8Array.fromBase64(base64.trim());
  assert.deepEqual([...bytes.subarray(1, 4)], [80, 78, 71], "PNG signature");
}

/**
 * Runs `notebook` with nbconvert (a quick size: TWOLAYER_SEARCH=quick
 * unless set) from folder `cwd` (default this process's), writing
 * `executed.ipynb` into `dir`: its exit code and output, whether or not a
 * cell failed.
 */
export async function runNotebook(
  notebook: string,
  dir: string,
  cwd?: string,
): Promise<{ code: number; out: string; path: string }> {
  const run = await new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=1800",
      "--output-dir",
      dir,
      "--output",
      "executed.ipynb",
      notebook,
    ],
    cwd,
    env: {
      TWOLAYER_SEARCH: Deno.env.get("TWOLAYER_SEARCH") ?? "quick",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: run.code,
    out: stripAnsi(text.decode(run.stdout) + text.decode(run.stderr)),
    path: `${dir}/executed.ipynb`,
  };
}

/**
 * Executes `notebook` (see {@linkcode runNotebook}), which must succeed,
 * and returns the executed notebook's path and cells.
 */
export async function executeNotebook(
  notebook: URL,
  dir: string,
): Promise<{ path: string; cells: Cell[] }> {
  const { code, out, path } = await runNotebook(notebook.pathname, dir);
  assert.equal(
    code,
    0,
    `nbconvert failed (exit ${code}); its last output:\n${out.slice(-3000)}`,
  );
  return { path, cells: JSON.parse(await Deno.readTextFile(path)).cells };
}

/** The HTML `jupyter nbconvert --to html` makes of an executed notebook. */
export async function htmlExport(executed: string): Promise<string> {
  const run = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--to", "html", "--stdout", executed],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(run.success, new TextDecoder().decode(run.stderr).slice(-2000));
  return new TextDecoder().decode(run.stdout);
}
