"""Writes tests/fixtures/networks/: small networks (D=4, H=3, C=2) saved by
Python's safetensors and by numpy, for the loader's interoperability tests,
and expected.json with their values.

Run from the project root: python3 tools/make_network_fixtures.py
(needs numpy and safetensors)
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

OUT = "tests/fixtures/networks"
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(12)
params = {
    "W1": rng.randn(3, 4),
    "b1": rng.randn(3),
    "W2": rng.randn(2, 3),
    "b2": rng.randn(2),
}
mean_image = rng.rand(4) * 255

save_file(params, f"{OUT}/python.safetensors",
          metadata={"loss": "softmax", "source": "safetensors.numpy"})
save_file({k: v.astype(np.float32) for k, v in params.items()},
          f"{OUT}/python_f32.safetensors")
np.savez(f"{OUT}/numpy.npz", mean_image=mean_image, **params)
np.savez_compressed(f"{OUT}/numpy_compressed.npz", **params)
# A student's W1 kept as the transpose of a D x H array: Fortran order.
np.savez(f"{OUT}/numpy_fortran.npz", **{**params, "W1": params["W1"].T.copy().T})
assert not np.load(f"{OUT}/numpy_fortran.npz")["W1"].flags.c_contiguous

with open(f"{OUT}/expected.json", "w") as f:
    json.dump({
        "numpy": np.__version__,
        **{k: v.ravel().tolist() for k, v in params.items()},
        "W1_f32": params["W1"].astype(np.float32).ravel().tolist(),
        "mean_image": mean_image.tolist(),
    }, f, indent=1)
