// The grader as tests: one test per check of grading.ts, in the workbook's
// order, each named "<step label>: <what it checks>". Run it with
// `deno task test`. Each check runs your neural_net.ts in a process of its
// own under the step's time limit; a failing check names the workbook step,
// the numbers it compared and the part of your code it exercises, and the
// other checks still run. `deno task grade` runs the same checks for points.
import { honestWork, runCheck } from "./grader.ts";
import { STEPS } from "./grading.ts";
// Type-checks your code with the grader's (the checks import it when run).
import type {} from "./checks.ts";

const refused = await honestWork();

for (const step of STEPS) {
  Deno.test(`${step.label}: ${step.check}`, async () => {
    const result = await runCheck(step, { refused });
    if (result.passed) {
      if (result.output) console.log(result.output);
      return;
    }
    if (result.output) console.log(result.output);
    const report = new Error(result.message);
    // Deno prints the message, then the stack after its first line: the
    // frames of your code, pointing at neural_net.ts.
    report.stack = [`Error: ${step.label}`, ...result.frames].join("\n");
    throw report;
  });
}
