"""Save, load, a damaged file refused, and ONNX export checked with onnxruntime."""
import numpy as np

import glassnet as gn

model = gn.Sequential([gn.layers.Dense(8, activation="relu", input_dim=4),
                       gn.layers.Dense(3, activation="softmax")], seed=0)
X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
gn.save(model, "model.safetensors")
same = gn.load("model.safetensors")
print("predictions bitwise equal after loading:", np.array_equal(model.predict(X), same.predict(X)))
print("metadata:", sorted(gn.io.read_metadata("model.safetensors")))

data = bytearray(open("model.safetensors", "rb").read())
data[-3] ^= 0xFF                                           # change one byte of the weights
open("damaged.safetensors", "wb").write(bytes(data))
try:
    gn.load("damaged.safetensors")
except gn.io.ModelFileError as err:
    print("ModelFileError:", err)

import onnxruntime  # noqa: E402  (pip install "glassnet[onnx]")

gn.io.export_onnx(model, "model.onnx")
session = onnxruntime.InferenceSession("model.onnx")
onnx_out = session.run(None, {session.get_inputs()[0].name: X})[0]
print("onnxruntime agrees to", f"{np.abs(onnx_out - model.predict(X)).max():.1e}")
