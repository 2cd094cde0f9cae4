/**
 * A two-layer fully connected network for CIFAR-10: the workbook's
 * `neural_net.py`, in TypeScript. The input has dimension D, the hidden
 * layer H units and the output C classes:
 *
 *     input - fully connected layer - ReLU - fully connected layer - scores
 *
 * trained with an MSE loss (or, for the bonus, softmax cross-entropy) and
 * L2 regularization on the weight matrices. The parameters are stored as
 * the workbook stores them: `W1` is H x D, `b1` has H values, `W2` is
 * C x H, `b2` has C values.
 *
 * Write the parts marked YOUR CODE HERE, in the notebook's order; the
 * notebook (two_layer_net.ipynb) and the grader (`deno task test`) check
 * each one. The backward pass is given. Use the operations below: the
 * grader refuses a file that imports anything else from the library (its
 * network, losses or trainer would do your part).
 *
 * Matrix operations, from "@twolayer/net/ops": each numpy line is one line
 * here, and none needs a loop of yours over the data. Cost for a minibatch
 * of N = 200 rows, D = 3072, H = 50, C = 10:
 *
 *     numpy                   TypeScript                        cost
 *     X @ W1.T + b1           add(matmulT(X, W1), b1)           2NDH = 61 Mflop on BLAS / WebAssembly
 *     np.maximum(0, h)        maximum(0, h)                     N x H values, one pass
 *     a.T @ b, a @ b          tMatmul(a, b), matmul(a, b)       2 x (product of the three sizes) flop
 *     a + b, a - b, a * b, a / b   add, sub, mul, div            one pass, numpy's broadcasting
 *     np.sum(a), a.sum(axis=0)     sum(a), sum(a, 0)            one pass
 *     a.max(axis=1, keepdims=True) max(a, 1, { keepdims: true }) one pass
 *     np.exp(a), np.log(a)    exp(a), log(a)                    one pass
 *     np.sum(W1 * W1)         sumSquares(W1)                    one pass, no temporary (D x H values)
 *     np.argmax(s, axis=1)    argmax(s, 1)                      N x C values
 *     np.eye(C)[y]            oneHot(y, C)                      N x C values
 *     P[np.arange(N), y]      pick(P, y)                        N values
 *     np.random.choice(n, k)  random.choice(n, k)               k draws from numpy's stream
 *     X[idx], y[idx]          takeRows(X, idx), take(y, idx)    copies k x D values (4.9 MB)
 *     W -= lr * dW            addScaled(W, -lr, dW)             in place, one pass
 *     (p == y).mean()         accuracy(p, y)                    N values
 *
 * A `Matrix` is 2-D and row-major (`X.rows`, `X.cols`, `X.get(i, j)`), a
 * `Float64Array` 1-D; a 1-D array broadcasts as a row, as in numpy.
 *
 * @module
 */

// Your parts assign variables declared before them, as the workbook's
// `scores = None`: `let` is right there even when assigned once (and this
// exemption is unused until they are written).
// deno-lint-ignore-file prefer-const ban-unused-ignore

import { accuracy, type Labels, type Matrix, random } from "@twolayer/net";
import {
  add,
  addScaled,
  argmax,
  div,
  exp,
  log,
  matmul,
  matmulT,
  max,
  maximum,
  mean,
  mul,
  oneHot,
  pick,
  randn,
  reluGrad,
  sub,
  sum,
  sumSquares,
  take,
  takeRows,
  tMatmul,
} from "@twolayer/net/ops";

/**
 * What a part still to write throws: the message names the part and the
 * notebook's step, e.g. "not implemented yet: TwoLayerNet.loss, the forward
 * pass, for Compute forward pass scores (In[109])".
 */
export class NotImplementedError extends Error {
  /** `what`: the step and its workbook cell. */
  constructor(what: string) {
    super(`not implemented yet: ${what}`);
    this.name = "NotImplementedError";
  }
}

/** The weights and biases, named as in the workbook. */
export interface Params {
  /** First layer weights, H x D. */
  W1: Matrix;
  /** First layer biases, H values. */
  b1: Float64Array;
  /** Second layer weights, C x H. */
  W2: Matrix;
  /** Second layer biases, C values. */
  b2: Float64Array;
}

/** A data loss and its gradient with respect to the scores. */
export interface LossResult {
  /** Mean data loss over the N rows (no regularization). */
  loss: number;
  /** Gradient of `loss` with respect to the scores, N x C. */
  dscores: Matrix;
}

/** A data loss: scores (N x C) and N labels in, loss and gradient out. */
export type LossFunction = (scores: Matrix, y: Labels) => LossResult;

/** The loss with regularization, and the gradient of every parameter. */
export interface LossAndGrads {
  /** Data loss plus regularization loss. */
  loss: number;
  /** Gradients, shaped like `params`. */
  grads: Params;
}

/** Settings of {@linkcode TwoLayerNet.train}; the defaults are the workbook's. */
export interface TrainOptions {
  /** Step size (default 1e-3). */
  learningRate?: number;
  /** Factor applied to the learning rate after each epoch (default 0.95). */
  learningRateDecay?: number;
  /** Regularization strength (default 5e-6). */
  reg?: number;
  /** Number of steps (default 100). */
  numIters?: number;
  /** Rows per minibatch (default 200). */
  batchSize?: number;
  /** Print the loss every 100 iterations (default false). */
  verbose?: boolean;
}

/** What {@linkcode TwoLayerNet.train} returns: the workbook's `stats`. */
export interface TrainStats {
  /** The loss of every iteration. */
  lossHistory: number[];
  /** Accuracy on the minibatch at each epoch. */
  trainAccHistory: number[];
  /** Accuracy on the validation set at each epoch. */
  valAccHistory: number[];
}

/**
 * The workbook's data loss, mean squared error against one-hot targets Y:
 * `L = 1/(2N) Σ (scores - Y)²`, and its gradient `dscores = (scores - Y) / N`
 * (as the batch gradient in linear regression).
 */
export function mseLoss(scores: Matrix, y: Labels): LossResult {
  // Return the data loss and dscores, the gradient with respect to the
  // scores; oneHot(y, C) gives the targets Y.
  // BEGIN SOLUTION mseLoss, the MSE loss and its gradient, for Forward pass loss (In[110])
  const N = scores.rows;
  const diff = sub(scores, oneHot(y, scores.cols));
  return { loss: sumSquares(diff) / (2 * N), dscores: div(diff, N) };
  // END SOLUTION
}

/**
 * The bonus: softmax cross-entropy, `L = -1/N Σᵢ log p[i, yᵢ]` with
 * `p[i, j] = exp(s[i, j]) / Σ_c exp(s[i, c])`, and its gradient
 * `dscores = (P - Y) / N`.
 */
export function softmaxLoss(scores: Matrix, y: Labels): LossResult {
  // Subtract each row's maximum from its scores before exp, so that exp
  // never overflows (the probabilities do not change).
  // BEGIN SOLUTION softmaxLoss, softmax cross-entropy and its gradient, for Bonus Question (In[104], In[105])
  const N = scores.rows;
  const shifted = sub(scores, max(scores, 1, { keepdims: true }));
  const e = exp(shifted);
  const rowSums = sum(e, 1, { keepdims: true });
  // log p[i, y_i] = shifted[i, y_i] - log Σ_c exp(shifted[i, c])
  const logProbs = sub(pick(shifted, y), log(sum(e, 1)));
  const P = div(e, rowSums);
  return {
    loss: -mean(logProbs),
    dscores: div(sub(P, oneHot(y, scores.cols)), N),
  };
  // END SOLUTION
}

/** The workbook's two-layer network. */
export class TwoLayerNet {
  /** The weights and biases, updated in place by training. */
  params: Params;
  /**
   * The data loss that {@linkcode TwoLayerNet.loss} uses: `mseLoss`, the
   * workbook's; set it to `softmaxLoss` for the bonus.
   */
  dataLoss: LossFunction = mseLoss;

  /**
   * Initializes the model as the workbook does: weights are small random
   * values, `W1 = std * randn(H, D)` and then `W2 = std * randn(C, H)` from
   * numpy's stream (`seed(s)` re-seeds it as `np.random.seed(s)`), biases
   * are zero.
   */
  constructor(
    inputSize: number,
    hiddenSize: number,
    outputSize: number,
    std = 1e-4,
  ) {
    this.params = {
      W1: mul(std, randn(hiddenSize, inputSize)),
      b1: new Float64Array(hiddenSize),
      W2: mul(std, randn(outputSize, hiddenSize)),
      b2: new Float64Array(outputSize),
    };
  }

  /** The class scores of every row of `X` (N x D): an N x C matrix. */
  loss(X: Matrix): Matrix;
  /**
   * The loss on (X, y) with regularization strength `reg`, and the gradient
   * of every parameter.
   */
  loss(X: Matrix, y: Labels, reg?: number): LossAndGrads;
  loss(X: Matrix, y?: Labels, reg = 0): Matrix | LossAndGrads {
    const { W1, b1, W2, b2 } = this.params;

    // Compute the forward pass: the hidden layer h1 = ReLU(X W1ᵀ + b1),
    // N x H, and the class scores h1 W2ᵀ + b2, N x C.
    let h1: Matrix;
    let scores: Matrix;
    // BEGIN SOLUTION TwoLayerNet.loss, the forward pass, for Compute forward pass scores (In[109])
    h1 = maximum(0, add(matmulT(X, W1), b1));
    scores = add(matmulT(h1, W2), b2);
    // END SOLUTION

    // If the targets are not given then jump out, we're done.
    if (y === undefined) return scores;

    // Compute the loss: the data loss from this.dataLoss (mseLoss, or
    // softmaxLoss for the bonus) plus the regularization loss
    // 0.5 * reg * (‖W1‖² + ‖W2‖²). Keep dscores, the data loss's gradient
    // with respect to the scores: the backward pass starts from it.
    let loss: number;
    let dscores: Matrix;
    // BEGIN SOLUTION TwoLayerNet.loss, the data loss and regularization loss, for Forward pass loss (In[110])
    const data = this.dataLoss(scores, y);
    loss = data.loss + 0.5 * reg * (sumSquares(W1) + sumSquares(W2));
    dscores = data.dscores;
    // END SOLUTION

    // Backward pass: compute the gradients. You do not need to implement
    // this part.
    const dW2 = tMatmul(dscores, h1); // dscores.T @ h1
    addScaled(dW2, reg, W2); // + reg * W2
    const db2 = sum(dscores, 0);
    const dh1 = reluGrad(matmul(dscores, W2), h1); // dh1[h1 <= 0] = 0
    const dW1 = tMatmul(dh1, X);
    addScaled(dW1, reg, W1);
    const db1 = sum(dh1, 0);
    return { loss, grads: { W1: dW1, b1: db1, W2: dW2, b2: db2 } };
  }

  /**
   * Trains this network with stochastic gradient descent on (X, y),
   * checking accuracy on (XVal, yVal) once per epoch.
   */
  train(
    X: Matrix,
    y: Labels,
    XVal: Matrix,
    yVal: Labels,
    options: TrainOptions = {},
  ): TrainStats {
    const {
      learningRateDecay = 0.95,
      reg = 5e-6,
      numIters = 100,
      batchSize = 200,
      verbose = false,
    } = options;
    let { learningRate = 1e-3 } = options;
    const numTrain = X.rows;
    const iterationsPerEpoch = Math.max(numTrain / batchSize, 1);

    // Use SGD to optimize the parameters in this.params.
    const lossHistory: number[] = [];
    const trainAccHistory: number[] = [];
    const valAccHistory: number[] = [];

    for (let it = 0; it < numIters; it++) {
      // Create a random minibatch of training data and labels, XBatch and
      // yBatch: batchSize rows drawn with replacement, with
      // random.choice(numTrain, batchSize) as the workbook draws them.
      let XBatch: Matrix;
      let yBatch: Int32Array;
      // BEGIN SOLUTION TwoLayerNet.train, the minibatch, for Training the network (In[112])
      const idx = random.choice(numTrain, batchSize);
      XBatch = takeRows(X, idx);
      yBatch = take(y, idx);
      // END SOLUTION

      // Compute loss and gradients using the current minibatch.
      const { loss, grads } = this.loss(XBatch, yBatch, reg);
      lossHistory.push(loss);

      // Use the gradients in grads to update the parameters of the network
      // (stochastic gradient descent): W1 -= learningRate * dW1, and so on.
      // BEGIN SOLUTION TwoLayerNet.train, the parameter update, for Training the network (In[112])
      addScaled(this.params.W1, -learningRate, grads.W1);
      addScaled(this.params.b1, -learningRate, grads.b1);
      addScaled(this.params.W2, -learningRate, grads.W2);
      addScaled(this.params.b2, -learningRate, grads.b2);
      // END SOLUTION

      if (verbose && it % 100 === 0) {
        console.log(`iteration ${it} / ${numIters}: loss ${loss}`);
      }

      // Every epoch, check train and val accuracy and decay learning rate.
      if (it % iterationsPerEpoch === 0) {
        trainAccHistory.push(accuracy(this.predict(XBatch), yBatch));
        valAccHistory.push(accuracy(this.predict(XVal), yVal));
        learningRate *= learningRateDecay;
      }
    }
    return { lossHistory, trainAccHistory, valAccHistory };
  }

  /**
   * The predicted class of every row of `X` (N x D): for each row, the
   * class with the highest score.
   */
  predict(X: Matrix): Int32Array {
    // BEGIN SOLUTION TwoLayerNet.predict, for Training the network (In[112])
    return argmax(this.loss(X), 1);
    // END SOLUTION
  }
}
