/**
 * One measurement for bench/cifar10_load.ts, in a fresh process so that its
 * peak memory is its own: `deno run bench/cifar10_measure.ts SOURCE STEP`
 * with SOURCE `npm` or a batches folder and STEP `load` (loadCifar10) or
 * `data` (getCifar10Data). Prints `{"seconds": s}`; the caller measures
 * peak memory (Deno allows /proc/self only with --allow-all).
 *
 * @module
 */

import { getCifar10Data, loadCifar10 } from "../mod.ts";

const [source, step] = Deno.args;
const options = source === "npm" ? { source: "npm" as const } : { dir: source };
const start = performance.now();
if (step === "load") await loadCifar10(options);
else await getCifar10Data(options);
console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000 }));
