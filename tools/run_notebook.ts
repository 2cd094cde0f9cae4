/**
 * Runs a notebook without Jupyter: its code cells in order, as one module
 * (see notebook_module.ts), from the notebook's folder as Jupyter runs them.
 * The cells print the same lines as in the notebook; what they `show` is
 * written to an output folder instead: charts as SVG and PNG, pictures as
 * PNG, tables and reports (anything shown as Markdown) into `report.md`.
 * The folder is replaced only when the run finishes, so an interrupted run
 * leaves the previous result whole (see workbook_output.ts).
 *
 * `deno task workbook` (tools/workbook.ts) and `deno task beyond`
 * (tools/beyond.ts) are this runner with their notebook.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describeBackend } from "../mod.ts";
import {
  Figure,
  jupyterDisplay,
  type MimeBundle,
  Picture,
  setShowHandler,
} from "../src/plot/mod.ts";
import { searchSize } from "../src/workbook/mod.ts";
import { writeNotebookModule } from "./notebook_module.ts";
import {
  discardOutput,
  publishOutput,
  startOutput,
} from "./workbook_output.ts";

/** What {@linkcode runNotebook} runs and where it writes. */
export interface NotebookRun {
  /** The `.ipynb` file. */
  notebook: URL;
  /** The output folder (relative to the current folder, or absolute). */
  out: string;
  /** The report's heading. */
  title: string;
  /**
   * Called with everything the cells showed, before the output is
   * published; throwing discards the run's output.
   */
  check?: (shown: readonly unknown[]) => void;
}

/** What a finished run showed and wrote. */
export interface NotebookResult {
  /** Every item the cells showed, in order. */
  shown: unknown[];
  /** Files written to the output folder, report.md last. */
  files: string[];
  /** Minutes the run took. */
  minutes: number;
}

/** Runs a notebook's cells as a program; see the module notes. */
export async function runNotebook(run: NotebookRun): Promise<NotebookResult> {
  const out = resolve(run.out);
  const size = searchSize();
  const started = performance.now();
  const loadBefore = await loadAverage();
  const staging = await startOutput(out);
  const files: string[] = [];
  const notes: string[] = [];
  const sections: string[] = [];
  const shown: unknown[] = [];

  /** A file name not used yet in this run, from the name the cell gave. */
  const fileName = (name: string | undefined, extension: string) => {
    const base = (name ?? "figure").replace(/[^\w.-]+/g, "_");
    let candidate = `${base}.${extension}`;
    for (let k = 2; files.includes(candidate); k++) {
      candidate = `${base}_${k}.${extension}`;
    }
    return candidate;
  };

  const previousHandler = setShowHandler(async (item, name) => {
    shown.push(item);
    if (item instanceof Figure) {
      const svg = fileName(name, "svg");
      await item.save(`${staging}/${svg}`);
      files.push(svg);
      try {
        const png = svg.replace(/\.svg$/, ".png");
        await item.save(`${staging}/${png}`);
        files.push(png);
      } catch (error) {
        // The SVG is there; PNG needs a font file.
        const note = `PNGs of charts skipped: ${(error as Error).message}`;
        if (!notes.includes(note)) notes.push(note);
      }
    } else if (item instanceof Picture) {
      const png = fileName(name, "png");
      await item.save(`${staging}/${png}`);
      files.push(png);
    } else if (markdownOf(item) !== undefined) {
      const markdown = markdownOf(item)!;
      sections.push(markdown);
      console.log(markdown);
    } else {
      console.log(typeof item === "string" ? item : Deno.inspect(item));
    }
  });

  // Progress bars redraw one stderr line in a terminal; clear it before a
  // printed line so the two never share a line.
  const restoreConsole = clearProgressLineOnPrint();
  const module = await writeNotebookModule(run.notebook);
  const cwd = Deno.cwd();
  try {
    useStartingDataFolder(cwd);
    // Relative paths in cells mean what they mean in Jupyter, whose
    // kernel runs in the notebook's folder.
    Deno.chdir(dirname(fileURLToPath(run.notebook)));
    await import(pathToFileURL(module).href);
    run.check?.(shown);
  } catch (error) {
    await discardOutput(staging);
    throw error;
  } finally {
    Deno.chdir(cwd);
    setShowHandler(previousHandler);
    restoreConsole();
    await Deno.remove(dirname(module), { recursive: true });
  }

  const minutes = (performance.now() - started) / 60000;
  const loadAfter = await loadAverage();
  await Deno.writeTextFile(
    `${staging}/report.md`,
    [
      `# ${run.title}`,
      "",
      `Run of the notebook \`${
        fileURLToPath(run.notebook).split("/").slice(-2).join("/")
      }\` on ${new Date().toISOString()}: ${
        minutes.toFixed(1)
      } minutes in all, ` +
      `${size} size, ${navigator.hardwareConcurrency} cores, kernels ` +
      `${describeBackend()}` +
      (loadBefore && loadAfter
        ? `, load average ${loadBefore} before and ${loadAfter} after.`
        : "."),
      "",
      ...sections.flatMap((section) => [section, ""]),
      "## Files",
      "",
      ...files.map((file) => `- [${file}](${file})`),
      ...(notes.length
        ? ["", "## Notes", "", ...notes.map((n) => `- ${n}`)]
        : []),
      "",
    ].join("\n"),
  );
  files.push("report.md");
  await publishOutput(staging, out);
  console.log(
    `\nWrote ${files.length} files to ${run.out}/ (report.md) in ${
      minutes.toFixed(1)
    } minutes.`,
  );
  return { shown, files, minutes };
}

/** The Markdown an item shows as in Jupyter, if any. */
function markdownOf(item: unknown): string | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const display = (item as { [jupyterDisplay]?: () => MimeBundle })[
    jupyterDisplay
  ];
  return typeof display === "function"
    ? display.call(item)["text/markdown"]
    : undefined;
}

/**
 * The cells run from the notebook's folder; a CIFAR-10 `data/` folder of
 * the folder the task started in stays the data's source, as it would be
 * for a script run there (through `CIFAR10_DIR`, unless that is set).
 */
function useStartingDataFolder(cwd: string): void {
  if (Deno.env.get("CIFAR10_DIR")) return;
  for (const name of ["cifar-10-batches-bin", "cifar-10-batches-py"]) {
    try {
      if (Deno.statSync(`${cwd}/data/${name}`).isDirectory) {
        Deno.env.set("CIFAR10_DIR", `${cwd}/data/${name}`);
        return;
      }
    } catch {
      // No such folder: the notebook's default sources apply.
    }
  }
}

/** Makes console prints clear a terminal's progress line; returns an undo. */
function clearProgressLineOnPrint(): () => void {
  if (!Deno.stderr.isTerminal()) return () => {};
  const clear = new TextEncoder().encode("\r\x1b[2K");
  const methods = ["log", "info", "error", "warn"] as const;
  const saved = methods.map((method) => console[method]);
  for (const method of methods) {
    const print = console[method];
    console[method] = (...args: unknown[]) => {
      Deno.stderr.writeSync(clear);
      print(...args);
    };
  }
  return () => methods.forEach((method, i) => (console[method] = saved[i]));
}

/** The 1, 5 and 15 minute load averages (Linux), or undefined. */
async function loadAverage(): Promise<string | undefined> {
  try {
    const text = await Deno.readTextFile("/proc/loadavg");
    return text.split(" ").slice(0, 3).join(" / ");
  } catch {
    return undefined;
  }
}
