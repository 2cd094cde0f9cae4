/**
 * The output folder of a notebook run (`deno task workbook`, `deno task
 * beyond`), replaced whole: a run builds its files in a staging folder
 * beside the output folder and swaps it in at the end, so an interrupted
 * run leaves the previous complete result (never last run's report beside
 * newer charts). Subfolders belong to other runs (`out/beyond/` is the
 * second notebook's, `out/networks/` holds saved networks): a swap carries
 * them over from the previous result.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

const STAGING = ".partial-";
const PREVIOUS = ".previous-";

/**
 * Creates an empty staging folder beside `out` and returns its path.
 * Leftovers of interrupted runs are cleared first: staging folders are
 * removed, and a previous result that a swap had moved aside but not yet
 * removed goes back to `out` when `out` is missing.
 */
export async function startOutput(out: string): Promise<string> {
  const parent = dirname(out);
  const name = basename(out);
  await Deno.mkdir(parent, { recursive: true });
  for await (const entry of Deno.readDir(parent)) {
    const path = join(parent, entry.name);
    if (entry.name.startsWith(`${name}${STAGING}`)) {
      await Deno.remove(path, { recursive: true });
    } else if (entry.name.startsWith(`${name}${PREVIOUS}`)) {
      if (await exists(out)) {
        // The swap had happened: finish carrying the subfolders over.
        await carrySubfolders(path, out);
        await Deno.remove(path, { recursive: true });
      } else {
        await Deno.rename(path, out);
      }
    }
  }
  const staging = join(parent, `${name}${STAGING}${crypto.randomUUID()}`);
  await Deno.mkdir(staging);
  return staging;
}

/**
 * Replaces `out` with the finished `staging` folder, keeping the previous
 * result's subfolders that `staging` does not have.
 */
export async function publishOutput(
  staging: string,
  out: string,
): Promise<void> {
  const previous = join(
    dirname(out),
    `${basename(out)}${PREVIOUS}${crypto.randomUUID()}`,
  );
  const hadPrevious = await exists(out);
  if (hadPrevious) await Deno.rename(out, previous);
  await Deno.rename(staging, out);
  if (hadPrevious) {
    await carrySubfolders(previous, out);
    await Deno.remove(previous, { recursive: true });
  }
}

/**
 * Moves the subfolders of `from` that `to` lacks into `to`, leaving out
 * other runs' staging and swap folders.
 */
async function carrySubfolders(from: string, to: string): Promise<void> {
  for await (const entry of Deno.readDir(from)) {
    if (
      !entry.isDirectory || entry.name.includes(STAGING) ||
      entry.name.includes(PREVIOUS) || await exists(join(to, entry.name))
    ) continue;
    await Deno.rename(join(from, entry.name), join(to, entry.name));
  }
}

/** Removes a staging folder of a failed run, leaving `out` untouched. */
export async function discardOutput(staging: string): Promise<void> {
  await Deno.remove(staging, { recursive: true }).catch(() => {});
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
