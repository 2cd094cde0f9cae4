/**
 * `@twolayer/net`: a two-layer neural network for CIFAR-10 that reproduces
 * the classic numpy homework workbook number for number.
 *
 * @module
 */

export * from "./src/core/matrix.ts";
export * from "./src/kernels/kernels.ts";
export * from "./src/core/random.ts";
export * from "./src/nn/losses.ts";
export * from "./src/nn/network.ts";
export * from "./src/nn/trainer.ts";
export * from "./src/nn/gradient_check.ts";
export * from "./src/plot/display.ts";
export * from "./src/plot/visualize.ts";
export * from "./src/plot/charts.ts";
export * from "./src/search/search.ts";
export * from "./src/cifar10/load.ts";
export * from "./src/plot/progress.ts";
export * from "./src/workbook/python_format.ts";
export * from "./src/workbook/workbook.ts";
export * from "./src/workbook/reference.ts";
