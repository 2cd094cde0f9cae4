"""Writes tests/fixtures/random_stream.json: numpy's legacy random stream
(np.random.seed / randn / rand / randint / choice) for several seeds, so the
TypeScript RandomState can be checked value for value.

Run from the project root: python3 tools/make_random_fixtures.py
"""
import base64
import json

import numpy as np


def f64(a):
    return base64.b64encode(np.asarray(a, dtype="<f8").tobytes()).decode()


def i32(a):
    return base64.b64encode(np.asarray(a, dtype="<i4").tobytes()).decode()


# Each step runs in order on one stream, so cached normals and partly used
# key blocks carry across calls exactly as in the workbook.
cases = []
for seed in [0, 1, 42, 2024, 31337, 2**32 - 1]:
    np.random.seed(seed)
    steps = []
    steps.append({"op": "randn", "n": 20001, "values": f64(np.random.randn(20001))})
    steps.append({"op": "rand", "n": 5000, "values": f64(np.random.rand(5000))})
    for low, high in [(0, 10), (0, 49000), (-5, 5), (0, 2**31), (7, 8)]:
        steps.append({"op": "randint", "low": low, "high": high, "n": 2000,
                      "values": i32(np.random.randint(low, high, 2000))})
    steps.append({"op": "choice", "n": 49000, "size": 2000,
                  "values": i32(np.random.choice(49000, 2000))})
    steps.append({"op": "randn", "n": 3, "values": f64(np.random.randn(3))})
    cases.append({"seed": seed, "steps": steps})

with open("tests/fixtures/random_stream.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f)
