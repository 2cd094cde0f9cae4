/**
 * The CIFAR-10 test fixtures (tools/make_cifar_fixtures.py): 4 images per
 * batch, pixels and labels from a formula, in both on-disk layouts.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { Cifar10Expected } from "../src/cifar10/mod.ts";

/** The fixtures folder (holds cifar-10-batches-py and -bin). */
export const FIXTURES = fileURLToPath(
  new URL("./fixtures/cifar10", import.meta.url),
);

/** The fixtures' sizes, checksums and archive md5s. */
export const EXPECTED: Cifar10Expected & {
  archiveMd5: Record<string, string>;
} = JSON.parse(await Deno.readTextFile(`${FIXTURES}/expected.json`));

/** Images per fixture batch. */
export const IMAGES = EXPECTED.imagesPerBatch;

/** Byte of `channel` (0 r, 1 g, 2 b) at `pixel` of fixture image `image`
 * (training images 0..19, then test images 20..23), as the generator
 * writes it. */
export function fixturePixel(
  image: number,
  channel: number,
  pixel: number,
): number {
  return (image * 37 + channel * 85 + pixel * 7) % 256;
}

/** Label of fixture image `image`, as the generator writes it. */
export function fixtureLabel(image: number): number {
  return (image * 3) % 10;
}

/** A temporary copy of one fixture batches folder, for corrupting. */
export async function copyFixtureFolder(
  folder: "cifar-10-batches-py" | "cifar-10-batches-bin",
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cifar10-test-" });
  await Deno.mkdir(`${dir}/${folder}`);
  for await (const entry of Deno.readDir(`${FIXTURES}/${folder}`)) {
    await Deno.copyFile(
      `${FIXTURES}/${folder}/${entry.name}`,
      `${dir}/${folder}/${entry.name}`,
    );
  }
  return dir;
}
