// The grader's checks: the workbook's checks on your neural_net.ts, with
// the numbers compared and the part of your code at fault. grader.ts runs
// each one as `deno run checks.ts ID` in a process of its own, which it
// stops when the step's time limit (grading.ts) passes: your code is only
// imported once the check is ready, so the limit counts your code alone.
import {
  accuracy,
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
} from "@twolayer/net";
import {
  add,
  argmax,
  matmulT,
  maximum,
  sumSquares,
  takeRows,
} from "@twolayer/net/ops";
import {
  formatNumpyMatrix,
  formatPythonFloat,
  WORKBOOK_REFERENCE as WORKBOOK,
} from "@twolayer/net/workbook";
import { LABELS } from "./grading.ts";

/** Your module, imported when the check starts. */
type Homework = typeof import("./neural_net.ts");
type Net = InstanceType<Homework["TwoLayerNet"]>;

/** A check's verdict: thrown with the numbers compared. */
class CheckFailed extends Error {}

const num = (x: number) => formatPythonFloat(x);

/** `a` and `b` agree to 12 significant digits. */
const sameDigits = (a: number, b: number) =>
  Math.abs(a - b) <= 5e-12 * Math.abs(b);

// The toy problem of In[108], built as the workbook builds it.
const TOY_Y = [0, 1, 2, 2, 1];

function toyModel(hw: Homework): Net {
  seed(0);
  return new hw.TwoLayerNet(4, 10, 3, 1e-1);
}

function toyData(): Matrix {
  seed(1);
  return new Matrix(5, 4, random.randn(5 * 4).map((v) => 10 * v));
}

function describe(x: unknown): string {
  if (x === null || typeof x !== "object") return String(x);
  const name = x.constructor?.name ?? "an object";
  return "length" in x && typeof x.length === "number"
    ? `${name} of ${x.length} values`
    : name;
}

/** `net.loss(X)`'s scores, checked to be an N x C matrix. */
function scoresOf(net: Net, X: Matrix): Matrix {
  const C = net.params.W2.rows;
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
      `net.loss(X) returned ${scores.rows} x ${scores.cols} scores for ${X.rows} rows; expected ${X.rows} x ${C} (N x C: one row of class scores per row of X)`,
    );
  }
  return scores;
}

/** `net.loss(X, y, reg)`, checked to be `{ loss, grads }`. */
function lossOf(net: Net, X: Matrix, reg: number) {
  const result: unknown = net.loss(X, TOY_Y, reg);
  const { loss, grads } = (result ?? {}) as {
    loss?: unknown;
    grads?: unknown;
  };
  if (typeof loss !== "number" || typeof grads !== "object" || !grads) {
    throw new CheckFailed(
      `net.loss(X, y, reg) must return { loss, grads }, got ${
        describe(result)
      }`,
    );
  }
  return { loss, grads: grads as Net["params"] };
}

/** The forward pass as the workbook writes it, with parts left out. */
function forward(
  net: Net,
  X: Matrix,
  { b1 = true, b2 = true, relu = true } = {},
): Matrix {
  const { W1, W2 } = net.params;
  const zero = (n: number) => new Float64Array(n);
  const pre = add(matmulT(X, W1), b1 ? net.params.b1 : zero(W1.rows));
  const h1 = relu ? maximum(0, pre) : pre;
  return add(matmulT(h1, W2), b2 ? net.params.b2 : zero(W2.rows));
}

function totalDifference(a: Matrix, b: Matrix): number {
  let difference = 0;
  a.data.forEach((v, i) => difference += Math.abs(v - b.data[i]));
  return difference;
}

/**
 * Whether your scores for `X` are `ReLU(X W1ᵀ + b1) W2ᵀ + b2` with your
 * weights: undefined when they are, else what is off, naming a missing
 * bias or ReLU when the scores are exactly those without it.
 */
function scoresProblem(net: Net, X: Matrix): string | undefined {
  const scores = scoresOf(net, X);
  const difference = totalDifference(scores, forward(net, X));
  if (difference < 1e-9) return undefined;
  const variants = [
    ["ReLU(X W1ᵀ) W2ᵀ + b2: b1 is missing", { b1: false }],
    ["ReLU(X W1ᵀ + b1) W2ᵀ: b2 is missing", { b2: false }],
    ["ReLU(X W1ᵀ) W2ᵀ: both biases are missing", { b1: false, b2: false }],
    ["(X W1ᵀ + b1) W2ᵀ + b2: the ReLU is missing", { relu: false }],
  ] as const;
  const match = variants.find(([, parts]) =>
    totalDifference(scores, forward(net, X, parts)) < 1e-9
  );
  return `your scores differ from ReLU(X W1ᵀ + b1) W2ᵀ + b2 by ${
    num(difference)
  } (the sum of |differences|)${
    match ? `; they are ${match[0]}` : ""
  }: the forward pass is off (the step ${LABELS.forward})`;
}

/** `text` as a sentence: capitalised, with a full stop. */
function sentence(text: string): string {
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** Names `yours / correct` when it is exactly one of the usual slips. */
function factor(yours: number, correct: number, N: number): string {
  const slips = [
    [N, `N = ${N} times the right value: a missing division by N`],
    [2, "twice the right value: a missing 1/2"],
    [2 * N, `2N = ${2 * N} times the right value: a missing 1/(2N)`],
    [1 / N, `1/N of the right value: divided by N = ${N} once too often`],
    [1 / 2, "half the right value: an extra 1/2"],
  ] as const;
  const ratio = yours / correct;
  const slip = slips.find(([f]) => Math.abs(ratio - f) <= 1e-9 * f);
  return slip ? ` (${slip[1]})` : "";
}

/**
 * Each part of a loss that is off: the scores (the forward pass), the data
 * loss on your scores, its gradient dscores, the regularization loss. An
 * empty list when all are right; the parts whose checks pass are left out.
 */
function lossParts(
  hw: Homework,
  net: Net,
  X: Matrix,
  data: { name: string; reference: ReferenceLoss },
  reg: number,
): string[] {
  const scores = scoresProblem(net, X);
  if (scores) return [scores];
  const problems: string[] = [];
  const N = X.rows;
  const mine = scoresOf(net, X);
  const correct = data.reference(mine, TOY_Y);
  const dataLoss = lossOf(net, X, 0).loss;
  if (!(Math.abs(dataLoss - correct.loss) < 1e-12)) {
    problems.push(
      `with reg = 0 your loss is ${
        num(dataLoss)
      } where ${data.name} of your scores is ${num(correct.loss)}${
        factor(dataLoss, correct.loss, N)
      }: ${data.name} is off`,
    );
  }
  const own = data.name === "mseLoss" ? hw.mseLoss : hw.softmaxLoss;
  let dscores: unknown;
  try {
    dscores = own(mine, TOY_Y).dscores;
  } catch {
    // Its own check reports what it throws.
  }
  if (dscores instanceof Matrix) {
    const yours = Math.sqrt(sumSquares(dscores));
    const right = Math.sqrt(sumSquares(correct.dscores));
    if (!(totalDifference(dscores, correct.dscores) < 1e-9 * right)) {
      problems.push(
        `the dscores of ${data.name} is not the gradient of its loss with respect to the scores (its norm is ${
          num(yours)
        }, the gradient's ${num(right)}${factor(yours, right, N)})`,
      );
    }
  }
  const { W1, W2 } = net.params;
  const regLoss = lossOf(net, X, reg).loss - dataLoss;
  const rightReg = 0.5 * reg * (sumSquares(W1) + sumSquares(W2));
  if (!(Math.abs(regLoss - rightReg) < 1e-12)) {
    problems.push(
      `your regularization loss (the loss with reg = ${reg} minus with reg = 0) is ${
        num(regLoss)
      }, where 0.5 * reg * (‖W1‖² + ‖W2‖²) is ${num(rightReg)}${
        factor(regLoss, rightReg, N)
      }`,
    );
  }
  return problems;
}

/** The workbook's In[111]: each parameter's gradient against a numeric one. */
function gradientErrors(net: Net, X: Matrix): Record<string, number> {
  const { grads } = lossOf(net, X, 0.05);
  const errors: Record<string, number> = {};
  for (const name of ["W2", "b2", "W1", "b1"] as const) {
    const f = () => lossOf(net, X, 0.05).loss;
    const numeric = evalNumericalGradient(f, net.params[name]);
    const analytic: unknown = grads[name];
    const size = analytic instanceof Matrix
      ? analytic.data.length
      : (analytic as ArrayLike<number> | undefined)?.length;
    if (size !== numeric.length) {
      throw new CheckFailed(
        `grads.${name} must have ${numeric.length} values like params.${name}, got ${size}`,
      );
    }
    errors[name] = relError(numeric, analytic as Float64Array);
  }
  return errors;
}

function checkGradients(
  hw: Homework,
  net: Net,
  X: Matrix,
  data: { name: string; reference: ReferenceLoss },
): void {
  const errors = gradientErrors(net, X);
  const lines = Object.entries(errors).map(([name, e]) =>
    `${name} max relative error: ${num(e)}${e < 1e-8 ? "" : "  <- above 1e-8"}`
  );
  console.log(lines.join("\n"));
  const bad = Object.entries(errors).filter(([, e]) => !(e < 1e-8));
  if (bad.length === 0) return;
  const parts = lossParts(hw, net, X, data, 0.05);
  throw new CheckFailed(
    `the gradients of ${
      bad.map(([n]) => n).join(", ")
    } disagree with numeric ones (${data.name}, reg 0.05); every relative error must be below 1e-8:\n${
      lines.join("\n")
    }\nThe backward pass is given: it differentiates scores = ReLU(X W1ᵀ + b1) W2ᵀ + b2 and a data loss whose gradient with respect to the scores is dscores, plus 0.5 * reg * (‖W1‖² + ‖W2‖²). ${
      parts.length > 0
        ? parts.map(sentence).join(" ")
        : `Your scores, ${data.name}, its dscores and your regularization loss are right, so the given backward pass has been changed.`
    }`,
  );
}

/**
 * What is wrong with `predict` on `rows` rows of toy data, if anything
 * about its shape is: the message says what came back.
 */
function predictProblem(net: Net, rows: number): string | undefined {
  const X = takeRows(
    toyData(),
    Int32Array.from({ length: rows }, (_, i) => i % 5),
  );
  const predicted: unknown = net.predict(X);
  if (
    predicted === null || typeof predicted !== "object" ||
    !("length" in predicted)
  ) {
    return `predict returned ${
      describe(predicted)
    } for ${rows} rows; expected one class per row, an Int32Array of ${rows} values`;
  }
  if (predicted.length !== rows) {
    return `predict returned ${predicted.length} values for ${rows} rows; expected one class per row (the highest score of each row: argmax over axis 1)`;
  }
  return undefined;
}

/** The toy training of the workbook's "Training the network" cell. */
function trainToy(hw: Homework, X: Matrix) {
  const net = toyModel(hw);
  let stats;
  try {
    stats = net.train(X, TOY_Y, X, TOY_Y, {
      learningRate: 1e-1,
      reg: 5e-6,
      numIters: 100,
      batchSize: 200,
      learningRateDecay: 0.95,
      verbose: false,
    });
  } catch (error) {
    // train calls predict on its minibatch: a predict of the wrong shape
    // shows up as an error about something else.
    let problem: string | undefined;
    try {
      problem = predictProblem(toyModel(hw), 200);
    } catch {
      // predict's own check reports what it throws.
    }
    if (problem) {
      throw new CheckFailed(
        `${problem}. train calls predict on its minibatch, and then threw ${
          (error as Error).name
        }: ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
  if (!Array.isArray(stats?.lossHistory) || stats.lossHistory.length !== 100) {
    throw new CheckFailed(
      `train must return { lossHistory, trainAccHistory, valAccHistory } with a loss for each of the 100 iterations, got ${
        stats?.lossHistory?.length ?? "no"
      } losses`,
    );
  }
  return stats;
}

/** What to look at when the first CIFAR-10 run's accuracy is off. */
function cifarHint(hw: Homework, valAcc: number): string {
  const scores = scoresProblem(toyModel(hw), toyData());
  if (scores) return `. On the toy data, ${scores}`;
  return valAcc > 0.18
    ? ". The workbook's settings learn slowly; more means steps larger than W -= learningRate * dW with the loss's gradients (are they divided by N?)"
    : "";
}

/** A check: setup (not timed) returns the part that runs your code. */
type Check = () => Body | Promise<Body>;
type Body = (hw: Homework) => void;

const CHECKS: Record<string, Check> = {
  forward: () => (hw) => {
    const net = toyModel(hw);
    const X = toyData();
    const scores = scoresOf(net, X);
    const correct = Matrix.fromRows([...WORKBOOK.toyScores]);
    const difference = totalDifference(scores, correct);
    if (!(difference < 1e-7)) {
      throw new CheckFailed(
        `the difference between your scores and the correct scores is ${
          num(difference)
        }, expected < 1e-7 (the workbook gets ${
          num(WORKBOOK.toyScoresDifference)
        })${
          scoresProblem(net, X)
            ? ""
            : " (your scores are ReLU(X W1ᵀ + b1) W2ᵀ + b2 of your network's weights: is the given constructor changed?)"
        }\nYour scores:\n${formatNumpyMatrix(scores)}\ncorrect scores:\n${
          formatNumpyMatrix(correct)
        }`,
      );
    }
    console.log(
      `Difference between your scores and correct scores: ${num(difference)}`,
    );
    // The toy biases are zero: a second network, of another shape, with
    // biases that are not, catches a bias left out.
    seed(3);
    const other = new hw.TwoLayerNet(6, 8, 4, 0.5);
    other.params.b1 = random.randn(8);
    other.params.b2 = random.randn(4);
    const X2 = new Matrix(7, 6, random.randn(7 * 6));
    const problem = scoresProblem(other, X2);
    if (problem) {
      throw new CheckFailed(
        `with non-zero biases (a network of D = 6, H = 8, C = 4 on 7 rows), ${problem}`,
      );
    }
    console.log(
      "With non-zero biases (D = 6, H = 8, C = 4, 7 rows): your scores are ReLU(X W1ᵀ + b1) W2ᵀ + b2",
    );
  },

  loss: () => (hw) => {
    const net = toyModel(hw);
    const X = toyData();
    const { loss } = lossOf(net, X, 0.05);
    const difference = Math.abs(loss - WORKBOOK.toyLossMse);
    if (!(difference < 1e-12)) {
      const parts = lossParts(hw, net, X, {
        name: "mseLoss",
        reference: referenceMse,
      }, 0.05).filter((p) => !p.startsWith("the dscores of"));
      throw new CheckFailed(
        `your loss ${num(loss)} differs from the correct loss ${
          num(WORKBOOK.toyLossMse)
        } by ${num(difference)}, expected < 1e-12${
          factor(loss, WORKBOOK.toyLossMse, 5)
        }: ${
          parts.length > 0
            ? parts.join("; ")
            : "your scores, data loss and regularization loss are each right, so the loss is not their sum"
        }`,
      );
    }
    console.log(
      `Difference between your loss and correct loss: ${num(difference)}`,
    );
  },

  backward: () => (hw) => {
    checkGradients(hw, toyModel(hw), toyData(), {
      name: "mseLoss",
      reference: referenceMse,
    });
  },

  training: () => (hw) => {
    const stats = trainToy(hw, toyData());
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

  predict: () => (hw) => {
    const net = toyModel(hw);
    seed(2);
    const X = new Matrix(50, 4, random.randn(50 * 4).map((v) => 10 * v));
    const predicted: unknown = net.predict(X);
    if (
      predicted === null || typeof predicted !== "object" ||
      !("length" in predicted) || predicted.length !== 50
    ) {
      throw new CheckFailed(
        `predict returned ${
          predicted !== null && typeof predicted === "object" &&
            "length" in predicted
            ? `${predicted.length} values`
            : describe(predicted)
        } for 50 rows; expected one class per row of X (the highest score of each row: argmax over axis 1)`,
      );
    }
    const mine = Array.from(predicted as ArrayLike<number>);
    // predict is checked against your own scores: the forward pass has
    // its own check.
    const correct = Array.from(argmax(scoresOf(net, X), 1));
    const wrong = mine.flatMap((p, i) => p === correct[i] ? [] : [i]);
    if (wrong.length > 0) {
      throw new CheckFailed(
        `${wrong.length} of 50 predictions are not the class of the highest score net.loss(X) gives; row ${
          wrong[0]
        }: you predict ${mine[wrong[0]]}, its highest score is class ${
          correct[wrong[0]]
        } (your first predictions ${
          JSON.stringify(mine.slice(0, 8))
        }, the highest-scoring classes ${JSON.stringify(correct.slice(0, 8))})`,
      );
    }
    const scores = scoresProblem(net, X);
    console.log(
      `predict: all 50 rows are their highest-scoring class${
        scores ? ` (but ${scores})` : ""
      }`,
    );
  },

  sgd: async () => {
    const { XTrain, yTrain, XVal, yVal }: Cifar10Splits =
      await getCifar10Data();
    return (hw) => {
      // The cells before it, in order: they consume the default stream.
      trainToy(hw, toyData());
      const net = new hw.TwoLayerNet(32 * 32 * 3, 50, 10);
      const stats = net.train(XTrain, yTrain, XVal, yVal, {
        numIters: 1000,
        batchSize: 200,
        learningRate: 1e-5,
        learningRateDecay: 0.95,
        reg: 0.1,
      });
      const predicted: unknown = net.predict(XVal);
      if (
        !(predicted instanceof Int32Array) || predicted.length !== XVal.rows
      ) {
        throw new CheckFailed(
          `predict returned ${
            describe(predicted)
          } for ${XVal.rows} rows; expected one class per row`,
        );
      }
      const valAcc = accuracy(predicted, yVal);
      const losses = [0, 500, 900].map((i) =>
        `iteration ${i}: ${num(stats.lossHistory[i])} (workbook ${
          num(WORKBOOK.firstRunLosses[i / 100])
        })`
      ).join("; ");
      if (!(valAcc >= 0.15 && valAcc <= 0.18)) {
        throw new CheckFailed(
          `validation accuracy ${num(valAcc)}, expected 15-18% (the workbook: ${
            num(WORKBOOK.firstRunValAcc)
          }); your losses: ${losses}${cifarHint(hw, valAcc)}`,
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
    };
  },

  softmax: () => (hw) => {
    const net = toyModel(hw);
    net.dataLoss = hw.softmaxLoss;
    const X = toyData();
    const { loss } = lossOf(net, X, 0.05);
    const difference = Math.abs(loss - WORKBOOK.softmaxToyLoss);
    if (!(difference < 1e-12)) {
      const workbook = Math.abs(loss - WORKBOOK.workbookSoftmaxToyLoss) < 1e-9;
      const parts = workbook ? [] : lossParts(hw, net, X, {
        name: "softmaxLoss",
        reference: referenceSoftmax,
      }, 0.05).filter((p) => !p.startsWith("the dscores of"));
      throw new CheckFailed(
        `your softmax loss ${num(loss)} differs from the correct ${
          num(WORKBOOK.softmaxToyLoss)
        } by ${num(difference)}, expected < 1e-12${
          workbook
            ? ` (the workbook printed ${
              num(WORKBOOK.workbookSoftmaxToyLoss)
            }, from a formula without the minus sign and a mistake in its cell: the loss is -1/N Σ log p[i, y_i])`
            : `${factor(loss, WORKBOOK.softmaxToyLoss, 5)}: ${
              parts.length > 0
                ? parts.join("; ")
                : "your scores, data loss and regularization loss are each right, so the loss is not their sum"
            }`
        }`,
      );
    }
    console.log(`Softmax: ${num(loss)}`);
  },

  "softmax-gradients": () => (hw) => {
    const net = toyModel(hw);
    net.dataLoss = hw.softmaxLoss;
    checkGradients(hw, net, toyData(), {
      name: "softmaxLoss",
      reference: referenceSoftmax,
    });
  },
};

/** The ids of the checks, for grading.ts's steps. */
export const CHECK_IDS: readonly string[] = Object.keys(CHECKS);

/** What a check's process reports on its last line. */
export interface CheckReport {
  /** True when the check passed. */
  passed: boolean;
  /** The failure, when it failed: the check's message or your error's. */
  message?: string;
  /** Your error's stack, when your code threw. */
  stack?: string;
  /** Whether the failure is a part still to write. */
  notImplemented?: boolean;
  /** Seconds your code ran. */
  seconds?: number;
}

/**
 * Freezes the built-ins and the library's classes that the checks compare
 * with, before your code is imported: code that replaced `Math.abs` or a
 * typed array's method could otherwise make a wrong answer pass. (Freezing
 * is a guard, not a sandbox; the instructor still reads the code.)
 */
function freezeBuiltins(): void {
  const typedArray = Object.getPrototypeOf(Float64Array);
  const classes = [
    Object,
    Array,
    Number,
    String,
    Function,
    Promise,
    Map,
    Set,
    RegExp,
    typedArray,
    Float64Array,
    Float32Array,
    Int32Array,
    Uint8Array,
    Matrix,
  ];
  for (const c of classes) {
    Object.freeze(c);
    Object.freeze(c.prototype);
  }
  for (const namespace of [Math, JSON, Reflect, console]) {
    Object.freeze(namespace);
  }
}

/**
 * Runs the check `id`. The first line of stdin is the token that marks
 * this process's own lines on stdout (`TOKEN ready`, then `TOKEN report
 * JSON`): it is read before your code is imported, so your code cannot
 * print them.
 */
async function main(id: string): Promise<void> {
  const line = await new Response(Deno.stdin.readable).text();
  const token = line.trim();
  const check = CHECKS[id];
  if (!token || !check) {
    throw new Error(
      `usage: deno run checks.ts ID, with a token on stdin; ID one of ${
        CHECK_IDS.join(", ")
      }`,
    );
  }
  const body = await check();
  freezeBuiltins();
  console.log(`${token} ready`);
  const start = performance.now();
  let report: CheckReport;
  try {
    body(await import("./neural_net.ts"));
    report = { passed: true };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const own = e instanceof CheckFailed;
    report = {
      passed: false,
      message: own || e.name === "NotImplementedError"
        ? e.message
        : `your code threw ${e.name}: ${e.message}`,
      stack: own ? (e.cause as Error | undefined)?.stack : e.stack,
      notImplemented: e.name === "NotImplementedError",
    };
  }
  report.seconds = (performance.now() - start) / 1000;
  console.log(`${token} report ${JSON.stringify(report)}`);
}

if (import.meta.main) await main(Deno.args[0]);
