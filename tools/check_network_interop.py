"""Checks that Python reads the network files this library writes: a
float64 and a float32 network saved by TwoLayerNet.save as .safetensors and
.npz, read back with safetensors.numpy.load_file and np.load (no pickle),
must give W1 (H x D), b1, W2 (C x H), b2 of the network's dtype with the
values the library printed, and the metadata it wrote.

Run from the project root: python3 tools/check_network_interop.py
(needs numpy, safetensors and deno)
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

WRITE = """
import { RandomState, TwoLayerNet } from "./mod.ts";
const [dir] = Deno.args;
const out: Record<string, unknown> = {};
for (const dtype of ["float64", "float32"] as const) {
  const net = new TwoLayerNet(7, 5, 3, { std: 1, rng: new RandomState(4), loss: "softmax", dtype });
  net.meanImage = new Float64Array(7).map((_, i) => 100 + i / 3);
  net.trainingSettings = { learningRate: 1e-3, optimizer: "adam" };
  await net.save(`${dir}/${dtype}.safetensors`);
  await net.save(`${dir}/${dtype}.npz`);
  out[dtype] = Object.fromEntries(Object.entries(net.params).map(([k, v]) =>
    [k, Array.from("data" in v ? v.data : v)]));
}
console.log(JSON.stringify(out));
"""

with tempfile.TemporaryDirectory() as tmp:
    script = f"{tmp}/write.ts"
    with open(script, "w") as f:
        f.write(WRITE.replace("./mod.ts", f"{os.getcwd()}/mod.ts"))
    run = subprocess.run(
        ["deno", "run", "--config", "deno.json", "--allow-read", "--allow-env",
         f"--allow-write={tmp}",
         script, tmp], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    written = json.loads(run.stdout)
    shapes = {"W1": (5, 7), "b1": (5,), "W2": (3, 5), "b2": (3,)}
    for dtype in ["float64", "float32"]:
        st = load_file(f"{tmp}/{dtype}.safetensors")
        with safe_open(f"{tmp}/{dtype}.safetensors", "np") as f:
            meta = f.metadata()
        npz = np.load(f"{tmp}/{dtype}.npz", allow_pickle=False)
        for name, shape in shapes.items():
            want = np.array(written[dtype][name], dtype=dtype).reshape(shape)
            for source, arrays in [("safetensors", st), ("npz", npz)]:
                got = arrays[name]
                assert got.dtype == np.dtype(dtype), (source, name, got.dtype)
                assert got.shape == shape, (source, name, got.shape)
                assert np.array_equal(got, want), (source, name)
        for arrays in [st, npz]:
            assert arrays["mean_image"].dtype == np.float64
            assert np.array_equal(arrays["mean_image"], 100 + np.arange(7) / 3)
        assert meta["loss"] == "softmax" and meta["dtype"] == dtype, meta
        assert json.loads(meta["training"])["optimizer"] == "adam", meta
        assert str(npz["loss"]) == "softmax"
        assert json.loads(str(npz["training"]))["learningRate"] == 1e-3
        print(f"{dtype}: safetensors.numpy.load_file and np.load read "
              f"{sorted(npz.files)} bit for bit; metadata {meta}")
