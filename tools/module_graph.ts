/**
 * Checks the package's module graph, from `deno info --json`: fails on any
 * runtime import cycle among our modules (static or dynamic imports;
 * `import type` is erased, so it cannot form one), on any import, type
 * imports included, that points up the house of {@linkcode FLOORS}, and on
 * a main entry
 * whose static graph, our modules plus every npm package reachable through
 * static imports, exceeds {@linkcode MAIN_LIMIT}, or that exports more than
 * {@linkcode MAIN_SYMBOLS} symbols. Prints each entry's size and symbols,
 * and the house: each floor's folders and the imports they make of the
 * floors below.
 *
 * Run with `deno task check` (or `deno run --allow-read --allow-run
 * tools/module_graph.ts`).
 *
 * @module
 */

import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The most bytes the main entry's static graph may hold. */
export const MAIN_LIMIT = 5 * 1024 * 1024;

/** The most public symbols the main entry may export. */
export const MAIN_SYMBOLS = 70;

/**
 * The folders of `src/` as floors of a house, top floor first. A module
 * imports modules of its own folder and of folders on lower floors only:
 * an import of another folder on its own floor or above is an arrow back
 * up. A new folder needs its floor here.
 */
export const FLOORS: readonly (readonly string[])[] = [
  ["images", "workbook"],
  ["cifar10"],
  ["plot"],
  ["ops", "search"],
  ["nn"],
  ["kernels"],
  ["core"],
];

/** How many distinct symbols `deno doc` lists for `entry`. */
async function symbolCount(entry: string): Promise<number> {
  const doc = await denoJson(["doc", "--json", entry]) as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  const names = Object.values(doc.nodes).flatMap((n) =>
    n.symbols.map((s) => s.name)
  );
  return new Set(names).size;
}

/** One module of `deno info --json`, the fields used here. */
interface InfoModule {
  kind: string;
  specifier: string;
  size?: number;
  npmPackage?: string;
  dependencies?: {
    code?: { specifier: string };
    type?: { specifier: string };
    isDynamic?: boolean;
  }[];
}

/** What `deno info --json` prints, the fields used here. */
interface Info {
  modules: InfoModule[];
  redirects: Record<string, string>;
  npmPackages: Record<
    string,
    { dependencies: string[]; localPath?: string }
  >;
}

/** An import between two modules. */
export interface Edge {
  /** The importing module. */
  from: string;
  /** The imported module. */
  to: string;
  /** Whether the import survives compilation (not `import type`). */
  runtime: boolean;
  /** Whether it is a dynamic `import()`. */
  dynamic: boolean;
}

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** What `deno ARGS` prints, parsed as JSON; throws with its error output. */
async function denoJson(args: string[]): Promise<unknown> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}

function denoInfo(file: string): Promise<Info> {
  return denoJson(["info", "--json", file]) as Promise<Info>;
}

/** Every import of every module in `info`, redirects resolved. */
export function edgesOf(info: Info): Edge[] {
  const target = (s: string) => info.redirects[s] ?? s;
  return info.modules.flatMap((m) =>
    (m.dependencies ?? []).flatMap((d) => {
      const to = d.code?.specifier ?? d.type?.specifier;
      return to === undefined ? [] : [{
        from: m.specifier,
        to: target(to),
        runtime: d.code !== undefined,
        dynamic: d.isDynamic === true,
      }];
    })
  );
}

/**
 * The import cycles among `nodes` (strongly connected components of more
 * than one module, or a module importing itself), each as a list of
 * modules.
 *
 * @example
 * ```ts
 * import { cycles } from "./module_graph.ts";
 * import assert from "node:assert/strict";
 *
 * const edges = [["a", "b"], ["b", "a"], ["b", "c"]]
 *   .map(([from, to]) => ({ from, to, runtime: true, dynamic: false }));
 * assert.deepEqual(cycles(edges), [["a", "b"]]);
 * ```
 */
export function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.has(to)) next.set(to, []);
    next.get(from)!.push(to);
  }
  // Tarjan's strongly connected components.
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)!.includes(v)) {
        found.push(component.sort());
      }
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/**
 * The imports among `edges` that point back up {@linkcode FLOORS}: from a
 * folder to another folder on the same floor or above. `folderOf` names a
 * module's folder under `src/` (`undefined` for a module outside it, which
 * is never checked).
 *
 * @throws {Error} for a folder that is on no floor.
 *
 * @example
 * ```ts
 * import { arrowsBackUp } from "./module_graph.ts";
 * import assert from "node:assert/strict";
 *
 * const edges = [["nn/a.ts", "core/b.ts"], ["kernels/c.ts", "nn/a.ts"]]
 *   .map(([from, to]) => ({ from, to, runtime: false, dynamic: false }));
 * const folderOf = (s: string) => s.split("/")[0];
 * assert.deepEqual(arrowsBackUp(edges, folderOf), [edges[1]]);
 * ```
 */
export function arrowsBackUp(
  edges: Edge[],
  folderOf: (specifier: string) => string | undefined,
): Edge[] {
  return edges.filter((e) => {
    const from = folderOf(e.from), to = folderOf(e.to);
    if (from === undefined || to === undefined || from === to) return false;
    return floorOf(to) >= floorOf(from);
  });
}

/** How high `folder` lives: 0 for the ground floor. */
function floorOf(folder: string): number {
  const index = FLOORS.findIndex((floor) => floor.includes(folder));
  if (index < 0) {
    throw new Error(
      `src/${folder}/ is on no floor of FLOORS in tools/module_graph.ts: ` +
        `expected every folder of src/ there, above the folders it imports`,
    );
  }
  return FLOORS.length - 1 - index;
}

/**
 * The house as text, top floor first: each floor's folders, then the
 * folders below that they import and how many imports each (type imports
 * included).
 */
function picture(
  edges: Edge[],
  folderOf: (specifier: string) => string | undefined,
): string {
  const counts = new Map<string, Map<string, number>>();
  for (const e of edges) {
    const from = folderOf(e.from), to = folderOf(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    if (!counts.has(from)) counts.set(from, new Map());
    const row = counts.get(from)!;
    row.set(to, (row.get(to) ?? 0) + 1);
  }
  const width = Math.max(...FLOORS.map((f) => f.join("  ").length));
  return FLOORS.map((floor) => {
    const below = new Map<string, number>();
    for (const folder of floor) {
      for (const [to, n] of counts.get(folder) ?? []) {
        below.set(to, (below.get(to) ?? 0) + n);
      }
    }
    const targets = FLOORS.flat().filter((f) => below.has(f))
      .map((f) => `${f} ${below.get(f)}`);
    return `  ${floor.join("  ").padEnd(width)}  -> ${targets.join(", ")}`
      .replace(/\s*-> $/, "");
  }).join("\n");
}

async function directoryBytes(path: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(path)) {
    const child = join(path, entry.name);
    if (entry.isDirectory) total += await directoryBytes(child);
    else if (entry.isFile) total += (await Deno.stat(child)).size;
  }
  return total;
}

/** Sizes of an entry's static graph: our modules, and npm packages. */
async function staticSize(
  entry: string,
  info: Info,
): Promise<{ own: number; npm: number; packages: string[] }> {
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const edges = edgesOf(info).filter((e) => !e.dynamic);
  const reached = new Set([pathToFileURL(join(ROOT, entry)).href]);
  for (const from of reached) {
    for (const e of edges) if (e.from === from) reached.add(e.to);
  }
  let own = 0;
  const packages = new Set<string>();
  for (const specifier of reached) {
    const m = modules.get(specifier);
    if (m?.kind === "esm") own += m.size ?? 0;
    if (m?.npmPackage) packages.add(m.npmPackage);
  }
  for (const name of packages) {
    for (const dep of info.npmPackages[name]?.dependencies ?? []) {
      packages.add(dep);
    }
  }
  let npm = 0;
  for (const name of packages) {
    const path = info.npmPackages[name]?.localPath;
    if (path === undefined) {
      throw new Error(
        `npm package ${name} has no local copy: expected node_modules/ ` +
          `(deno.json's nodeModulesDir "auto"), found none`,
      );
    }
    npm += await directoryBytes(path);
  }
  return { own, npm, packages: [...packages].sort() };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

async function main(): Promise<number> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const entries: Record<string, string> = config.exports;
  const edges: Edge[] = [];
  const seen = new Set<string>();
  let failed = false;
  for (const [name, entry] of Object.entries(entries)) {
    const info = await denoInfo(entry);
    const { own, npm, packages } = await staticSize(entry, info);
    const symbols = await symbolCount(entry);
    const over = name === "." && own + npm > MAIN_LIMIT;
    const crowded = name === "." && symbols > MAIN_SYMBOLS;
    failed ||= over || crowded;
    console.log(
      `${name.padEnd(10)} ${mb(own + npm).padStart(10)} (ours ${mb(own)}, ` +
        `npm ${mb(npm)}: ${packages.length} packages), ${symbols} symbols` +
        (over ? `, size over the limit of ${mb(MAIN_LIMIT)}` : "") +
        (crowded ? `, symbols over the limit of ${MAIN_SYMBOLS}` : ""),
    );
    for (const m of info.modules) seen.add(m.specifier);
    edges.push(...edgesOf(info));
  }
  // Modules no entry imports statically (the search Worker, started by URL).
  for await (const file of sourceFiles(join(ROOT, "src"))) {
    if (seen.has(pathToFileURL(file).href)) continue;
    const info = await denoInfo(file);
    for (const m of info.modules) seen.add(m.specifier);
    edges.push(...edgesOf(info));
  }
  const ours = (s: string) => s.startsWith(pathToFileURL(ROOT).href + "/");
  const unique = new Map(
    edges.map((e) => [`${e.from} ${e.to} ${e.runtime} ${e.dynamic}`, e]),
  );
  const local = [...unique.values()].filter((e) => ours(e.from) && ours(e.to));
  const name = (s: string) => relative(ROOT, fileURLToPath(s));
  const runtime = cycles(local.filter((e) => e.runtime));
  const typeOnly = cycles(local).filter((c) =>
    !runtime.some((r) => c.every((m) => r.includes(m)))
  );
  const count = new Set(local.flatMap((e) => [e.from, e.to])).size;
  const src = pathToFileURL(join(ROOT, "src")).href + "/";
  const folderOf = (s: string) =>
    s.startsWith(src) && s.slice(src.length).includes("/")
      ? s.slice(src.length).split("/")[0]
      : undefined;
  // Each import once, whatever kinds of import make it.
  const pairs = [
    ...new Map(local.map((e) => [`${e.from} ${e.to}`, e])).values(),
  ];
  const up = arrowsBackUp(pairs, folderOf);
  console.log(`the house, top floor first:\n${picture(pairs, folderOf)}`);
  for (const e of up) {
    console.log(`arrow back up: ${name(e.from)} -> ${name(e.to)}`);
  }
  for (const c of runtime) {
    console.log(`runtime import cycle: ${c.map(name).join(" <-> ")}`);
  }
  for (const c of typeOnly) {
    console.log(`type-only import cycle: ${c.map(name).join(" <-> ")}`);
  }
  console.log(
    `${count} modules, ${local.filter((e) => e.runtime).length} runtime ` +
      `imports: ${runtime.length} runtime cycles, ${typeOnly.length} ` +
      `type-only cycles, ${up.length} arrows back up`,
  );
  return failed || runtime.length > 0 || up.length > 0 ? 1 : 0;
}

/**
 * The `.ts` files under `dir`, at any depth.
 *
 * @example
 * ```ts
 * import { sourceFiles } from "./module_graph.ts";
 * import assert from "node:assert/strict";
 *
 * const files = await Array.fromAsync(sourceFiles("src/core"));
 * assert.ok(files.some((f) => f.endsWith("matrix.ts")));
 * ```
 */
export async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) Deno.exit(await main());
