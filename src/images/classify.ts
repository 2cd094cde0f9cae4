/**
 * A trained network's answer for a picture of your own: decoded, scaled
 * to 32 x 32 as CIFAR-10's images are, preprocessed as the training set
 * was (minus the mean training image) and ranked by probability.
 *
 * @module
 */

import { CIFAR10_CLASSES } from "../cifar10/batch.ts";
import { checkOptionNames } from "../core/options.ts";
import { Matrix } from "../core/matrix.ts";
import { readBounded } from "../core/read_bounded.ts";
import type { TwoLayerNet } from "../nn/network.ts";
import type { RasterImage } from "../plot/display.ts";
import { decodeImage, type DecodeImageOptions } from "./decode.ts";
import { type ScaleOptions, scaleToCifar } from "./scale.ts";

/** Options of {@linkcode classifyImage}. */
export interface ClassifyOptions extends DecodeImageOptions, ScaleOptions {
  /**
   * The mean training image to subtract (3072 values, pixel-major like the
   * rows of `getCifar10Data`); default the network's own `meanImage`,
   * which `TwoLayerNet.save` keeps.
   */
  meanImage?: ArrayLike<number>;
  /**
   * A name per class, in the network's order (default CIFAR-10's ten when
   * the network has ten classes).
   */
  classNames?: readonly string[];
}

/** One class and its probability, from {@linkcode classifyImage}. */
export interface ClassProbability {
  /** The class's name. */
  className: string;
  /** Its index among the network's classes. */
  classIndex: number;
  /** Softmax of the network's scores, in [0, 1]; all of them sum to 1. */
  probability: number;
}

/** What {@linkcode classifyImage} saw and answered. */
export interface Classification {
  /** Every class, most probable first. */
  ranked: ClassProbability[];
  /** The picture as the network saw it, before the mean was subtracted. */
  image: RasterImage;
}

const OPTIONS = ["name", "maxPixels", "fit", "size", "meanImage", "classNames"];

/** What a network needs to classify pictures, from {@linkcode checkClassifier}. */
export interface Classifier {
  /** The mean training image to subtract: 3072 finite values. */
  meanImage: ArrayLike<number>;
  /** A name per class, in the network's order. */
  classNames: readonly string[];
}

/**
 * Checks that `net` can classify pictures, as {@linkcode classifyImage}
 * does before each picture: it takes 32 x 32 x 3 = 3072 values, there is
 * a mean training image of 3072 finite values (`options.meanImage`, else
 * the network's own), and a name for each class (`options.classNames`,
 * else CIFAR-10's for a network of ten classes). Call it once when a
 * network is loaded to refuse it before any picture is read.
 *
 * @throws {RangeError} saying what is missing or wrong.
 *
 * @example
 * ```ts
 * import { checkClassifier } from "@twolayer/net/images";
 * import { TwoLayerNet } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const net = new TwoLayerNet(3072, 20, 5);
 * assert.throws(
 *   () => checkClassifier(net, { meanImage: new Float64Array(3072) }),
 *   /needs one class name per class \(5\), got none: pass classNames/,
 * );
 * const names = ["cat", "dog", "ship", "truck", "frog"];
 * net.meanImage = new Float64Array(3072).fill(120);
 * assert.equal(checkClassifier(net, { classNames: names }).classNames, names);
 * ```
 */
export function checkClassifier(
  net: TwoLayerNet,
  options: Pick<ClassifyOptions, "meanImage" | "classNames"> = {},
): Classifier {
  if (net.inputSize !== 3072) {
    throw new RangeError(
      `classifyImage needs a network that takes 32 x 32 x 3 = 3072 values, got one that takes ${net.inputSize}`,
    );
  }
  const meanImage = options.meanImage ?? net.meanImage;
  if (!meanImage || meanImage.length !== 3072) {
    throw new RangeError(
      meanImage
        ? `meanImage must have 3072 values, got ${meanImage.length}`
        : "classifyImage needs the mean training image: pass meanImage (getCifar10Data's) or use a network saved with one (set net.meanImage before net.save)",
    );
  }
  for (let i = 0; i < 3072; i++) {
    if (!Number.isFinite(meanImage[i])) {
      throw new RangeError(
        `meanImage must hold finite numbers (pixel values), got ${
          meanImage[i]
        } at index ${i}`,
      );
    }
  }
  const classNames = options.classNames ??
    (net.numClasses === 10 ? CIFAR10_CLASSES : undefined);
  if (!classNames || classNames.length !== net.numClasses) {
    throw new RangeError(
      `classifyImage needs one class name per class (${net.numClasses}), got ${
        classNames ? classNames.length : "none"
      }: pass classNames`,
    );
  }
  return { meanImage, classNames };
}

/**
 * Classifies a PNG or JPEG picture of any size with a network trained on
 * CIFAR-10 rows (3072 values per image): decodes it (see `decodeImage`),
 * scales it to 32 x 32 (see {@linkcode scaleToCifar}: a centred square by
 * default), subtracts the mean training image and ranks the classes by
 * the softmax of the network's scores. Whatever loss the network was
 * trained with, the softmax turns its scores into probabilities.
 *
 * @throws {RangeError} starting with the picture's `name`, for anything
 *   `decodeImage` refuses; and for everything {@linkcode checkClassifier}
 *   refuses: a network that does not take 3072 values, no mean image (or
 *   one that is not finite), class names that do not fit.
 *
 * @example
 * ```ts
 * import { classifyImage } from "@twolayer/net/images";
 * import { TwoLayerNet } from "@twolayer/net";
 * import { encode } from "fast-png";
 * import assert from "node:assert/strict";
 *
 * const net = new TwoLayerNet(3072, 20, 10, { loss: "softmax" });
 * net.meanImage = new Float64Array(3072).fill(128);
 * const png = encode({
 *   width: 64, height: 48, channels: 3, depth: 8,
 *   data: new Uint8Array(64 * 48 * 3).fill(200),
 * });
 * const { ranked, image } = classifyImage(net, png, { name: "grey.png" });
 * assert.equal(ranked.length, 10);
 * assert.ok(ranked[0].probability >= ranked[1].probability);
 * assert.ok(Math.abs(ranked.reduce((s, c) => s + c.probability, 0) - 1) < 1e-12);
 * assert.deepEqual([image.width, image.height, image.data[0]], [32, 32, 200]);
 * ```
 */
export function classifyImage(
  net: TwoLayerNet,
  bytes: Uint8Array,
  options: ClassifyOptions = {},
): Classification {
  checkOptionNames("classifyImage", options, OPTIONS);
  const { name = "image", maxPixels, fit, size } = options;
  const { meanImage, classNames } = checkClassifier(net, options);
  if (size !== undefined && size !== 32) {
    throw new RangeError(
      `classifyImage scales pictures to 32 x 32 (the network's input), got size ${size}`,
    );
  }
  const picture = decodeImage(bytes, {
    name,
    ...(maxPixels !== undefined && { maxPixels }),
  });
  const image = scaleToCifar(picture, { ...(fit !== undefined && { fit }) });
  const row = new Float64Array(3072);
  for (let i = 0; i < 3072; i++) row[i] = image.data[i] - meanImage[i];
  const scores = net.scores(new Matrix(1, 3072, row)).data;
  // Softmax, shifted by the largest score so no exponential overflows.
  const top = Math.max(...scores);
  const exps = Array.from(scores, (s) => Math.exp(s - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  const ranked = exps
    .map((e, k) => ({
      className: classNames[k],
      classIndex: k,
      probability: e / sum,
    }))
    .sort((a, b) => b.probability - a.probability);
  return { ranked, image };
}

/** Largest picture file {@linkcode classifyImageFile} reads: 256 MiB. */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * {@linkcode classifyImage} for a file: reads at most
 * {@linkcode MAX_IMAGE_FILE_BYTES} of it, and names it in every error.
 *
 * @throws {Error} starting with `path`, for a missing, unreadable or
 *   oversized file and everything {@linkcode classifyImage} refuses.
 */
export async function classifyImageFile(
  net: TwoLayerNet,
  path: string,
  options: Omit<ClassifyOptions, "name"> = {},
): Promise<Classification> {
  checkOptionNames("classifyImageFile", options, OPTIONS.slice(1));
  const bytes = await readBounded(
    path,
    MAX_IMAGE_FILE_BYTES,
    "a PNG or JPEG image",
  );
  return classifyImage(net, bytes, { ...options, name: path });
}
