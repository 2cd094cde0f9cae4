/**
 * Type-checks and lints every notebook's code in notebooks/: each one's
 * code cells as the one module its task runs (see notebook_module.ts).
 * Checks that each notebook is formatted as `deno fmt` writes it: `deno fmt
 * --check` itself reports a formatted notebook as unformatted until `deno
 * fmt` has seen that very file (Deno 2.9.6), so the check compares bytes
 * instead.
 *
 * Usage: `deno run --allow-read --allow-write --allow-run tools/check_notebook.ts`
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { writeNotebookModule } from "./notebook_module.ts";

// File paths, not URL.pathname, which keeps a space as %20.
const FOLDER = new URL("../notebooks/", import.meta.url);
const config = fileURLToPath(new URL("../deno.json", import.meta.url));

const notebooks = (await Array.fromAsync(Deno.readDir(FOLDER)))
  .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
  .map((entry) => new URL(entry.name, FOLDER))
  .sort((a, b) => a.pathname.localeCompare(b.pathname));
if (notebooks.length === 0) {
  console.error(`no notebooks in ${fileURLToPath(FOLDER)}`);
  Deno.exitCode = 1;
}

for (const notebook of notebooks) {
  const path = fileURLToPath(notebook);
  const formatter = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", config, "--ext", "ipynb", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const source = await Deno.readFile(notebook);
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
      `${path} is not formatted: run deno fmt ${path}`,
    );
    Deno.exitCode = 1;
  }

  const module = await writeNotebookModule(notebook);
  try {
    for (const command of ["check", "lint"]) {
      const { success } = await new Deno.Command(Deno.execPath(), {
        args: [command, "--config", config, module],
        stdout: "inherit",
        stderr: "inherit",
      }).output();
      if (!success) {
        console.error(
          `deno ${command} failed on the code cells of ${path} (as one module, cell N after a "// cell N" line)`,
        );
        Deno.exitCode = 1;
      }
    }
  } finally {
    await Deno.remove(module.slice(0, module.lastIndexOf("/")), {
      recursive: true,
    });
  }
}
