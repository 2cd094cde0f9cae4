"""Writes tests/fixtures/optimizers.json: the update rules of CS231n's
optim.py run by numpy, for the TypeScript optimizers to match to 1e-12.

- "rules": each rule applied to fixed parameters for 12 steps of random
  gradients, the learning rate decayed by 0.9 every 4 steps;
- "training": the workbook's toy network (mse loss, seed 0 weights, seed 1
  data) trained 30 iterations by each rule on np.random.RandomState(7), and
  once with random horizontal flips of 2 x 2 x 1 images.

Run from the project root: python3 tools/make_optimizer_fixtures.py
"""
import base64
import json

import numpy as np


def f64(a):
    return base64.b64encode(np.asarray(a, dtype="<f8").tobytes()).decode()


class Rule:
    """optim.py's sgd, sgd_momentum, nesterov (CS231n notes) and adam."""

    def __init__(self, name, mu=0.9, beta1=0.9, beta2=0.999, eps=1e-8):
        self.name, self.mu = name, mu
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.state = {}

    def update(self, key, w, dw, lr):
        s = self.state.setdefault(key, {"v": np.zeros_like(w),
                                        "m": np.zeros_like(w), "t": 0})
        if self.name == "sgd":
            w -= lr * dw
        elif self.name == "momentum":
            s["v"] = self.mu * s["v"] - lr * dw
            w += s["v"]
        elif self.name == "nesterov":
            v_prev = s["v"]
            s["v"] = self.mu * s["v"] - lr * dw
            w += -self.mu * v_prev + (1 + self.mu) * s["v"]
        else:
            s["t"] += 1
            t = s["t"]
            s["m"] = self.beta1 * s["m"] + (1 - self.beta1) * dw
            mt = s["m"] / (1 - self.beta1**t)
            s["v"] = self.beta2 * s["v"] + (1 - self.beta2) * (dw**2)
            vt = s["v"] / (1 - self.beta2**t)
            w -= lr * mt / (np.sqrt(vt) + self.eps)


RULES = [("sgd", {}), ("momentum", {"mu": 0.9}), ("nesterov", {"mu": 0.8}),
         ("adam", {})]
OPTIONS = {"sgd": {}, "momentum": {"momentum": 0.9},
           "nesterov": {"momentum": 0.8}, "adam": {}}

rules = []
for name, kw in RULES:
    rng = np.random.RandomState(3)
    params = [rng.randn(5, 3), rng.randn(7)]
    start = [p.copy() for p in params]
    grads = [[rng.randn(*p.shape) for p in params] for _ in range(12)]
    rule, lr = Rule(name, **kw), 1e-2
    for step, g in enumerate(grads):
        for k, p in enumerate(params):
            rule.update(k, p, g[k], lr)
        if step % 4 == 3:
            lr *= 0.9
    rules.append({
        "options": {"optimizer": name, **OPTIONS[name]},
        "start": [f64(p) for p in start],
        "grads": [[f64(x) for x in g] for g in grads],
        "end": [f64(p) for p in params],
    })


def train(rule, flip=False, lr=1e-1, iters=30, reg=5e-6, decay=0.95, bs=200):
    """The workbook's TwoLayerNet.train on its toy problem (N=5 < batch)."""
    np.random.seed(0)
    W1 = 1e-1 * np.random.randn(10, 4)
    W2 = 1e-1 * np.random.randn(3, 10)
    b1, b2 = np.zeros(10), np.zeros(3)
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    stream = np.random.RandomState(7)
    losses = []
    for it in range(iters):
        idx = stream.choice(5, bs)
        Xb, yb = X[idx].copy(), y[idx]
        if flip:
            f = stream.rand(bs) < 0.5
            images = Xb.reshape(bs, 2, 2, 1)
            images[f] = images[f][:, :, ::-1, :]
            Xb = images.reshape(bs, 4)
        h = np.maximum(0, Xb @ W1.T + b1)
        scores = h @ W2.T + b2
        Y = np.eye(3)[yb]
        loss = np.sum((scores - Y) ** 2) / (2 * bs)
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dscores = (scores - Y) / bs
        dW2 = dscores.T @ h + reg * W2
        db2 = dscores.sum(0)
        dh = dscores @ W2
        dh[h <= 0] = 0
        dW1 = dh.T @ Xb + reg * W1
        db1 = dh.sum(0)
        for k, (p, g) in enumerate([(W1, dW1), (b1, db1), (W2, dW2), (b2, db2)]):
            rule.update(k, p, g, lr)
        losses.append(loss)
        lr *= decay  # every iteration ends an epoch when N < batch size
    return {"losses": losses, "params": [f64(p) for p in [W1, b1, W2, b2]]}


training = []
for name, kw in RULES:
    lr = 1e-2 if name == "adam" else 1e-1
    training.append({"options": {"optimizer": name, **OPTIONS[name],
                                 "learningRate": lr},
                     **train(Rule(name, **kw), lr=lr)})
training.append({"options": {"optimizer": "sgd", "learningRate": 1e-1,
                             "augment": {"flipHorizontal": True,
                                         "imageShape": [2, 2, 1]}},
                 **train(Rule("sgd"), flip=True)})

with open("tests/fixtures/optimizers.json", "w") as f:
    json.dump({"numpy": np.__version__, "rules": rules,
               "training": training}, f)
