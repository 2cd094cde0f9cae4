/**
 * What a path names on disk, without throwing for a missing one.
 *
 * @module
 */

/**
 * `"file"`, `"directory"` (symlinks followed), `"other"`, or `undefined`
 * when nothing is there.
 *
 * @example
 * ```ts
 * import { pathKind } from "./_path_kind.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal(await pathKind(dir), "directory");
 * assert.equal(await pathKind(`${dir}/missing`), undefined);
 * await Deno.remove(dir);
 * ```
 */
export async function pathKind(
  path: string,
): Promise<"file" | "directory" | "other" | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? "file" : info.isDirectory ? "directory" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
