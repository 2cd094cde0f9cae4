/**
 * Type-checks and lints the notebook's code: its code cells as the one
 * module `deno task workbook` runs (see notebook_module.ts). `deno fmt`
 * formats the notebook itself.
 *
 * Usage: `deno run --allow-read --allow-write --allow-run tools/check_notebook.ts`
 *
 * @module
 */

import { writeNotebookModule } from "./notebook_module.ts";

const NOTEBOOK = new URL("../notebooks/two_layer_net.ipynb", import.meta.url);
const config = new URL("../deno.json", import.meta.url).pathname;

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
