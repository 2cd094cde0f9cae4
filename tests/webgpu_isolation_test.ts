// Deno 2.9.6 on Mesa can abort as a `deno test` process exits once WebGPU
// ran in a test module other than its last (README, WebGPU). So the main
// run opens no device, and `deno task test:webgpu` runs each module that
// does in a process of its own. This keeps new tests to that rule.
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFiles } from "../tools/module_graph.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The modules that open a device: WebGPU's tests, and a doc example. */
const WEBGPU_MODULES = ["tests/webgpu_test.ts", "src/kernels/webgpu.ts"];

/** Code that opens a WebGPU device (or trains on one). */
const OPENS_DEVICE =
  /requestAdapter|chooseBackend\(|backend: "webgpu"|webgpuLossAndGradients|\bgpu\(\)/;

/** The code a test run executes: a test file whole, a module's examples. */
function testedCode(path: string, text: string): string {
  if (path.endsWith("_test.ts")) return text;
  return [...text.matchAll(/```ts\n([^]*?)```/g)].map(([, code]) => code)
    .join("\n");
}

Deno.test("only the modules of deno task test:webgpu open WebGPU, each in its own process", async () => {
  const opening: string[] = [];
  for (const dir of ["src", "tests", "tools", "bench", "site"]) {
    for await (const file of sourceFiles(join(ROOT, dir))) {
      const path = relative(ROOT, file).replaceAll("\\", "/");
      // This file names the patterns without running them.
      if (path === "tests/webgpu_isolation_test.ts") continue;
      const code = testedCode(path, await Deno.readTextFile(file));
      if (OPENS_DEVICE.test(code)) opening.push(path);
    }
  }
  assert.deepEqual(opening.sort(), [...WEBGPU_MODULES].sort());

  const { tasks } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "deno.json")),
  );
  assert.ok(
    tasks.test.includes(`--ignore=${WEBGPU_MODULES.join(",")} `),
    `deno task test's main run must ignore ${WEBGPU_MODULES.join(", ")}`,
  );
  const runs = (tasks["test:webgpu"] as string).split(" && ");
  assert.deepEqual(
    runs.map((run) => run.split(" ").filter((a) => !a.startsWith("-"))),
    WEBGPU_MODULES.map((m) => ["deno", "run", "tools/webgpu_tests.ts", m]),
  );
});
