"""Writes the .npz fixtures that hold more than a network, as numpy users
save them: the network of tests/fixtures/networks/expected.json (the same
stream as tools/make_network_fixtures.py) beside arrays and files the
loader must skip, and a loss and settings saved as other kinds of string.

- numpy_extras.npz (np.savez_compressed): W1, b1, W2, b2, mean_image, an
  int64 array, a string array, the loss history as `loss` (floats, not a
  name), and a text file added with zipfile.
- numpy_loss_bytes.npz (np.savez): `loss` as a 0-d byte string and
  `training` as a 1-d array of one unicode string.

Run from the project root: python3 tools/make_npz_extra_fixtures.py
(needs numpy)
"""
import json
import zipfile

import numpy as np

OUT = "tests/fixtures/networks"
rng = np.random.RandomState(12)
params = {
    "W1": rng.randn(3, 4),
    "b1": rng.randn(3),
    "W2": rng.randn(2, 3),
    "b2": rng.randn(2),
}
mean_image = rng.rand(4) * 255

extras = f"{OUT}/numpy_extras.npz"
np.savez_compressed(
    extras,
    mean_image=mean_image,
    counts=np.array([3, 1, 4], dtype=np.int64),
    names=np.array(["cat", "ship"]),
    loss=np.array([2.302, 2.1, 1.95]),
    **params,
)
with zipfile.ZipFile(extras, "a") as z:
    z.writestr("notes.txt", "trained on the toy data\n")

np.savez(
    f"{OUT}/numpy_loss_bytes.npz",
    loss=np.bytes_(b"softmax"),
    training=np.array([json.dumps({"learningRate": 0.001, "numIters": 10})]),
    **params,
)

# numpy reads both, extras and all.
with np.load(extras) as f:
    assert sorted(f.files) == sorted(
        ["W1", "b1", "W2", "b2", "mean_image", "counts", "names", "loss",
         "notes.txt"])
    assert f["counts"].dtype == np.int64
with np.load(f"{OUT}/numpy_loss_bytes.npz") as f:
    assert f["loss"].dtype.kind == "S" and f["training"].shape == (1,)
