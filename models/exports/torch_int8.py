#!/usr/bin/python3
"""Export the shipped Fashion-MNIST CNN as an int8 ONNX model made by Debian's PyTorch itself.

    /usr/bin/python3 models/exports/torch_int8.py

PyTorch's eager-mode static quantisation (fbgemm: uint8 activations, per-channel int8 weights,
BatchNorm and ReLU fused into the convs; the exporter has no
quantized::linear_relu, so the fully connected layer keeps its ReLU apart), calibrated on the first 100 images of the shipped
Fashion-MNIST sample, exported with torch.onnx.export(opset_version=13). The exporter writes a QDQ
graph in its own way (weights, scales and zero points in Constant nodes, a Cast between every
QuantizeLinear and DequantizeLinear, bias zero points made by ConstantOfShape), which is what the
test `TorchInt8ExportTest` imports. Writes fashion_cnn_int8_torch.onnx beside this script.
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "models", "fashion-mnist"))
from train import FashionCnn, read_idx  # noqa: E402


class QuantisableCnn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.conv1, self.bn1, self.relu1 = f.conv1, f.bn1, nn.ReLU()
        self.conv2, self.bn2, self.relu2 = f.conv2, f.bn2, nn.ReLU()
        self.conv3, self.relu3 = f.conv3, nn.ReLU()
        self.fc1, self.relu4 = f.fc1, nn.ReLU()
        self.fc2 = f.fc2
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.quant(x)
        x = self.pool(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool(self.relu2(self.bn2(self.conv2(x))))
        x = self.relu3(self.conv3(x))
        x = self.relu4(self.fc1(torch.flatten(x, 1)))
        return self.dequant(self.fc2(x))


def main():
    f = FashionCnn()
    ts = torch.jit.load(os.path.join(ROOT, "models", "fashion-mnist", "fashion_cnn.pt"))
    f.load_state_dict(ts.state_dict())
    m = QuantisableCnn(f).eval()
    torch.ao.quantization.fuse_modules(m, [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"],
                                           ["conv3", "relu3"]], inplace=True)
    m.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.prepare(m, inplace=True)
    images = read_idx(os.path.join(ROOT, "models", "fashion-mnist", "sample", "t10k-images-idx3-ubyte.gz"))
    with torch.no_grad():
        for i in range(100):
            m(torch.from_numpy(images[i:i + 1].astype(np.float32) / 255.0).unsqueeze(1))
    torch.ao.quantization.convert(m, inplace=True)
    out = os.path.join(HERE, "fashion_cnn_int8_torch.onnx")
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), out, opset_version=13, input_names=["image"],
                      output_names=["logits"])
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
