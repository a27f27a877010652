"""from_pytorch.py — a network trained in PyTorch, saved for `nncc --emit infer`.

    python3 from_pytorch.py model.safetensors              writes the weights
    python3 from_pytorch.py model.safetensors inputs.csv   also prints the model's outputs for
                                                           each row, to check the kernel against
Needs torch and numpy; not the safetensors package (the format is 8 bytes, JSON, raw data).
"""
import json
import struct
import sys

import numpy as np
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(  # matches pytorch_net.yaml: 4 -> 8 (relu) -> 3 (softmax)
    torch.nn.Linear(4, 8), torch.nn.ReLU(),
    torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1))
# ... train the model here ...

# nncc's tensor names: layers.I.weight (units, fan_in) and layers.I.bias (units), I counting the
# Linear layers only (Sequential numbers the activations too: model[2] is the second Linear).
tensors = {}
for i, linear in enumerate(m for m in model if isinstance(m, torch.nn.Linear)):
    tensors[f"layers.{i}.weight"] = linear.weight.detach().numpy()
    tensors[f"layers.{i}.bias"] = linear.bias.detach().numpy()
# Optional: the inputs' normalisation x' = (x - offset) * scale, if the model was trained on
# normalised data; the kernel then takes raw inputs.
# tensors["input.offset"] = mean;  tensors["input.scale"] = 1 / std


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = np.ascontiguousarray(t, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # pad the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


save_safetensors(sys.argv[1] if len(sys.argv) > 1 else "model.safetensors", tensors)

if len(sys.argv) > 2:
    x = torch.tensor(np.loadtxt(sys.argv[2], delimiter=",", ndmin=2), dtype=torch.float32)
    with torch.no_grad():
        for row in model(x).numpy():
            print(",".join("%.9g" % v for v in row))
