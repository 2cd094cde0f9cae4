/**
 * `@twolayer/net`: a two-layer neural network for CIFAR-10 that reproduces
 * the classic numpy homework workbook number for number.
 *
 * @module
 */

export * from "./src/matrix.ts";
export * from "./src/kernels.ts";
export * from "./src/random.ts";
export * from "./src/losses.ts";
export * from "./src/network.ts";
export * from "./src/trainer.ts";
export * from "./src/gradient_check.ts";
export * from "./src/display.ts";
export * from "./src/visualize.ts";
export * from "./src/charts.ts";
export * from "./src/search.ts";
export * from "./src/cifar10.ts";
export * from "./src/progress.ts";
export * from "./src/python_format.ts";
export * from "./src/workbook.ts";
export * from "./src/workbook_reference.ts";
export * from "./src/optimizers.ts";
export * from "./src/augment.ts";
export * from "./src/confusion.ts";
