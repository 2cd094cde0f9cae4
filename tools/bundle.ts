/**
 * Bundles modules of this package into single JavaScript files, as a
 * user's bundler would for a web page or for Node: `deno bundle` for the
 * browser platform, every npm package inlined, nothing lowered (so the
 * files show what the package's own code needs of a runtime).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles `entry` (a path from the repository root, or an absolute one:
 * this package's deno.json resolves its imports) into the file `out`,
 * minified when `minify` is set.
 *
 * @throws {Error} with the bundler's output when it fails.
 */
export async function bundle(
  entry: string,
  out: string,
  { minify = false }: { minify?: boolean } = {},
): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--config",
      "deno.json",
      "--platform",
      "browser",
      ...(minify ? ["--minify"] : []),
      "--output",
      out,
      entry,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${entry} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
}
