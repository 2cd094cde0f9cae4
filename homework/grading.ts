// The grader's settings, in one place: the steps it checks with their
// labels, points and time limits, and what neural_net.ts may import. The
// instructor edits this file; `deno task grade`, `deno task test` and the
// GitHub Classroom workflow (written from it by `deno task assignment`) all
// read it. Grade with your own copy of the edition: a student's copy of
// this file is theirs to change.

/** One check of the grader. */
export interface Step {
  /** Short name, for `deno task grade --step ID` and the workflow. */
  id: string;
  /**
   * The workbook's step and cell, as the notebook's heading, the stubs
   * of neural_net.ts and the README name it.
   */
  label: string;
  /** What the check asserts: the test is named `label: check`. */
  check: string;
  /** The part of neural_net.ts it exercises, for its failure message. */
  exercises: string;
  /** Points for passing it. */
  points: number;
  /** True for the bonus question's points (added on top of the total). */
  bonus: boolean;
  /**
   * Seconds the student's code may run in this check before it is
   * stopped. The defaults are over 10 times the longest the instructor's
   * edition took on a 2-core machine loaded with two busy processes
   * (2026-12-02): at most 2.1 s for a toy check (30 s here), 49 s for
   * the first CIFAR-10 run on BLAS and 19 s on WebAssembly, where the
   * checks run now (500 s here).
   */
  timeLimit: number;
}

/**
 * Seconds a check may take to get ready before the student's code runs:
 * starting Deno and, for the CIFAR-10 check, loading the data (a first run
 * downloads 133 MB). Not counted in a step's time limit.
 */
export const SETUP_LIMIT = 900;

/** The workbook's steps, each with the heading its notebook cell has. */
export const LABELS = {
  forward: "Compute forward pass scores (In[109])",
  loss: "Forward pass loss (In[110])",
  backward: "Backward pass (In[111])",
  training: "Training the network (In[112])",
  sgd: "Running SGD (In[114])",
  search: "Optimize the neural network (In[63])",
  bonus: "Bonus Question (In[104], In[105])",
} as const;

/** The checks, in the workbook's order. */
export const STEPS: readonly Step[] = [
  {
    id: "forward",
    label: LABELS.forward,
    check: "your scores match the correct scores",
    exercises:
      "TwoLayerNet.loss(X) without labels: the forward pass, ReLU(X W1ᵀ + b1) W2ᵀ + b2, and the given constructor",
    points: 10,
    bonus: false,
    timeLimit: 30,
  },
  {
    id: "loss",
    label: LABELS.loss,
    check: "MSE plus regularization",
    exercises:
      "TwoLayerNet.loss(X, y, reg): the data loss (mseLoss) plus the regularization loss 0.5 * reg * (‖W1‖² + ‖W2‖²)",
    points: 10,
    bonus: false,
    timeLimit: 30,
  },
  {
    id: "backward",
    label: LABELS.backward,
    check: "every gradient's relative error is below 1e-8",
    exercises:
      "the gradients TwoLayerNet.loss returns for W1, b1, W2, b2 with the MSE loss: your forward pass, mseLoss's dscores and the regularization loss, through the given backward pass",
    points: 5,
    bonus: false,
    timeLimit: 30,
  },
  {
    id: "training",
    label: LABELS.training,
    check: "the toy training's final loss is below 0.05",
    exercises:
      "TwoLayerNet.train: the minibatch, the parameter update and the learning-rate decay, with loss and predict",
    points: 10,
    bonus: false,
    timeLimit: 30,
  },
  {
    id: "predict",
    label: LABELS.training,
    check: "predict gives each row's highest-scoring class",
    exercises:
      "TwoLayerNet.predict, against the scores of your TwoLayerNet.loss(X)",
    points: 5,
    bonus: false,
    timeLimit: 30,
  },
  {
    id: "sgd",
    label: LABELS.sgd,
    check: "the first CIFAR-10 run's validation accuracy is 15-18%",
    exercises:
      "TwoLayerNet.train and predict on CIFAR-10 (49,000 rows of 3,072 values), with the forward pass, the MSE loss and the regularization loss",
    points: 10,
    bonus: false,
    timeLimit: 500,
  },
  {
    id: "softmax",
    label: LABELS.bonus,
    check: "the softmax loss is 1.071696123862817",
    exercises:
      "softmaxLoss through TwoLayerNet.loss with net.dataLoss = softmaxLoss, and the regularization loss",
    points: 10,
    bonus: true,
    timeLimit: 30,
  },
  {
    id: "softmax-gradients",
    label: LABELS.bonus,
    check: "every softmax gradient's relative error is below 1e-8",
    exercises: "softmaxLoss's dscores, through the given backward pass",
    points: 10,
    bonus: true,
    timeLimit: 30,
  },
];

/** What the grader does not grade: the notebook's parts, graded by hand. */
export const NOT_GRADED_HERE =
  `${LABELS.search} (its points scale with the validation accuracy, see its cell), the written answers and the bonus's results in the notebook`;

/**
 * What neural_net.ts may import, by module: the names its header lists.
 * Type-only imports (`import type`, `type X`) of these modules are always
 * allowed; other modules are refused, and so are namespace imports and
 * `import()`. Files of the edition's folder that neural_net.ts imports
 * follow the same rule. The library's network, losses and trainer compute
 * the parts a student writes, so they are not here.
 */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  "@twolayer/net": ["accuracy", "Matrix", "random"],
  "@twolayer/net/ops": [
    "add",
    "addScaled",
    "argmax",
    "div",
    "exp",
    "log",
    "matmul",
    "matmulT",
    "max",
    "maximum",
    "mean",
    "mul",
    "oneHot",
    "pick",
    "randn",
    "reluGrad",
    "sub",
    "sum",
    "sumSquares",
    "take",
    "takeRows",
    "tMatmul",
  ],
};
