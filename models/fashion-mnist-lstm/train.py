#!/usr/bin/python3
"""Trains the LSTM that cnv2 ships on the real Fashion-MNIST training set and exports it to ONNX.

Each 28x28 image is read row by row: a sequence of 28 time steps of 28 features (the pixels of one
row). One LSTM layer (hidden 64) reads the rows top to bottom; a Linear layer classifies its last
hidden state.

Run with Debian's PyTorch (apt-get install python3-torch python3-onnx dataset-fashion-mnist):

    /usr/bin/python3 models/fashion-mnist-lstm/train.py [--epochs 6] [--data /usr/share/datasets/fashion-mnist]
    /usr/bin/python3 models/fashion-mnist-lstm/train.py --export-only WEIGHTS.pt   (re-export saved weights)

Writes, next to this script:
  fashion_lstm.onnx  ONNX opset 13, one standard LSTM node (forward, default activations), batch 1
  metrics.json       test top-1 measured here on the 10,000 test images (a fraction)
Input: [1, 1, 28, 28] float32, pixel / 255 (the same tensor as the shipped CNN; a Reshape inside the
graph makes it [1, 28, 28] = [batch, rows, pixels]). Output: [1, 10] logits.
The 1,000 sample images the tests use are the CNN's (../fashion-mnist/sample).
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN = 64


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


class FashionLstm(nn.Module):
    def __init__(self, hidden=HIDDEN):
        super().__init__()
        self.lstm = nn.LSTM(28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        rows = x.reshape(-1, 28, 28)  # [N, 1, 28, 28] -> [N, time = image row, features = pixels]
        _, (h, _) = self.lstm(rows)  # h: [layers = 1, N, hidden], the state after the last row
        return self.fc(h.squeeze(0))


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            correct += (model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item()
    return correct / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--seed", type=int, default=2016)
    p.add_argument("--save-weights", help="also save the trained state_dict here (not shipped)")
    p.add_argument("--export-only", help="skip training; load this state_dict and export")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(os.cpu_count() or 1)

    def load(split):
        x = read_idx(os.path.join(a.data, f"{split}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(a.data, f"{split}-labels-idx1-ubyte.gz"))
        return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(y.astype(np.int64))

    test_x, test_y = load("t10k")
    model = FashionLstm()
    if a.export_only:
        model.load_state_dict(torch.load(a.export_only))
    else:
        train_x, train_y = load("train")
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        steps = a.epochs * ((len(train_x) + 127) // 128)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)
        for epoch in range(a.epochs):
            model.train()
            perm = torch.randperm(len(train_x))
            start = time.time()
            for i in range(0, len(train_x), 128):
                idx = perm[i:i + 128]
                loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
                sched.step()
            print(f"epoch {epoch + 1}/{a.epochs}: loss {loss.item():.4f}, test top-1 "
                  f"{accuracy(model, test_x, test_y):.4f} ({time.time() - start:.0f} s)", flush=True)
        if a.save_weights:
            torch.save(model.state_dict(), a.save_weights)

    model.eval()
    top1 = accuracy(model, test_x, test_y)
    # batch 1 and constant folding: the exporter's gate reordering (PyTorch i,f,g,o to ONNX i,o,f,c)
    # and the zero initial state become initializers, so the LSTM node reads constants only
    torch.onnx.export(model, test_x[:1], os.path.join(HERE, "fashion_lstm.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    with open(os.path.join(HERE, "metrics.json"), "w") as f:
        json.dump({"dataset": "Fashion-MNIST test set (10,000 images, Debian dataset-fashion-mnist)",
                   "test_top1": top1, "epochs": a.epochs, "seed": a.seed, "hidden": HIDDEN,
                   "torch": torch.__version__, "input": "[1,1,28,28] float32, pixel/255, read as 28 rows of 28",
                   "output": "[1,10] logits"}, f, indent=2)
        f.write("\n")
    print(f"test top-1 {top1:.4f}; wrote fashion_lstm.onnx, metrics.json")


if __name__ == "__main__":
    main()
