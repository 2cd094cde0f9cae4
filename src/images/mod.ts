/**
 * Pictures of your own for a trained network: PNG and JPEG files decoded
 * ({@linkcode decodeImage}, refusing bad files from their header),
 * scaled to CIFAR-10's 32 x 32 ({@linkcode scaleToCifar}) and classified
 * ({@linkcode classifyImage}, {@linkcode classifyImageFile}); and training
 * images as augmentation shows them to a network ({@linkcode augmentRows}).
 *
 * @example
 * ```ts
 * import { readImageHeader } from "@twolayer/net/images";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => readImageHeader(new TextEncoder().encode("hello"), "notes.txt"),
 *   /notes\.txt: not a PNG or JPEG image \(it starts with bytes 68 65 6c 6c\)/,
 * );
 * ```
 *
 * @module
 */

export * from "./decode.ts";
export { type AugmentOptions, augmentRows } from "../nn/augment.ts";
export * from "./scale.ts";
export * from "./classify.ts";
