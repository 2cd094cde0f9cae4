// `deno task grade [--step ID] [--results FILE]`: runs the grader's checks
// on neural_net.ts (each under its time limit, as `deno task test` does),
// prints each step with its points and the total, and writes the results
// in Gradescope's autograder format (results.json unless --results names
// another file). Exits 0 when every check run passed. The points, time
// limits and steps are in grading.ts.
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { type CheckResult, honestWork, runCheck } from "./grader.ts";
import { NOT_GRADED_HERE, STEPS } from "./grading.ts";

const USAGE = `Usage: deno task grade [--step ID] [--results FILE]

Runs the grader's checks on neural_net.ts and prints the points of each.
  --step ID        only the check ID: ${STEPS.map((s) => s.id).join(", ")}
  --results FILE   where to write the results (default results.json), in
                   Gradescope's format: {"score", "tests": [{"name", "score",
                   "max_score", "output"}]}`;

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

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        step: { type: "string" },
        results: { type: "string", default: "results.json" },
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
  const refused = await honestWork();
  const results: CheckResult[] = [];
  for (const step of steps) {
    const result = await runCheck(step, { refused });
    results.push(result);
    const points = `${result.passed ? step.points : 0}/${step.points}`;
    console.log(
      `${result.passed ? "PASS" : "FAIL"} ${
        points.padStart(5)
      }  ${step.label}: ${step.check}${step.bonus ? " (bonus)" : ""} (${
        result.seconds.toFixed(1)
      } s)`,
    );
    const detail = result.passed ? result.output : result.message;
    if (detail) console.log(detail.replace(/^/gm, "      "));
  }
  const total = (bonus: boolean) => {
    const chosen = results.filter((r) => r.step.bonus === bonus);
    const score = chosen.reduce(
      (t, r) => t + (r.passed ? r.step.points : 0),
      0,
    );
    const max = chosen.reduce((t, r) => t + r.step.points, 0);
    return { score, max, count: chosen.length };
  };
  const main = total(false), bonus = total(true);
  console.log(
    `Total: ${main.score}/${main.max}${
      bonus.count > 0 ? `, bonus ${bonus.score}/${bonus.max}` : ""
    }. Not graded here: ${NOT_GRADED_HERE}.`,
  );
  await writeWhole(
    values.results,
    JSON.stringify(gradescope(results), null, 2) + "\n",
  );
  console.log(`Results written to ${values.results} (Gradescope's format).`);
  return results.every((r) => r.passed) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
