// The grader: the workbook's checks on your neural_net.ts, one test per
// check, in the workbook's order. Run it with `deno task test`. A failing
// check names the workbook step, gives the numbers it compared and says
// which part of your code it exercises; a part not written yet fails its
// checks with its "not implemented yet" message, and the other checks
// still run.
import {
  accuracy,
  argmaxRows,
  type Cifar10Splits,
  evalNumericalGradient,
  getCifar10Data,
  type LossFunction as ReferenceLoss,
  Matrix,
  mseLoss as referenceMse,
  random,
  relError,
  seed,
  softmaxLoss as referenceSoftmax,
  TwoLayerNet as ReferenceNet,
} from "@twolayer/net";
import {
  formatNumpyMatrix,
  formatPythonFloat,
  WORKBOOK_REFERENCE as WORKBOOK,
} from "@twolayer/net/workbook";
import {
  type LossAndGrads,
  NotImplementedError,
  softmaxLoss,
  TwoLayerNet,
} from "./neural_net.ts";

/** A check's verdict: thrown with the numbers compared. */
class CheckFailed extends Error {}

/**
 * A test body that reports any failure as `step: what happened`, plus the
 * part of neural_net.ts the check exercises. The stack keeps the lines of
 * your files, so an error thrown by your code points at neural_net.ts.
 */
function grade(
  step: string,
  exercises: string,
  body: () => void | Promise<void>,
): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const what = e instanceof CheckFailed || e instanceof NotImplementedError
        ? e.message
        : `your code threw ${e.name}: ${e.message}`;
      const report = new Error(
        `${step}: ${what}\nThis check exercises ${exercises}.`,
      );
      const frames = (e.stack ?? "").split("\n")
        .filter((l) => /^\s+at .*file:/.test(l)).join("\n");
      // Deno prints the message, then the stack after its first line.
      report.stack = `Error: ${step}${frames ? `\n${frames}` : ""}`;
      throw report;
    }
  };
}

const num = (x: number) => formatPythonFloat(x);

/** `a` and `b` agree to 12 significant digits. */
const sameDigits = (a: number, b: number) =>
  Math.abs(a - b) <= 5e-12 * Math.abs(b);

// The toy problem of In[108], built as the workbook builds it.
const TOY_Y = [0, 1, 2, 2, 1];

function initToyModel(): TwoLayerNet {
  seed(0);
  return new TwoLayerNet(4, 10, 3, 1e-1);
}

function initToyData(): Matrix {
  seed(1);
  return new Matrix(5, 4, random.randn(5 * 4).map((v) => 10 * v));
}

/** `net.loss(X)`'s scores, checked to be an N x C matrix. */
function scoresOf(net: TwoLayerNet, X: Matrix, C: number): Matrix {
  const scores: unknown = net.loss(X);
  if (!(scores instanceof Matrix)) {
    throw new CheckFailed(
      `net.loss(X) without labels must return the scores as a Matrix, got ${
        describe(scores)
      }`,
    );
  }
  if (scores.rows !== X.rows || scores.cols !== C) {
    throw new CheckFailed(
      `the scores must be ${X.rows} x ${C} (N x C), got ${scores.rows} x ${scores.cols}`,
    );
  }
  return scores;
}

/** `net.loss(X, y, reg)`, checked to be `{ loss, grads }`. */
function lossOf(
  net: TwoLayerNet,
  X: Matrix,
  y: number[],
  reg: number,
): LossAndGrads {
  const result: unknown = net.loss(X, y, reg);
  const { loss, grads } = (result ?? {}) as Partial<LossAndGrads>;
  if (typeof loss !== "number" || typeof grads !== "object") {
    throw new CheckFailed(
      `net.loss(X, y, reg) must return { loss, grads }, got ${
        describe(result)
      }`,
    );
  }
  return { loss, grads };
}

function describe(x: unknown): string {
  if (x === null || typeof x !== "object") return String(x);
  return x.constructor?.name ?? "an object";
}

/**
 * Whether your scores for `X` are the network's, `ReLU(X W1ᵀ + b1) W2ᵀ + b2`
 * with your weights (the library's network computes them): undefined when
 * they are, else what is off.
 */
function scoresProblem(net: TwoLayerNet, X: Matrix): string | undefined {
  const scores = scoresOf(net, X, net.params.W2.rows);
  const correct = new ReferenceNet(X.cols, net.params.W1.rows, scores.cols, {
    params: net.params,
  }).scores(X);
  let difference = 0;
  scores.data.forEach((s, i) => difference += Math.abs(s - correct.data[i]));
  return difference < 1e-9
    ? undefined
    : `your scores differ from ReLU(X W1ᵀ + b1) W2ᵀ + b2 by ${
      num(difference)
    } (the sum of |differences|), so the forward pass (In[109]) is off`;
}

/** `text` as a sentence: capitalised, with a full stop. */
function sentence(text: string | undefined): string | undefined {
  return text && `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/**
 * Which part of a loss is off, when the loss is: the scores (the forward
 * pass), the data loss on your scores, or the regularization loss.
 */
function lossProblem(
  net: TwoLayerNet,
  X: Matrix,
  data: { name: string; reference: ReferenceLoss },
): string {
  const scores = scoresProblem(net, X);
  if (scores) return `${scores}; fix it first`;
  const yours = lossOf(net, X, TOY_Y, 0).loss;
  const correct = data.reference(scoresOf(net, X, 3), TOY_Y).loss;
  return Math.abs(yours - correct) < 1e-12
    ? `your scores and your data loss with reg = 0 (${
      num(yours)
    }) are right, so the regularization loss 0.5 * reg * (‖W1‖² + ‖W2‖²) is not`
    : `your scores are right, but with reg = 0 your loss is ${
      num(yours)
    } where the data loss on your scores is ${
      num(correct)
    }: ${data.name} is off`;
}

/** The workbook's In[111]: each parameter's gradient against a numeric one. */
function gradientErrors(net: TwoLayerNet, X: Matrix): Record<string, number> {
  const { grads } = lossOf(net, X, TOY_Y, 0.05);
  const errors: Record<string, number> = {};
  for (const name of ["W2", "b2", "W1", "b1"] as const) {
    const f = () => lossOf(net, X, TOY_Y, 0.05).loss;
    const numeric = evalNumericalGradient(f, net.params[name]);
    const analytic = grads[name];
    const size = analytic instanceof Matrix
      ? analytic.data.length
      : analytic?.length;
    if (size !== numeric.length) {
      throw new CheckFailed(
        `grads.${name} must have ${numeric.length} values like params.${name}, got ${size}`,
      );
    }
    errors[name] = relError(numeric, analytic);
  }
  return errors;
}

function checkGradients(
  errors: Record<string, number>,
  loss: string,
  problem: () => string | undefined,
): void {
  const lines = Object.entries(errors).map(([name, e]) =>
    `${name} max relative error: ${num(e)}${e < 1e-8 ? "" : "  <- above 1e-8"}`
  );
  console.log(lines.join("\n"));
  const bad = Object.entries(errors).filter(([, e]) => !(e < 1e-8));
  if (bad.length > 0) {
    throw new CheckFailed(
      `the gradients of ${
        bad.map(([n]) => n).join(", ")
      } disagree with numeric ones (${loss}); every relative error must be below 1e-8:\n${
        lines.join("\n")
      }\nThe backward pass is given: it differentiates scores = ReLU(X W1ᵀ + b1) W2ᵀ + b2 and a data loss whose gradient with respect to the scores is dscores, plus 0.5 * reg * (‖W1‖² + ‖W2‖²). ${
        sentence(problem()) ??
          "Your scores are right, so your data loss's dscores is not its gradient, or your regularization loss is not that one."
      }`,
    );
  }
}

/** The toy training of the workbook's "Training the network" cell. */
function trainToy(X: Matrix) {
  const net = initToyModel();
  const stats = net.train(X, TOY_Y, X, TOY_Y, {
    learningRate: 1e-1,
    reg: 5e-6,
    numIters: 100,
    batchSize: 200,
    learningRateDecay: 0.95,
    verbose: false,
  });
  if (!Array.isArray(stats?.lossHistory) || stats.lossHistory.length !== 100) {
    throw new CheckFailed(
      `train must return { lossHistory, trainAccHistory, valAccHistory } with a loss for each of the 100 iterations, got ${
        stats?.lossHistory?.length ?? "no"
      } losses`,
    );
  }
  return stats;
}

let cifar: Cifar10Splits | undefined;

/** What to look at when the first CIFAR-10 run's accuracy is off. */
function cifarHint(valAcc: number): string {
  const toy = initToyModel();
  const scores = scoresProblem(toy, initToyData());
  if (scores) return `. On the toy data, ${scores}`;
  return valAcc > 0.18
    ? ". The workbook's settings learn slowly; more means steps larger than W -= learningRate * dW with the loss's gradients (are they divided by N?)"
    : "";
}

Deno.test(
  "In[109] forward pass: your scores match the correct scores",
  grade(
    "In[109] forward pass",
    "TwoLayerNet.loss(X) without labels: the forward pass, ReLU(X W1ᵀ + b1) W2ᵀ + b2, and the given constructor",
    () => {
      const net = initToyModel();
      const X = initToyData();
      const scores = scoresOf(net, X, 3);
      const correct = Matrix.fromRows([...WORKBOOK.toyScores]);
      let difference = 0;
      scores.data.forEach((s, i) =>
        difference += Math.abs(s - correct.data[i])
      );
      if (!(difference < 1e-7)) {
        throw new CheckFailed(
          `the difference between your scores and the correct scores is ${
            num(difference)
          }, expected < 1e-7 (the workbook gets ${
            num(WORKBOOK.toyScoresDifference)
          })\nYour scores:\n${formatNumpyMatrix(scores)}\ncorrect scores:\n${
            formatNumpyMatrix(correct)
          }`,
        );
      }
      console.log(
        `Difference between your scores and correct scores: ${num(difference)}`,
      );
    },
  ),
);

Deno.test(
  "In[110] forward pass loss: MSE plus regularization",
  grade(
    "In[110] forward pass loss",
    "TwoLayerNet.loss(X, y, reg): the data loss (mseLoss) plus the regularization loss 0.5 * reg * (‖W1‖² + ‖W2‖²)",
    () => {
      const net = initToyModel();
      const X = initToyData();
      const { loss } = lossOf(net, X, TOY_Y, 0.05);
      const difference = Math.abs(loss - WORKBOOK.toyLossMse);
      if (!(difference < 1e-12)) {
        throw new CheckFailed(
          `your loss ${num(loss)} differs from the correct loss ${
            num(WORKBOOK.toyLossMse)
          } by ${num(difference)}, expected < 1e-12: ${
            lossProblem(net, X, { name: "mseLoss", reference: referenceMse })
          }`,
        );
      }
      console.log(
        `Difference between your loss and correct loss: ${num(difference)}`,
      );
    },
  ),
);

Deno.test(
  "In[111] backward pass: every gradient's relative error is below 1e-8",
  grade(
    "In[111] backward pass (gradient check)",
    "the gradients TwoLayerNet.loss returns for W1, b1, W2, b2 with the MSE loss: your forward pass, mseLoss's dscores and the regularization loss, through the given backward pass",
    () => {
      const net = initToyModel();
      const X = initToyData();
      checkGradients(
        gradientErrors(net, X),
        "MSE loss, reg 0.05",
        () => scoresProblem(net, X),
      );
    },
  ),
);

Deno.test(
  "Training the network: the toy training's final loss is below 0.05",
  grade(
    "Training the network (In[112], toy data)",
    "TwoLayerNet.train: the minibatch, the parameter update and the learning-rate decay, with loss and predict",
    () => {
      initToyModel();
      const stats = trainToy(initToyData());
      const final = stats.lossHistory.at(-1)!;
      if (!(final < 0.05)) {
        throw new CheckFailed(
          `the final training loss is ${num(final)}${
            Number.isFinite(final) ? "" : " (training diverged)"
          }, expected below 0.05 (the workbook: ${
            num(WORKBOOK.toyFinalLoss)
          }); the first losses were ${
            stats.lossHistory.slice(0, 3).map(num).join(", ")
          }`,
        );
      }
      console.log(
        `Final training loss: ${num(final)}: ${
          sameDigits(final, WORKBOOK.toyFinalLoss)
            ? `matches the workbook's ${
              num(WORKBOOK.toyFinalLoss)
            } to 12 digits (minibatches drawn as the workbook draws them)`
            : `below 0.05, but not the workbook's ${
              num(WORKBOOK.toyFinalLoss)
            }: it matches when each minibatch is random.choice(numTrain, batchSize) from the default stream`
        }`,
      );
    },
  ),
);

Deno.test(
  "In[114] Running SGD: the first CIFAR-10 run's validation accuracy is 15-18%",
  grade(
    "In[114] Running SGD (first CIFAR-10 run)",
    "TwoLayerNet.train and predict on CIFAR-10 (49,000 rows of 3,072 values), with the forward pass, the MSE loss and the regularization loss",
    async () => {
      // The cells before it, in order: they consume the default stream.
      initToyModel();
      trainToy(initToyData());
      cifar ??= await getCifar10Data();
      const { XTrain, yTrain, XVal, yVal } = cifar;
      const net = new TwoLayerNet(32 * 32 * 3, 50, 10);
      const stats = net.train(XTrain, yTrain, XVal, yVal, {
        numIters: 1000,
        batchSize: 200,
        learningRate: 1e-5,
        learningRateDecay: 0.95,
        reg: 0.1,
      });
      const valAcc = accuracy(net.predict(XVal), yVal);
      const losses = [0, 500, 900].map((i) =>
        `iteration ${i}: ${num(stats.lossHistory[i])} (workbook ${
          num(WORKBOOK.firstRunLosses[i / 100])
        })`
      ).join("; ");
      if (!(valAcc >= 0.15 && valAcc <= 0.18)) {
        throw new CheckFailed(
          `validation accuracy ${num(valAcc)}, expected 15-18% (the workbook: ${
            num(WORKBOOK.firstRunValAcc)
          }); your losses: ${losses}${cifarHint(valAcc)}`,
        );
      }
      const exact = valAcc === WORKBOOK.firstRunValAcc &&
        WORKBOOK.firstRunLosses.every((l, k) =>
          sameDigits(stats.lossHistory[100 * k], l)
        );
      console.log(
        `Validation accuracy: ${num(valAcc)}, train_acc_history ${
          JSON.stringify(stats.trainAccHistory)
        }; ${
          exact
            ? "the workbook's run exactly (every printed loss to 12 digits)"
            : `within 15-18%, not the workbook's run exactly: ${losses}`
        }`,
      );
    },
  ),
);

Deno.test(
  "In[114] predict: your predictions are each row's highest-scoring class",
  grade(
    "In[114] predict",
    "TwoLayerNet.predict, against the scores of your TwoLayerNet.loss(X)",
    () => {
      const net = initToyModel();
      seed(2);
      const X = new Matrix(50, 4, random.randn(50 * 4).map((v) => 10 * v));
      const predicted: unknown = net.predict(X);
      if (
        predicted === null || typeof predicted !== "object" ||
        !("length" in predicted) || predicted.length !== 50
      ) {
        throw new CheckFailed(
          `predict(X) must return one class per row of X (50), got ${
            describe(predicted)
          }`,
        );
      }
      const mine = Array.from(predicted as ArrayLike<number>);
      // predict is checked against your own scores: the forward pass has
      // its own check (In[109]).
      const correct = Array.from(argmaxRows(scoresOf(net, X, 3)));
      const wrong = mine.flatMap((p, i) => p === correct[i] ? [] : [i]);
      if (wrong.length > 0) {
        throw new CheckFailed(
          `${wrong.length} of 50 predictions are not the class of the highest score net.loss(X) gives; row ${
            wrong[0]
          }: you predict ${mine[wrong[0]]}, its highest score is class ${
            correct[wrong[0]]
          } (your first predictions ${
            JSON.stringify(mine.slice(0, 8))
          }, the highest-scoring classes ${
            JSON.stringify(correct.slice(0, 8))
          })`,
        );
      }
      const scores = scoresProblem(net, X);
      console.log(
        `predict: all 50 rows are their highest-scoring class${
          scores ? ` (but ${scores})` : ""
        }`,
      );
    },
  ),
);

Deno.test(
  "Bonus: the softmax loss is 1.071696123862817",
  grade(
    "Bonus (softmax loss, In[104])",
    "softmaxLoss through TwoLayerNet.loss with net.dataLoss = softmaxLoss, and the regularization loss",
    () => {
      const net = initToyModel();
      net.dataLoss = softmaxLoss;
      const X = initToyData();
      const { loss } = lossOf(net, X, TOY_Y, 0.05);
      const difference = Math.abs(loss - WORKBOOK.softmaxToyLoss);
      if (!(difference < 1e-12)) {
        throw new CheckFailed(
          `your softmax loss ${num(loss)} differs from the correct ${
            num(WORKBOOK.softmaxToyLoss)
          } by ${num(difference)}, expected < 1e-12${
            Math.abs(loss - WORKBOOK.workbookSoftmaxToyLoss) < 1e-9
              ? ` (the workbook printed ${
                num(WORKBOOK.workbookSoftmaxToyLoss)
              }, from a formula without the minus sign and a mistake in its cell: the loss is -1/N Σ log p[i, y_i])`
              : `: ${
                lossProblem(net, X, {
                  name: "softmaxLoss",
                  reference: referenceSoftmax,
                })
              }`
          }`,
        );
      }
      console.log(`Softmax: ${num(loss)}`);
    },
  ),
);

Deno.test(
  "Bonus: every softmax gradient's relative error is below 1e-8",
  grade(
    "Bonus (softmax gradients)",
    "softmaxLoss's dscores, through the given backward pass",
    () => {
      const net = initToyModel();
      net.dataLoss = softmaxLoss;
      const X = initToyData();
      checkGradients(
        gradientErrors(net, X),
        "softmax loss, reg 0.05",
        () => scoresProblem(net, X),
      );
    },
  ),
);
