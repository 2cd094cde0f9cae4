/**
 * Every number the workbook prints (plus the corrected values that
 * `REFERENCE.md` gives for its softmax bug), for the steps'
 * checks and the comparison report.
 *
 * @module
 */

/** The workbook's printed numbers, cell by cell. */
export const WORKBOOK_REFERENCE = {
  /** "correct scores" of the toy forward pass (rounded to 8 decimals). */
  toyScores: [
    [-1.07260209, 0.05083871, -0.87253915],
    [-2.02778743, -0.10832494, -1.52641362],
    [-0.74225908, 0.15259725, -0.39578548],
    [-0.38172726, 0.10835902, -0.17328274],
    [-0.64417314, -0.18886813, -0.41106892],
  ],
  /** Sum of absolute differences from the rounded scores. */
  toyScoresDifference: 3.381231204052648e-8,
  /** MSE toy loss with reg 0.05 (`correct_loss_MSE`). */
  toyLossMse: 1.8973332763705641,
  /** Difference between the workbook's loss and the correct one. */
  toyLossDifference: 0,
  /** Maximum relative errors of the gradient check, in printed order. */
  gradientErrors: {
    W2: 6.774278173332322e-11,
    b2: 1.887502392114964e-11,
    W1: 1.7476665046687833e-9,
    b1: 7.382451041178829e-10,
  },
  /** Last loss of the toy training. */
  toyFinalLoss: 0.02950555626206818,
  /** Rows and columns of the three splits. */
  shapes: {
    XTrain: [49000, 3072],
    XVal: [1000, 3072],
    XTest: [1000, 3072],
  },
  /** Verbose losses of the first CIFAR run at iterations 0, 100, ..., 900. */
  firstRunLosses: [
    0.5000623457905099,
    0.49982465294352774,
    0.4995946718475304,
    0.49933536166627984,
    0.4989962372581251,
    0.49847178744773624,
    0.49758927830530253,
    0.4966248113033766,
    0.4958001901438695,
    0.4939583435911163,
  ],
  /** Validation accuracy of the first CIFAR run. */
  firstRunValAcc: 0.172,
  /** `stats['train_acc_history']` of the first CIFAR run. */
  firstRunTrainAcc: [0.09, 0.15, 0.225, 0.195, 0.225],
  /** Training rows counted by the analysis cell. */
  totalTraining: 49000,
  /** Examples per class in the training split. */
  trainCounts: [4913, 4881, 4921, 4888, 4922, 4902, 4898, 4893, 4887, 4895],
  /** Examples per class in the validation split. */
  valCounts: [87, 119, 79, 112, 78, 98, 102, 107, 113, 105],
  /** The workbook's best validation accuracy (lr 9e-4, decay 0.94, 1,100 iterations). */
  tunedValAcc: 0.522,
  /** Test accuracy of the workbook's best network. */
  testAcc: 0.479,
  /** The kNN test accuracy the workbook's answer compares with. */
  knnTestAcc: 0.282,
  /** Correct softmax toy loss with reg 0.05 (REFERENCE.md). */
  softmaxToyLoss: 1.071696123862817,
  /** The workbook's softmax toy loss, from a wrong formula. */
  workbookSoftmaxToyLoss: 3.6604469087734133,
  /** The workbook's first softmax CIFAR loss (10 ln 10: the same bug). */
  workbookSoftmaxFirstLoss: 23.025927763270573,
  /** The workbook's softmax CIFAR validation accuracy (same bug). */
  workbookSoftmaxValAcc: 0.465,
} as const;
