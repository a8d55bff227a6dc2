#!/usr/bin/python3
"""Trains the CNN that cnv2 ships on the real Fashion-MNIST training set and exports it.

Run with Debian's PyTorch (apt-get install python3-torch python3-onnx dataset-fashion-mnist):

    /usr/bin/python3 models/fashion-mnist/train.py [--epochs 6] [--data /usr/share/datasets/fashion-mnist]

Writes, next to this script:
  fashion_cnn.onnx   ONNX opset 13, BatchNormalization kept as nodes (cnv2 folds them itself)
  fashion_cnn.pt     TorchScript; forward() gives logits, layer_outputs() every layer's output
  metrics.json       test top-1 measured here on the 10,000 test images (a fraction)
  sample/            the first 1,000 test images and labels, IDX gzip (MIT-licensed data)
Input: [N, 1, 28, 28] float32, pixel / 255. Output: [N, 10] logits.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
from typing import Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import torchscript_card  # noqa: E402  (models/torchscript_card.py)

HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    if magic == 0x801:
        return np.frombuffer(data, np.uint8, offset=8)
    raise ValueError(f"{path}: unknown IDX magic {magic:#x}")


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 24, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        self.conv2 = nn.Conv2d(24, 48, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(48)
        self.conv3 = nn.Conv2d(48, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.conv3(x))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(self.drop(x))

    @torch.jit.export
    def layer_outputs(self, x) -> Dict[str, torch.Tensor]:
        """Every accelerator layer's output (after its activation), for cnv2's DJL instrumentation."""
        out: Dict[str, torch.Tensor] = {}
        x = F.relu(self.bn1(self.conv1(x)))
        out["conv1"] = x
        x = F.max_pool2d(x, 2)
        x = F.relu(self.bn2(self.conv2(x)))
        out["conv2"] = x
        x = F.max_pool2d(x, 2)
        x = F.relu(self.conv3(x))
        out["conv3"] = x
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        out["fc1"] = x
        out["fc2"] = self.fc2(x)
        return out


def write_idx_gz(path, array, magic):
    header = struct.pack(">II", magic, array.shape[0])
    if array.ndim == 3:
        header += struct.pack(">II", array.shape[1], array.shape[2])
    # mtime=0 keeps the committed sample byte-identical across runs
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            logits = model(images[i:i + 1000])
            correct += (logits.argmax(1) == labels[i:i + 1000]).sum().item()
    return correct / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--seed", type=int, default=2016)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 1)

    def load(split):
        x = read_idx(os.path.join(a.data, f"{split}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(a.data, f"{split}-labels-idx1-ubyte.gz"))
        return x, torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(y.astype(np.int64))

    _, train_x, train_y = load("train")
    test_raw, test_x, test_y = load("t10k")
    model = FashionCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=a.epochs * (len(train_x) // 128 + 1))
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(train_x))
        start = time.time()
        for i in range(0, len(train_x), 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss.item():.4f}, test top-1 "
              f"{accuracy(model, test_x, test_y):.4f} ({time.time() - start:.0f} s)", flush=True)

    model.eval()
    top1 = accuracy(model, test_x, test_y)
    example = test_x[:1]
    torch.onnx.export(model, example, os.path.join(HERE, "fashion_cnn.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"], do_constant_folding=False,
                      training=torch.onnx.TrainingMode.EVAL,
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    torchscript_card.save(model, example, os.path.join(HERE, "fashion_cnn.pt"))  # with the cnv2 graph card
    with open(os.path.join(HERE, "metrics.json"), "w") as f:
        json.dump({"dataset": "Fashion-MNIST test set (10,000 images, Debian dataset-fashion-mnist)",
                   "test_top1": top1, "epochs": a.epochs, "seed": a.seed,
                   "torch": torch.__version__, "input": "[N,1,28,28] float32, pixel/255",
                   "output": "[N,10] logits"}, f, indent=2)
        f.write("\n")
    sample = os.path.join(HERE, "sample")
    os.makedirs(sample, exist_ok=True)
    write_idx_gz(os.path.join(sample, "t10k-images-idx3-ubyte.gz"), test_raw[:1000], 0x803)
    write_idx_gz(os.path.join(sample, "t10k-labels-idx1-ubyte.gz"), test_y[:1000].numpy(), 0x801)
    print(f"test top-1 {top1:.4f}; wrote fashion_cnn.onnx, fashion_cnn.pt, metrics.json, sample/")


if __name__ == "__main__":
    main()
