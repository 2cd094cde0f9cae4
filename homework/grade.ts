// `deno task grade [--step ID] [--results FILE]`: runs the grader's checks
// on neural_net.ts (each under its time limit, as `deno task test` does),
// prints each step with its points and the total, and writes the results
// in Gradescope's autograder format (results.json unless --results names
// another file). Exits 0 when every check run passed. With --submissions,
// grades a folder of students' submissions one after another instead. The
// points, time limits and steps are in grading.ts.
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type CheckResult,
  honestWork,
  runCheck,
  stopRunningChecks,
} from "./grader.ts";
import { NOT_GRADED_HERE, type Step, STEPS } from "./grading.ts";

const USAGE = `Usage: deno task grade [--step ID] [--results FILE]
       deno task grade --submissions DIR [--out DIR] [--step ID]

Runs the grader's checks on neural_net.ts and prints the points of each.
  --step ID          only the check ID: ${STEPS.map((s) => s.id).join(", ")}
  --results FILE     where to write the results (default results.json), in
                     Gradescope's format: {"score", "tests": [{"name",
                     "score", "max_score", "output"}]}
  --submissions DIR  grade each folder of DIR (one per student, holding its
                     neural_net.ts and the .ts files beside it) in a fresh
                     copy of this grader; write OUT/NAME/results.json for
                     each and OUT/grades.csv for all
  --out DIR          where --submissions writes (default graded)`;

/** This edition's folder, which holds the grader and its deno.json. */
const HERE = dirname(fileURLToPath(import.meta.url));

/** The grader's own files: a submission's copies of them are not used. */
const GRADER_FILES = [
  "checks.ts",
  "grade.ts",
  "grade_test.ts",
  "grader.ts",
  "grading.ts",
];

/** Largest file of a submission copied (neural_net.ts is about 20 KB). */
const MAX_SUBMISSION_FILE_BYTES = 1024 * 1024;

/** One test of Gradescope's results.json. */
interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
}

/** The results of `results` in Gradescope's format. */
export function gradescope(results: readonly CheckResult[]) {
  const tests: GradescopeTest[] = results.map((r) => ({
    name: `${r.step.label}: ${r.step.check}${r.step.bonus ? " (bonus)" : ""}`,
    score: r.passed ? r.step.points : 0,
    max_score: r.step.points,
    status: r.passed ? "passed" : "failed",
    output: r.message,
  }));
  return {
    score: tests.reduce((total, t) => total + t.score, 0),
    output: `Not graded here: ${NOT_GRADED_HERE}.`,
    tests,
  };
}

/** Writes `text` to `path` whole or not at all: a temporary file, renamed. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temp = await Deno.makeTempFile({
    dir: dirname(path),
    prefix: ".results-",
  });
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Points scored and available, over the main steps or the bonus ones. */
function total(results: readonly CheckResult[], bonus: boolean) {
  const chosen = results.filter((r) => r.step.bonus === bonus);
  return {
    score: chosen.reduce((t, r) => t + (r.passed ? r.step.points : 0), 0),
    max: chosen.reduce((t, r) => t + r.step.points, 0),
    count: chosen.length,
  };
}

/** "45/50, bonus 10/20" for `results`. */
function totals(results: readonly CheckResult[]): string {
  const main = total(results, false), bonus = total(results, true);
  return `${main.score}/${main.max}${
    bonus.count > 0 ? `, bonus ${bonus.score}/${bonus.max}` : ""
  }`;
}

/**
 * Runs `steps` on the neural_net.ts of `dir`, each in a process of its
 * own; `print` gets each step's line and its detail.
 */
async function gradeFolder(
  dir: string,
  steps: readonly Step[],
  print: (line: string) => void,
): Promise<CheckResult[]> {
  const refused = await honestWork(dir);
  const results: CheckResult[] = [];
  for (const step of steps) {
    const result = await runCheck(step, { refused, dir });
    results.push(result);
    const points = `${result.passed ? step.points : 0}/${step.points}`;
    print(
      `${result.passed ? "PASS" : "FAIL"} ${
        points.padStart(5)
      }  ${step.label}: ${step.check}${step.bonus ? " (bonus)" : ""} (${
        result.seconds.toFixed(1)
      } s)`,
    );
    const detail = result.passed ? result.output : result.message;
    if (detail) print(detail.replace(/^/gm, "      "));
  }
  return results;
}

/**
 * Until the returned function is called, SIGINT and SIGTERM kill the
 * running check (or its code would run on alone), call `cleanUp` and exit
 * with 128 + the signal's number.
 */
function onStop(cleanUp: () => void): () => void {
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = () => {
      stopRunningChecks();
      cleanUp();
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  };
}

/** A CSV field, quoted when it must be. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Copies the grader's files and the submission in `from` (its neural_net.ts
 * and the .ts files beside it, not its copies of the grader's) into the
 * empty folder `to`. Returns why the submission cannot be graded, if so.
 */
async function stage(from: string, to: string): Promise<string | undefined> {
  for (const name of GRADER_FILES) {
    await Deno.copyFile(join(HERE, name), join(to, name));
  }
  let found = false;
  for await (const entry of Deno.readDir(from)) {
    if (!entry.name.endsWith(".ts") || GRADER_FILES.includes(entry.name)) {
      continue;
    }
    const path = join(from, entry.name);
    // A link could point anywhere, a large file could be anything.
    const info = await Deno.lstat(path);
    if (!info.isFile) continue;
    if (info.size > MAX_SUBMISSION_FILE_BYTES) {
      return `${entry.name} is ${info.size} bytes, more than the ${MAX_SUBMISSION_FILE_BYTES} a source file may have`;
    }
    await Deno.copyFile(path, join(to, entry.name));
    if (entry.name === "neural_net.ts") found = true;
  }
  return found ? undefined : "no neural_net.ts in the submission's folder";
}

/**
 * Grades every folder of `root` in a fresh copy of the grader, one after
 * another; writes `out`/NAME/results.json as each ends and `out`/grades.csv
 * at the end. A submission that cannot be graded scores 0, with the reason.
 */
async function gradeSubmissions(
  root: string,
  out: string,
  steps: readonly Step[],
): Promise<number> {
  const inside = relative(resolve(root), resolve(out));
  if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside))) {
    console.error(
      `--out ${out} is inside --submissions ${root}: it would be graded as a submission next time; write the grades elsewhere`,
    );
    return 2;
  }
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(root)))
      .filter((e) => e.isDirectory && !e.name.startsWith("."))
      .map((e) => e.name).sort();
  } catch (error) {
    console.error(
      `cannot read the submissions in ${root}: ${(error as Error).message}`,
    );
    return 2;
  }
  if (names.length === 0) {
    console.error(
      `no submissions in ${root}: expected one folder per student, each holding its neural_net.ts`,
    );
    return 2;
  }
  await Deno.mkdir(out, { recursive: true });
  // Staged inside this folder, so that its deno.json resolves the imports.
  let staging: string | undefined;
  const stopped = onStop(() => {
    if (staging) Deno.removeSync(staging, { recursive: true });
  });
  const rows = [[
    "submission",
    "points",
    "max",
    "bonus",
    "bonus_max",
    ...steps.map((s) => s.id),
    "note",
  ]];
  try {
    for (const [i, name] of names.entries()) {
      const started = performance.now();
      staging = await Deno.makeTempDir({ dir: HERE, prefix: ".grading-" });
      let results: CheckResult[];
      let note = "";
      try {
        const problem = await stage(join(root, name), staging);
        if (problem) note = problem;
        results = problem
          ? await Promise.all(
            steps.map((step) =>
              runCheck(step, { refused: `not graded: ${problem}` })
            ),
          )
          : await gradeFolder(staging, steps, () => {});
        note ||= results.find((r) =>
          !r.passed && /: not graded: /.test(r.message)
        )
          ?.message.replace(/^[^:]*: not graded: /, "").split(". ")[0] ?? "";
      } finally {
        await Deno.remove(staging, { recursive: true });
        staging = undefined;
      }
      const folder = join(out, name);
      await Deno.mkdir(folder, { recursive: true });
      await writeWhole(
        join(folder, "results.json"),
        JSON.stringify(gradescope(results), null, 2) + "\n",
      );
      const main = total(results, false), bonus = total(results, true);
      rows.push([
        name,
        main.score,
        main.max,
        bonus.score,
        bonus.max,
        ...results.map((r) => r.passed ? r.step.points : 0),
        note,
      ].map(String));
      console.log(
        `[${i + 1}/${names.length}] ${name}: ${totals(results)} (${
          ((performance.now() - started) / 1000).toFixed(0)
        } s)${note ? `: ${note}` : ""}`,
      );
    }
  } finally {
    stopped();
  }
  const csv = join(out, "grades.csv");
  await writeWhole(
    csv,
    rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n",
  );
  console.log(
    `Grades of ${names.length} submissions written to ${csv}; each one's results.json beside it in ${out}/NAME/.`,
  );
  return 0;
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        step: { type: "string" },
        results: { type: "string" },
        submissions: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const steps = values.step === undefined
    ? STEPS
    : STEPS.filter((s) => s.id === values.step);
  if (steps.length === 0) {
    console.error(`unknown step ${JSON.stringify(values.step)}\n\n${USAGE}`);
    return 2;
  }
  if (values.submissions !== undefined) {
    if (values.results !== undefined) {
      console.error(
        `--results is for one neural_net.ts; --submissions writes OUT/NAME/results.json\n\n${USAGE}`,
      );
      return 2;
    }
    return await gradeSubmissions(
      values.submissions,
      values.out ?? "graded",
      steps,
    );
  }
  if (values.out !== undefined) {
    console.error(`--out goes with --submissions\n\n${USAGE}`);
    return 2;
  }
  const stopped = onStop(() => {});
  const results = await gradeFolder(HERE, steps, (line) => console.log(line))
    .finally(stopped);
  console.log(
    `Total: ${totals(results)}. Not graded here: ${NOT_GRADED_HERE}.`,
  );
  const file = values.results ?? "results.json";
  await writeWhole(file, JSON.stringify(gradescope(results), null, 2) + "\n");
  console.log(`Results written to ${file} (Gradescope's format).`);
  return results.every((r) => r.passed) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
