#!/usr/bin/python3
"""Export small PyTorch models to ONNX as test inputs for cnv2's ONNX importer.

Run with Debian's Python and PyTorch (python3-torch, python3-torchvision, python3-onnx):

    /usr/bin/python3 models/exports/export.py            # all models
    /usr/bin/python3 models/exports/export.py tiny_vit   # only the named ones

Every model is built with torch.manual_seed(0) (random weights; BatchNorm running stats set to
non-trivial values), put in eval mode and exported with
torch.onnx.export(..., opset_version=17, do_constant_folding=True). Each file is checked with
onnx.checker.check_model. exports.tsv gets one row per model (shapes, op counts, file size and
the PyTorch output max-abs for the deterministic input described in README.md and made by
`sample_input` below). resnet18 goes to .cache/ (about 45 MB, not committed).
"""

import os
import sys
from collections import Counter

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
SAMPLE_SEED = 1234

# ---------------------------------------------------------------------------------------------
# Deterministic "random" input that any language can reproduce (64-bit LCG, Knuth's MMIX
# constants). state_0 = seed; for each element in row-major (C) order:
#   state = state * 6364136223846793005 + 1442695040888963407   (mod 2^64)
#   float: (state >>> 40) / 2^24          -> uniform in [0, 1), exactly a float32
#   int:   low + (state >>> 33) % (high - low)
# ---------------------------------------------------------------------------------------------
_MASK = (1 << 64) - 1


def sample_input(shape, dtype, seed=SAMPLE_SEED, low=0, high=1):
    n = int(np.prod(shape))
    state = seed & _MASK
    out = np.empty(n, dtype=np.float64 if dtype == "float32" else np.int64)
    for i in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & _MASK
        if dtype == "float32":
            out[i] = (state >> 40) / float(1 << 24)
        else:
            out[i] = low + (state >> 33) % (high - low)
    if dtype == "float32":
        return torch.from_numpy(out.astype(np.float32).reshape(shape))
    return torch.from_numpy(out.reshape(shape))


def randomize_bn(model):
    """Give every BatchNorm non-trivial running stats and affine parameters."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c) * 0.3)
                m.running_var.copy_(torch.rand(c) * 1.5 + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(c) * 1.5 + 0.5)
                    m.bias.copy_(torch.randn(c) * 0.2)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------
class Conv1dAudio(nn.Module):
    """[1, 40, 100] mel bins x frames -> 12 keyword logits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(40, 64, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm1d(64)
        self.conv2 = nn.Conv1d(64, 64, kernel_size=5, stride=2, dilation=1, padding=2, groups=4)
        self.conv3 = nn.Conv1d(64, 64, kernel_size=3, dilation=2, padding=2)
        self.pool = nn.MaxPool1d(2)
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))          # [1, 64, 100]
        x = F.leaky_relu(self.conv2(x), 0.1)         # [1, 64, 50]
        x = F.relu(self.conv3(x))                    # [1, 64, 50]
        x = self.pool(x)                             # [1, 64, 25]
        x = self.gap(x)                              # [1, 64, 1]
        x = torch.flatten(x, 1)
        return self.fc(x)


class PreluCnn(nn.Module):
    """[1, 3, 32, 32] -> 10 logits; PReLU, depthwise, reflect/constant Pad, GELU head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.prelu1 = nn.PReLU(16, init=0.25)        # per-channel slope
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.prelu2 = nn.PReLU(init=0.2)             # single slope
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.conv4 = nn.Conv2d(32, 32, 3, padding=0)
        self.pool = nn.AvgPool2d(4)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)
        with torch.no_grad():                        # make the slopes differ per channel
            self.prelu1.weight.copy_(torch.rand(16) * 0.5)

    def forward(self, x):
        x = self.prelu1(self.conv1(x))               # [1, 16, 32, 32]
        x = self.prelu2(self.conv2(x))               # [1, 32, 16, 16]
        x = F.leaky_relu(self.dw(x), 0.05)           # [1, 32, 16, 16]
        x = F.pad(x, (1, 2, 0, 1), mode="reflect")   # [1, 32, 17, 19]
        x = F.relu(self.conv4(x))                    # [1, 32, 15, 17]
        x = F.pad(x, (1, 0, 0, 1), mode="constant", value=0.5)  # [1, 32, 16, 18]
        x = self.pool(x)                             # [1, 32, 4, 4]
        x = torch.flatten(x, 1)
        x = F.gelu(self.fc1(x))                      # exact GELU -> Erf
        return self.fc2(x)


class TinyVit(nn.Module):
    """[1, 3, 32, 32] -> 16 patches of 8x8 + class token, 2 pre-norm encoder layers -> 10."""

    def __init__(self, d=64):
        super().__init__()
        self.patch = nn.Conv2d(3, d, kernel_size=8, stride=8)
        self.pos = nn.Parameter(torch.randn(1, 16, d) * 0.02)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model=d, nhead=4, dim_feedforward=128,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        # TransformerEncoder deep-copies `layer`, so both layers start identical; give layer 1
        # its own weights (its LayerNorms keep the default ones/zeros, which the exporter
        # de-duplicates into Identity nodes on initializers).
        with torch.no_grad():
            for pname, prm in self.encoder.layers[1].named_parameters():
                if "norm" not in pname:
                    prm.copy_(torch.randn_like(prm) * (0.1 if prm.dim() > 1 else 0.02))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def forward(self, x):
        x = self.patch(x)                            # [1, 64, 4, 4]
        x = x.flatten(2).transpose(1, 2)             # [1, 16, 64]
        x = x + self.pos
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)  # [1, 17, 64]
        x = self.encoder(x)
        x = self.norm(x)
        return self.head(x[:, 0])


class ChunkSplit(nn.Module):
    """[1, 16, 20, 20]: gated chunk, split, Max/Min, Clip, Concat -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, 1)
        self.conv3 = nn.Conv2d(11, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv1(x)                            # [1, 32, 20, 20]
        a, b = torch.chunk(x, 2, dim=1)              # 2 x [1, 16, 20, 20]
        g = torch.sigmoid(a) * torch.tanh(b)         # gated
        y = self.conv2(g)                            # [1, 8, 20, 20]
        p, q = torch.split(y, [3, 5], dim=1)         # [1, 3, ...], [1, 5, ...]
        mx = torch.maximum(p, q[:, :3])
        mn = torch.minimum(p, q[:, 2:])
        cq = torch.clamp(q, -0.5, 0.5)
        z = torch.cat([mx, mn, cq], dim=1)           # [1, 11, 20, 20]
        z = F.relu(self.conv3(z))                    # [1, 16, 20, 20]
        z = z.mean(dim=(2, 3))                       # global average pool
        return self.fc(z)


class LstmLast(nn.Module):
    """[1, 28, 28] rows as time steps -> LSTM(28, 64) -> last step -> 10."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 64, batch_first=True)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class GruSeq(nn.Module):
    """[1, 28, 28] -> 2-layer GRU(28, 48) -> Linear on every step -> mean over time -> 10."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(28, 48, batch_first=True, num_layers=2)
        self.fc = nn.Linear(48, 10)

    def forward(self, x):
        out, _ = self.gru(x)                         # [1, 28, 48]
        return self.fc(out).mean(dim=1)              # [1, 10]


class MiscOps(nn.Module):
    """[1, 8, 16, 16] -> [1, 4, 32, 32]; host-side ops around one 1x1 conv and two MatMuls."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 1)
        self.lin = nn.Linear(8, 4)                   # applied on the last axis of a 4-D tensor
        self.w = nn.Parameter(torch.randn(4, 8) * 0.3)  # left operand of a MatMul

    def forward(self, x):
        x = self.conv(x)                             # [1, 8, 16, 16]
        g = F.gelu(x)                                # Erf
        e = torch.exp(-x * x)                        # Exp
        l = torch.log(x * x + 1)                     # Log
        mx = torch.amax(x, dim=(2, 3), keepdim=True)  # ReduceMax
        s = torch.sum(x, dim=(2, 3), keepdim=True)   # ReduceSum
        w = torch.where(x > 0, x, 0.1 * x)           # Greater / Where
        mask = (x < 0.5 * mx) & (x >= -1.0)          # Less, GreaterOrEqual, And -> bool
        mask = mask | torch.eq(x, mx)                # Equal, Or
        sp = F.softplus(x)                           # Softplus
        y = g + e + l - 0.01 * mx + s / 256.0 + w + sp * mask.float()  # Cast bool -> float
        # MatMul with the constant on the left: [4, 8] @ [1, 8, 256] -> [1, 4, 256]
        left = torch.matmul(self.w, y.view(1, 8, 256)).view(1, 4, 16, 16)
        # Linear on the last axis of a 4-D tensor: MatMul [1,16,16,8] @ [8,4] + Add
        right = self.lin(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # [1, 4, 16, 16]
        z = left + right
        return F.interpolate(z, scale_factor=2, mode="nearest")  # Resize -> [1, 4, 32, 32]


class NhwcCnn(nn.Module):
    """Channel-last input [1, 32, 32, 3] permuted to NCHW inside the model -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.bn2 = nn.BatchNorm2d(16)                # after a pool: stays BatchNormalization
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)                    # NHWC -> NCHW (Transpose)
        x = F.relu(self.bn1(self.conv1(x)))          # [1, 16, 32, 32]; BN folded into Conv
        x = self.bn2(F.max_pool2d(x, 2))             # [1, 16, 16, 16]
        x = F.relu(self.conv2(x))                    # [1, 32, 8, 8]
        x = F.relu(self.conv3(x))                    # [1, 32, 8, 8]
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class IntInput(nn.Module):
    """int64 token ids [1, 12] -> Embedding(100, 32) -> Conv1d over the sequence -> 5."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.conv = nn.Conv1d(32, 32, 3, padding=1)
        self.fc = nn.Linear(32, 5)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)            # Gather -> [1, 32, 12]
        x = F.relu(self.conv(x))
        return self.fc(x.mean(dim=2))


def resnet18():
    return torchvision.models.resnet18(weights=None)


# name, factory, [(input name, shape, dtype, (low, high) for ints)], [output names], subdir
MODELS = [
    ("conv1d_audio", Conv1dAudio, [("mel", (1, 40, 100), "float32", None)], ["logits"], ""),
    ("prelu_cnn", PreluCnn, [("image", (1, 3, 32, 32), "float32", None)], ["logits"], ""),
    ("tiny_vit", TinyVit, [("image", (1, 3, 32, 32), "float32", None)], ["logits"], ""),
    ("chunk_split", ChunkSplit, [("input", (1, 16, 20, 20), "float32", None)], ["logits"], ""),
    ("lstm_last", LstmLast, [("rows", (1, 28, 28), "float32", None)], ["logits"], ""),
    ("gru_seq", GruSeq, [("rows", (1, 28, 28), "float32", None)], ["logits"], ""),
    ("misc_ops", MiscOps, [("input", (1, 8, 16, 16), "float32", None)], ["output"], ""),
    ("nhwc_cnn", NhwcCnn, [("image_nhwc", (1, 32, 32, 3), "float32", None)], ["logits"], ""),
    ("int_input", IntInput, [("token_ids", (1, 12), "int64", (0, 100))], ["logits"], ""),
    ("resnet18", resnet18, [("image", (1, 3, 224, 224), "float32", None)], ["logits"], ".cache"),
]

_ONNX_DTYPES = {v: k for k, v in onnx.TensorProto.DataType.items()}


def _value_info_str(vis):
    parts = []
    for vi in vis:
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                for d in t.shape.dim]
        parts.append("%s[%s]:%s" % (vi.name, ",".join(str(d) for d in dims),
                                    _ONNX_DTYPES[t.elem_type].lower()))
    return ";".join(parts)


def export_one(name, factory, inputs, outputs, subdir):
    torch.manual_seed(0)
    model = factory()
    randomize_bn(model)
    model.eval()

    args = tuple(sample_input(shape, dtype, low=rng[0] if rng else 0,
                              high=rng[1] if rng else 1)
                 for (_, shape, dtype, rng) in inputs)
    with torch.no_grad():
        ref = model(*args)
    refs = ref if isinstance(ref, (tuple, list)) else (ref,)

    out_dir = os.path.join(HERE, subdir) if subdir else HERE
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, args, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=[i[0] for i in inputs], output_names=outputs,
                      export_params=True)

    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = Counter(n.op_type for n in m.graph.node)
    opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]
    maxabs = max(float(r.abs().max()) for r in refs)
    total = sum(float(r.double().sum()) for r in refs)
    rel = os.path.relpath(path, HERE)
    row = [name, rel, str(opset), _value_info_str(m.graph.input),
           _value_info_str(m.graph.output),
           ",".join("%s:%d" % (k, ops[k]) for k in sorted(ops)),
           str(os.path.getsize(path)), "%.6g" % maxabs, "%.6g" % total]
    print("%-13s %9d bytes  max|y|=%-10.6g %s" % (name, os.path.getsize(path), maxabs,
                                                  row[5]), flush=True)
    return row


HEADER = ["name", "file", "opset", "inputs", "outputs", "op_types", "bytes",
          "torch_output_maxabs", "torch_output_sum"]


def main(argv):
    wanted = set(argv[1:])
    unknown = wanted - {m[0] for m in MODELS}
    if unknown:
        sys.exit("unknown model(s): %s" % ", ".join(sorted(unknown)))
    tsv = os.path.join(HERE, "exports.tsv")
    rows = {}
    if wanted and os.path.exists(tsv):               # keep the other models' rows
        with open(tsv) as f:
            lines = f.read().splitlines()
        for line in lines[1:]:
            if line:
                rows[line.split("\t")[0]] = line.split("\t")
    print("torch %s, torchvision %s, onnx %s, opset %d" % (
        torch.__version__, torchvision.__version__, onnx.__version__, OPSET), flush=True)
    for spec in MODELS:
        if not wanted or spec[0] in wanted:
            rows[spec[0]] = export_one(*spec)
    with open(tsv, "w") as f:
        f.write("\t".join(HEADER) + "\n")
        for spec in MODELS:
            if spec[0] in rows:
                f.write("\t".join(rows[spec[0]]) + "\n")


if __name__ == "__main__":
    main(sys.argv)
