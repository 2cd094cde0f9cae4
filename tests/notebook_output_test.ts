import assert from "node:assert/strict";
import {
  Figure,
  keepCellOutput,
  setShowHandler,
  show,
} from "../src/plot/mod.ts";

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>';

Deno.test("show hands items and names to the handler, then to the console again", async () => {
  const shown: [unknown, string | undefined][] = [];
  const figure = new Figure(SVG);
  const previous = setShowHandler(async (item, name) => {
    await Promise.resolve();
    shown.push([item, name]);
  });
  assert.equal(previous, undefined);
  try {
    await show(figure, "toy_loss");
    await show(42);
  } finally {
    setShowHandler(previous);
  }
  assert.deepEqual(shown, [[figure, "toy_loss"], [42, undefined]]);

  // Without a handler, outside Jupyter: the text form is printed.
  const printed: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args);
  try {
    await show(figure);
    await show({ a: 1 });
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, [["Figure (SVG)"], ["{ a: 1 }"]]);
});

Deno.test("keepCellOutput leaves the console alone outside Jupyter", () => {
  const log = console.log;
  keepCellOutput();
  assert.equal(console.log, log);
});
