"""Writes tests/fixtures/epochs.json: the workbook's TwoLayerNet.train loop
(neural_net.py) run by numpy on small problems where N / batch_size is
whole and where it is not, for the trainer to match on every backend.

The loop is the workbook's: `iterations_per_epoch = max(num_train /
batch_size, 1)` (a float) and an epoch ends where `it %
iterations_per_epoch == 0` (Python's float modulo). One case also runs the
trainer's `epochEnd: "ceil"` rule (epoch k ends at iteration
ceil(k N / batch_size)) in numpy. Every array is stored as little-endian
float64 in base64, so the TypeScript side starts from numpy's exact data
and weights; the minibatches come from np.random.RandomState(seed).choice,
which the library's RandomState reproduces exactly.

Run from the project root: python3 tools/make_epoch_fixtures.py
"""
import base64
import json

import numpy as np


def f64(a):
    return base64.b64encode(np.asarray(a, dtype="<f8").tobytes()).decode()


def loss_and_grads(params, X, y, reg, loss):
    """The workbook's TwoLayerNet.loss (W1 is H x D, W2 is C x H)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X @ W1.T + b1)
    scores = h @ W2.T + b2
    Y = np.eye(W2.shape[0])[y]
    if loss == "mse":
        data_loss = np.sum((scores - Y) ** 2) / (2 * N)
        dscores = (scores - Y) / N
    else:
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(axis=1, keepdims=True)
        data_loss = -np.mean(np.log(p[np.arange(N), y]))
        dscores = (p - Y) / N
    value = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dh = dscores @ W2
    dh[h <= 0] = 0
    grads = {
        "W1": dh.T @ X + reg * W1,
        "b1": dh.sum(axis=0),
        "W2": dscores.T @ h + reg * W2,
        "b2": dscores.sum(axis=0),
    }
    return value, grads


def predict(params, X):
    h = np.maximum(0, X @ params["W1"].T + params["b1"])
    return np.argmax(h @ params["W2"].T + params["b2"], axis=1)


def ends_epoch(it, num_train, batch_size, rule):
    if rule == "workbook":
        iterations_per_epoch = max(num_train / batch_size, 1)
        return it % iterations_per_epoch == 0
    # "ceil": epoch k ends at the first iteration by which k epochs' worth
    # of rows have been drawn.
    return it == 0 or (it * batch_size // num_train
                       > (it - 1) * batch_size // num_train)


def train(params, X, y, X_val, y_val, stream, learning_rate,
          learning_rate_decay, reg, num_iters, batch_size, loss, rule):
    """neural_net.py's train, with the epoch rule as a parameter."""
    num_train = X.shape[0]
    loss_history, train_acc_history, val_acc_history, epoch_ends = [], [], [], []
    for it in range(num_iters):
        idx = stream.choice(num_train, batch_size)
        X_batch, y_batch = X[idx], y[idx]
        value, grads = loss_and_grads(params, X_batch, y_batch, reg, loss)
        loss_history.append(value)
        for name in ("W1", "b1", "W2", "b2"):
            params[name] -= learning_rate * grads[name]
        if ends_epoch(it, num_train, batch_size, rule):
            train_acc_history.append(
                float((predict(params, X_batch) == y_batch).mean()))
            val_acc_history.append(
                float((predict(params, X_val) == y_val).mean()))
            epoch_ends.append(it)
            learning_rate *= learning_rate_decay
    return loss_history, train_acc_history, val_acc_history, epoch_ends


CASES = [
    # (N, batch, iterations, loss, rule): 40 / 7 is not whole (epochs end
    # at 0 only), 50 / 8 = 6.25 is not whole (it % 6.25 == 0 every 25
    # iterations), 60 / 20 = 3 is, and ceil's epochs of 40 / 7.
    (40, 7, 200, "mse", "workbook"),
    (50, 8, 120, "softmax", "workbook"),
    (60, 20, 60, "mse", "workbook"),
    (40, 7, 60, "softmax", "ceil"),
]
D, H, C, M = 6, 8, 3, 30

cases = []
for k, (N, B, iters, loss, rule) in enumerate(CASES):
    data = np.random.RandomState(100 + k)
    X = data.randn(N, D)
    y = data.randint(0, C, N)
    X_val = data.randn(M, D)
    y_val = data.randint(0, C, M)
    params = {
        "W1": 0.1 * data.randn(H, D),
        "b1": np.zeros(H),
        "W2": 0.1 * data.randn(C, H),
        "b2": np.zeros(C),
    }
    start = {name: p.copy() for name, p in params.items()}
    options = {"learningRate": 0.5 if loss == "softmax" else 0.2,
               "learningRateDecay": 0.9, "reg": 1e-3, "numIters": iters,
               "batchSize": B}
    losses, train_acc, val_acc, ends = train(
        params, X, y, X_val, y_val, np.random.RandomState(200 + k),
        options["learningRate"], options["learningRateDecay"],
        options["reg"], iters, B, loss, rule)
    cases.append({
        "N": N, "loss": loss, "epochEnd": rule, "seed": 200 + k,
        "options": options,
        "X": f64(X), "y": y.tolist(), "XVal": f64(X_val), "yVal": y_val.tolist(),
        "start": [f64(start[n]) for n in ("W1", "b1", "W2", "b2")],
        "lossHistory": f64(losses), "trainAccHistory": train_acc,
        "valAccHistory": val_acc, "epochEnds": ends,
        "end": [f64(params[n]) for n in ("W1", "b1", "W2", "b2")],
    })

# Where the workbook's rule ends the first epoch after iteration 0: the
# numerator of iterations_per_epoch as a fraction (a power of two below).
first_ends = []
for N, B in [(40, 7), (50, 8), (49000, 128), (49000, 200), (5, 200)]:
    x = max(N / B, 1)
    p, q = x.as_integer_ratio()
    assert p % x == 0 and all((p - d) % x != 0 for d in range(1, min(p, 1000)))
    first_ends.append({"N": N, "batchSize": B, "iteration": p})

with open("tests/fixtures/epochs.json", "w") as f:
    json.dump({"numpy": np.__version__, "D": D, "H": H, "C": C,
               "cases": cases, "firstEpochEnds": first_ends}, f)
