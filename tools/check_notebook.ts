/**
 * Type-checks and lints the notebook's code: its code cells as the one
 * module `deno task workbook` runs (see notebook_module.ts). Checks that
 * the notebook is formatted as `deno fmt` writes it: `deno fmt --check`
 * itself reports a formatted notebook as unformatted until `deno fmt` has
 * seen that very file (Deno 2.9.6), so the check compares bytes instead.
 *
 * Usage: `deno run --allow-read --allow-write --allow-run tools/check_notebook.ts`
 *
 * @module
 */

import { writeNotebookModule } from "./notebook_module.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);
const config = new URL("../deno.json", import.meta.url).pathname;

const formatter = new Deno.Command(Deno.execPath(), {
  args: ["fmt", "--config", config, "--ext", "ipynb", "-"],
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const source = await Deno.readFile(NOTEBOOK);
const writer = formatter.stdin.getWriter();
await writer.write(source);
await writer.close();
const formatted = await formatter.output();
if (
  !formatted.success ||
  formatted.stdout.length !== source.length ||
  formatted.stdout.some((byte, i) => byte !== source[i])
) {
  console.error(
    `${NOTEBOOK.pathname} is not formatted: run deno fmt ${NOTEBOOK.pathname}`,
  );
  Deno.exitCode = 1;
}

const module = await writeNotebookModule(NOTEBOOK);
try {
  for (const command of ["check", "lint"]) {
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: [command, "--config", config, module],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!success) {
      console.error(
        `deno ${command} failed on the code cells of ${NOTEBOOK.pathname} (as one module, cell N after a "// cell N" line)`,
      );
      Deno.exitCode = 1;
    }
  }
} finally {
  await Deno.remove(module.slice(0, module.lastIndexOf("/")), {
    recursive: true,
  });
}
