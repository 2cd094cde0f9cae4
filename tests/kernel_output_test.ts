// Large outputs shown in a row all reach the notebook, each under its own
// cell. Deno's kernel sends output from a queue on another thread and ends
// a cell without waiting for it; `show` pauses longer for larger outputs
// so that none is still queued (dropped, or shown under the next cell)
// when the cell ends.
import assert from "node:assert/strict";
import { join, requireJupyterInCi, runNotebook } from "./jupyter.ts";

const missing = await requireJupyterInCi("the large-output notebook");

/** A cell that shows `count` displays of about 2 MB, named `name 0`, …. */
function showCell(name: string, count: number): string {
  return `for (let i = 0; i < ${count}; i++) {
  const svg = \`<svg xmlns="http://www.w3.org/2000/svg"><!--\${"x".repeat(2e6)}--></svg>\`;
  await show({ [jupyterDisplay]: () => ({ "text/plain": \`${name} \${i}\`, "image/svg+xml": svg }) });
}`;
}

Deno.test({
  name: "every large display shown in a row arrives under its own cell",
  ignore: missing !== undefined,
  sanitizeResources: false,
  async fn() {
    // Inside the checkout, so that the kernel finds deno.json's imports.
    await Deno.mkdir(new URL("../out", import.meta.url), { recursive: true });
    const dir = await Deno.makeTempDir({
      dir: new URL("../out", import.meta.url).pathname,
      prefix: "kernel_output_",
    });
    const plot = new URL("../src/plot/mod.ts", import.meta.url).href;
    const cells = [
      `import { jupyterDisplay, show } from "${plot}";`,
      showCell("first", 6),
      showCell("second", 6),
      `console.log("done");`,
    ];
    const notebook = {
      cells: cells.map((source) => ({
        cell_type: "code",
        execution_count: null,
        metadata: {},
        outputs: [],
        source,
      })),
      metadata: {
        kernelspec: {
          name: "deno",
          display_name: "Deno",
          language: "typescript",
        },
      },
      nbformat: 4,
      nbformat_minor: 5,
    };
    try {
      await Deno.writeTextFile(`${dir}/large.ipynb`, JSON.stringify(notebook));
      const { code, out, path } = await runNotebook(`${dir}/large.ipynb`, dir);
      assert.equal(code, 0, out.slice(-2000));
      const executed: { outputs: { data?: Record<string, string[]> }[] }[] =
        JSON.parse(await Deno.readTextFile(path)).cells;
      const names = executed.map(({ outputs }) =>
        outputs.map((o) => join(o.data?.["text/plain"]))
      );
      const expect = (name: string) =>
        [0, 1, 2, 3, 4, 5].map((i) => `${name} ${i}`);
      assert.deepEqual(names.slice(1, 3), [expect("first"), expect("second")]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
