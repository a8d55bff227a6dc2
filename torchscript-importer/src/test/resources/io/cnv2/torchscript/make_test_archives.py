"""Writes the small TorchScript archives that TorchArchiveTest and PickleTest read (a few KB each).

Run with Debian's PyTorch 1.13 from the repository root:
    /usr/bin/python3 torchscript-importer/src/test/resources/io/cnv2/torchscript/make_test_archives.py
The tests never run Python: the .pt files are committed beside this script. The values below are
the ones the tests assert, so change both together.
"""
import os
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Dtypes(nn.Module):
    """One buffer per element type, views that share a storage, and attributes of every kind."""

    label: str
    ratio: float
    count: int
    sizes: List[int]
    weights: List[float]
    flags: List[bool]
    table: Dict[str, int]
    pair: Tuple[int, str]
    nothing: Optional[int]

    def __init__(self):
        super().__init__()
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        self.register_buffer("f32", base)
        # views saved as they are: same storage, other strides or offset
        self.register_buffer("f32_t", base.t())
        self.register_buffer("f32_row1", base[1])
        self.register_buffer("f32_col2", base[:, 2])
        self.register_buffer("f16", torch.tensor(
            [1.0, -2.5, 65504.0, 2.0 ** -14, 2.0 ** -24, float("inf"), -0.0], dtype=torch.float16))
        self.register_buffer("bf16", torch.tensor(
            [1.0, -3.140625, 2.0 ** 100, 2.0 ** -130, float("-inf")], dtype=torch.bfloat16))
        self.register_buffer("f64", torch.tensor([0.1, -1e300], dtype=torch.float64))
        self.register_buffer("i64", torch.tensor([[-1, 2 ** 40], [7, -(2 ** 62)]], dtype=torch.int64))
        self.register_buffer("i32", torch.tensor([-100000, 100000], dtype=torch.int32))
        self.register_buffer("i16", torch.tensor([-300, 300], dtype=torch.int16))
        self.register_buffer("i8", torch.tensor([-128, 127], dtype=torch.int8))
        self.register_buffer("u8", torch.tensor([0, 200, 255], dtype=torch.uint8))
        self.register_buffer("b", torch.tensor([True, False, True]))
        self.register_buffer("scalar", torch.tensor(2.5))
        self.weight = nn.Parameter(torch.tensor([[0.5, -0.25], [1.5, 2.0]]))
        self.label = "dtypes"
        self.ratio = 0.75
        self.count = 3000000000
        self.sizes = [1, -2, 3]
        self.weights = [0.5, 1.5]
        self.flags = [True, False]
        self.table = {"a": 1, "b": 2}
        self.pair = (4, "four")
        self.nothing = None

    def forward(self, x):
        return x * self.weight.sum() + self.f32.sum()


class Scaled(nn.Module):
    """Traced with two plain tensor attributes: tracing turns them into CONSTANTS.c0 and c1."""

    def __init__(self):
        super().__init__()
        self.scale = torch.tensor([2.0, 3.0])
        self.offset = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int64).t()
        self.fc = nn.Linear(2, 2)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
            self.fc.bias.copy_(torch.tensor([0.5, -0.5]))

    def forward(self, x):
        return self.fc(x * self.scale) + self.offset.sum()


def main():
    torch.manual_seed(0)
    scripted = torch.jit.script(Dtypes().eval())
    torch.jit.save(scripted, os.path.join(HERE, "dtypes.pt"))
    traced = torch.jit.trace(Scaled().eval(), torch.ones(1, 2))
    torch.jit.save(traced, os.path.join(HERE, "constants.pt"),
                   _extra_files={"note.txt": "made by make_test_archives.py"})
    print(f"wrote dtypes.pt and constants.pt with torch {torch.__version__}")


if __name__ == "__main__":
    main()
