"""Re-exports fashion_cnn.pt with its cnv2 graph card (models/torchscript_card.py), keeping the
trained weights: they are read back from the existing fashion_cnn.pt. train.py does the same
when it trains. Run with Debian's PyTorch: /usr/bin/python3 models/fashion-mnist/export_torchscript.py"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torchscript_card  # noqa: E402
from train import FashionCnn  # noqa: E402


def main():
    path = os.path.join(HERE, "fashion_cnn.pt")
    model = FashionCnn()
    model.load_state_dict(torch.jit.load(path).state_dict())
    model.eval()
    torchscript_card.save(model, torch.zeros(1, 1, 28, 28), path)
    print(f"wrote {path} with cnv2.graph.json")


if __name__ == "__main__":
    main()
