#!/usr/bin/python3
"""Make the TorchScript zoo: small traced (and five scripted) models for cnv2's TorchScript importer.

Run with Debian's PyTorch 1.13 (python3-torch, python3-torchvision, python3-onnx; no network):

    /usr/bin/python3 models/torchscript/make_zoo.py     (makes every model, rewrites zoo.tsv)

For every model, next to this script:
  <name>.pt            torch.jit.trace(model.eval(), input).save(...)  (scripted_* : torch.jit.script)
  <name>.onnx          torch.onnx.export of the same weights: opset 17, do_constant_folding=True,
                       eval mode, input named after forward's argument (none for scripted_control_flow)
  <name>.input.npy     the input used for tracing (float32, or int64 token ids), made with
                       torch.manual_seed(INPUT_SEED)
  <name>.output.npy    what this libtorch (Debian's 1.13) computed on it with the traced module;
                       <name>.output0.npy, <name>.output1.npy ... for a model with several outputs
  zoo.tsv              one row per model (inputs, outputs, what it exercises, parameter count, file
                       sizes, the distinct op kinds of the TorchScript graph, the ONNX op counts)
Weights are random (torch.manual_seed(WEIGHT_SEED) per model; BatchNorm running statistics and
affine parameters set to non-trivial values) except for the two Fashion-MNIST models, whose trained
weights are read from the shipped files. Checks made on every run (the script stops if one fails):
every .pt is loaded back with torch.jit.load and reproduces the saved output bit for bit; every
.onnx passes onnx.checker; the exporter's Conv+BatchNorm folding is reproduced bit for bit by the
float32 formula in bn_fold_numpy (on every folded pair of every model); the transformer's traced
graph has none of PyTorch's fused fast-path ops; the Fashion-MNIST LSTM rebuilt from its ONNX file
re-exports to the same initializers and agrees with a numpy LSTM run on the shipped ONNX file; a
wide Conv+BatchNorm folded in memory (bn_fold_study) tells the candidate roundings apart. Printed,
not asserted: whether fashion_cnn_traced.onnx has the shipped fashion_cnn.onnx's initializers.
The script starts itself again with PYTHONHASHSEED=0 and its code compiled under the name
models/torchscript/make_zoo.py, so re-running gives byte-identical files (see the end of the file).
"""
import io
import linecache
import os
import sys
import types
from typing import NamedTuple, Optional
from collections import OrderedDict

import numpy as np
import onnx
import torch
import torchvision
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from torchvision.models.mobilenetv3 import InvertedResidualConfig, MobileNetV3
from torchvision.models.resnet import BasicBlock

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
REPO = os.path.dirname(MODELS)
OPSET = 17
WEIGHT_SEED = 2016
INPUT_SEED = 1234


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def compile_relative(path):
    """Compile a Python file under its repository-relative name (models/torchscript/make_zoo.py):
    a traced module's debug information keeps the file names of the Python frames it was traced
    through, and scripting reads the source back by that name (hence the linecache entry), so the
    .pt files do not depend on where the repository is checked out."""
    rel = os.path.relpath(os.path.abspath(path), REPO)
    with open(path) as f:
        src = f.read()
    linecache.cache[rel] = (len(src), None, src.splitlines(True), rel)
    return compile(src, rel, "exec")


def randomize_bn(model):
    """Give every BatchNorm non-trivial running statistics and affine parameters, so that the
    exporter's Conv+BatchNorm folding changes the weights."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c) * 0.3)
                m.running_var.copy_(torch.rand(c) * 1.5 + 0.5)  # uniform 0.5 .. 2
                m.weight.copy_(torch.rand(c) * 1.5 + 0.5)
                m.bias.copy_(torch.randn(c) * 0.2)


def randomize_params(model):
    """Non-trivial values where the constructors put constants: LayerNorm weight and bias, and every
    bias that is all zeros (torchvision's MobileNetV3 and nn.MultiheadAttention zero theirs). Equal
    constant tensors would otherwise be merged by the ONNX exporter (one initializer + Identity nodes)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(torch.rand(m.weight.shape) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape) * 0.1)
        for name, p in model.named_parameters():
            if name.endswith("bias") and not p.any():
                p.copy_(torch.randn(p.shape) * 0.1)


def graph_op_kinds(graph):
    """Distinct node kinds of a TorchScript graph, nested blocks (prim::If, prim::Loop) included."""
    kinds = set()

    def walk(nodes):
        for n in nodes:
            kinds.add(n.kind())
            for b in n.blocks():
                walk(b.nodes())

    walk(graph.nodes())
    return sorted(kinds)


def as_tuple(out):
    # the tensors a model returns, in order; a None in a returned tuple (a NamedTuple's empty field) is none
    return tuple(o for o in out if o is not None) if isinstance(out, (tuple, list)) else (out,)


def shape_str(t):
    return "[" + ",".join(str(d) for d in t.shape) + "]"


def dtype_str(t):
    return {torch.float32: "float32", torch.int64: "int64"}[t.dtype]


# ---------------------------------------------------------------------------------------------
# 1. resnet18_small: torchvision's ResNet-18 layout (its own BasicBlock), widths 12-24-48-96
# ---------------------------------------------------------------------------------------------
class ResNet18Small(nn.Module):
    """torchvision.models.resnet18's architecture with the widths divided by 16/3 (64 -> 12):
    stem conv 7x7/2 + BN + ReLU + maxpool 3x3/2, four stages of two BasicBlocks ([2, 2, 2, 2],
    stride 2 with a 1x1 conv + BN downsample from stage 2 on), adaptive avg pool, fc. Module names
    are torchvision's (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc ...)."""

    def __init__(self, widths=(12, 24, 48, 96), num_classes=10):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(widths[0], 2, 1)
        self.layer2 = self._make_layer(widths[1], 2, 2)
        self.layer3 = self._make_layer(widths[2], 2, 2)
        self.layer4 = self._make_layer(widths[3], 2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)

    def _make_layer(self, planes, blocks, stride):  # torchvision's ResNet._make_layer
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def make_resnet18_small():
    return ResNet18Small()


# ---------------------------------------------------------------------------------------------
# 2. mobilenet_small: torchvision's MobileNetV3 with a short custom block list
# ---------------------------------------------------------------------------------------------
def make_mobilenet_small():
    """torchvision.models.mobilenetv3.MobileNetV3: stem conv 3x3/2 + BN + Hardswish; inverted
    residual blocks (1x1 expand, depthwise 3x3 or 5x5 with groups = channels, optional
    squeeze-and-excitation = adaptive avg pool, 1x1 conv, ReLU, 1x1 conv, Hardsigmoid, mul; 1x1
    project; residual add when stride 1 and in = out); last 1x1 conv + Hardswish; adaptive avg pool;
    flatten; classifier Linear + Hardswish + Dropout + Linear."""
    cfg = [  # input, kernel, expanded, out, SE, activation, stride, dilation, width_mult
        InvertedResidualConfig(16, 3, 16, 16, True, "RE", 2, 1, 1.0),   # no expand conv; SE
        InvertedResidualConfig(16, 3, 48, 24, False, "RE", 2, 1, 1.0),
        InvertedResidualConfig(24, 3, 72, 24, False, "RE", 1, 1, 1.0),  # residual add
        InvertedResidualConfig(24, 5, 96, 32, True, "HS", 2, 1, 1.0),   # 5x5 depthwise, SE, HS
        InvertedResidualConfig(32, 5, 96, 32, True, "HS", 1, 1, 1.0),   # residual add with SE
    ]
    return MobileNetV3(cfg, last_channel=128, num_classes=10)


# ---------------------------------------------------------------------------------------------
# 3. fashion_cnn_traced and 4. fashion_lstm_traced: the shipped Fashion-MNIST models
# ---------------------------------------------------------------------------------------------
def _import_train(subdir):
    """models/<subdir>/train.py as a module, compiled under its repository-relative file name."""
    sys.path.insert(0, MODELS)  # models/torchscript_card.py, which fashion-mnist/train.py imports
    name = subdir.replace("-", "_") + "_train"
    if name not in sys.modules:
        path = os.path.join(MODELS, subdir, "train.py")
        mod = types.ModuleType(name)
        mod.__file__ = path
        sys.modules[name] = mod
        exec(compile_relative(path), mod.__dict__)
    return sys.modules[name]


def make_fashion_cnn_traced():
    model = _import_train("fashion-mnist").FashionCnn()
    model.load_state_dict(torch.jit.load(os.path.join(MODELS, "fashion-mnist", "fashion_cnn.pt")).state_dict())
    return model


LSTM_ONNX = os.path.join(MODELS, "fashion-mnist-lstm", "fashion_lstm.onnx")


def _onnx_to_torch_gates(a, hidden):
    """ONNX LSTM gate blocks i, o, f, c -> PyTorch's i, f, g, o (along dim 0)."""
    i, o, f, c = (a[k * hidden:(k + 1) * hidden] for k in range(4))
    return np.concatenate([i, f, c, o], axis=0)


def make_fashion_lstm_traced():
    """No PyTorch checkpoint of the LSTM is committed (train.py saves one only on request), so the
    module is rebuilt from the ONNX file's initializers: W [1, 4H, 28], R [1, 4H, H] and
    B [1, 8H] = (W_b, R_b), gates in ONNX order i, o, f, c, reordered to PyTorch's i, f, g, o."""
    mod = _import_train("fashion-mnist-lstm")
    m = onnx.load(LSTM_ONNX)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    lstm_node = next(n for n in m.graph.node if n.op_type == "LSTM")
    hidden = next(a.i for a in lstm_node.attribute if a.name == "hidden_size")
    w, r, b = (inits[name] for name in lstm_node.input[1:4])
    model = mod.FashionLstm(hidden)
    sd = {
        "lstm.weight_ih_l0": _onnx_to_torch_gates(w[0], hidden),
        "lstm.weight_hh_l0": _onnx_to_torch_gates(r[0], hidden),
        "lstm.bias_ih_l0": _onnx_to_torch_gates(b[0, :4 * hidden], hidden),
        "lstm.bias_hh_l0": _onnx_to_torch_gates(b[0, 4 * hidden:], hidden),
        "fc.weight": inits["fc.weight"],
        "fc.bias": inits["fc.bias"],
    }
    model.load_state_dict({k: torch.from_numpy(np.array(v, np.float32)) for k, v in sd.items()})
    return model


def numpy_onnx_lstm(path, image):
    """The shipped fashion_lstm.onnx evaluated by a small numpy float32 LSTM (ONNX semantics:
    gates i, o, f, c; it = sigmoid(Xt W_i^T + H R_i^T + Wb_i + Rb_i) ...; zero initial state),
    then Squeeze + Gemm(transB=1) with fc."""
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    node = next(n for n in m.graph.node if n.op_type == "LSTM")
    hidden = next(a.i for a in node.attribute if a.name == "hidden_size")
    w, r, b = (inits[name][0] for name in node.input[1:4])
    wb, rb = b[:4 * hidden], b[4 * hidden:]
    xs = image.reshape(-1, 28, 28)[0].astype(np.float32)  # [time, features], batch 1
    h = np.zeros(hidden, np.float32)
    c = np.zeros(hidden, np.float32)
    sig = lambda v: (1.0 / (1.0 + np.exp(-v))).astype(np.float32)  # noqa: E731
    for x in xs:
        g = (w @ x + wb) + (r @ h + rb)
        gi, go, gf, gc = (g[k * hidden:(k + 1) * hidden] for k in range(4))
        c = sig(gf) * c + sig(gi) * np.tanh(gc)
        h = sig(go) * np.tanh(c)
    return (inits["fc.weight"] @ h + inits["fc.bias"])[None, :]


def check_fashion_lstm(model, example):
    """(a) re-export the rebuilt module exactly as train.py did and compare every initializer with
    the shipped file; (b) run the shipped ONNX file with the numpy LSTM and compare outputs."""
    buf = io.BytesIO()
    torch.onnx.export(model, example, buf, opset_version=13, input_names=["image"], output_names=["logits"],
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    mine = {t.name: numpy_helper.to_array(t) for t in onnx.load_from_string(buf.getvalue()).graph.initializer}
    shipped = {t.name: numpy_helper.to_array(t) for t in onnx.load(LSTM_ONNX).graph.initializer}
    same = (sorted(mine) == sorted(shipped)
            and all(mine[k].dtype == shipped[k].dtype and np.array_equal(mine[k], shipped[k]) for k in mine))
    ours = model(example).detach().numpy()
    ref = numpy_onnx_lstm(LSTM_ONNX, example.numpy())
    diff = float(np.abs(ours - ref).max())
    print(f"  fashion_lstm: re-export of the rebuilt module has the shipped file's initializers "
          f"(names and bits): {same}; numpy LSTM on the shipped ONNX vs torch: max |diff| {diff:.3g}")
    assert same and diff < 1e-5, "fashion_lstm rebuild check failed"


def compare_fashion_cnn_onnx(onnx_path):
    """Compare the initializers of our export with the shipped fashion_cnn.onnx (which train.py
    exported with do_constant_folding=False and input `image`): as multisets of (shape, bytes),
    since the exporter's generated names (onnx::Conv_34 ...) may differ."""
    def inits(path):
        return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    mine, shipped = inits(onnx_path), inits(os.path.join(MODELS, "fashion-mnist", "fashion_cnn.onnx"))
    key = lambda a: (a.shape, a.dtype.str, a.tobytes())  # noqa: E731
    same_values = sorted(map(key, mine.values())) == sorted(map(key, shipped.values()))
    print(f"  fashion_cnn: initializers equal to the shipped fashion_cnn.onnx bit for bit: {same_values}; "
          f"names ours {sorted(mine)} / shipped {sorted(shipped)}")
    return same_values


# ---------------------------------------------------------------------------------------------
# 5. transformer_small and embedding_bag_small
# ---------------------------------------------------------------------------------------------
class TransformerSmall(nn.Module):
    """x [seq 8, batch 1, 32] -> 2 post-norm encoder layers (4 heads, feed-forward 64, ReLU,
    dropout 0, batch_first=False so the layers take the composite path, not PyTorch's fused fast
    path) -> mean over the sequence -> Linear 32 -> 10."""

    def __init__(self, d_model=32, nhead=4, ff=64, layers=2, num_classes=10):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=ff, dropout=0.0,
                                           activation="relu", batch_first=False)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, num_classes)
        # TransformerEncoder deep-copies the layer: draw each layer's parameters anew, so that the
        # layers differ (the exporter would merge equal initializers, and a translator mixing up
        # layers would go unnoticed)
        for p in self.encoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
            else:
                nn.init.normal_(p, std=0.1)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(dim=0))


class EmbeddingBagSmall(nn.Module):
    """token ids int64 [1, 8] -> nn.Embedding(50, 16) -> mean over the tokens -> Linear 16 -> 10.
    (nn.Embedding + mean, not nn.EmbeddingBag.)"""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.fc = nn.Linear(16, 10)

    def forward(self, ids):
        return self.fc(self.embed(ids).mean(dim=1))


# ---------------------------------------------------------------------------------------------
# 6. gru_small, 7. conv1d_small, 8. upsample_small
# ---------------------------------------------------------------------------------------------
class GruSmall(nn.Module):
    """x [1, 10, 16] -> GRU 16 -> 24 (one layer, batch_first) -> last step -> Linear 24 -> 5."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(16, 24, batch_first=True)
        self.fc = nn.Linear(24, 5)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1])


class Conv1dSmall(nn.Module):
    """x [1, 8, 64] -> Conv1d 8->16 k3 p1 (with bias) + BatchNorm1d + ReLU -> MaxPool1d 2 ->
    grouped Conv1d 16->32 k5 s2 p2 groups 4 (no bias) + BatchNorm1d + ReLU -> AdaptiveAvgPool1d(1)
    -> flatten -> Linear 32 -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(8, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(16)
        self.pool = nn.MaxPool1d(2)
        self.conv2 = nn.Conv1d(16, 32, 5, stride=2, padding=2, groups=4, bias=False)
        self.bn2 = nn.BatchNorm1d(32)
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


class UpsampleSmall(nn.Module):
    """x [1, 3, 16, 16]; two outputs: class probabilities [1, 10] and a feature map [1, 2, 32, 32].
    conv + BN + ReLU; nn.Upsample nearest x2; strided conv; nn.Upsample bilinear x2
    (align_corners=False); ConvTranspose2d stride 2; slice [:, :4]; cat on channels; chunk;
    sigmoid * tanh + leaky_relu; split; elu; select [:, 0] + unsqueeze; sub; div; permute,
    reshape, transpose, contiguous + view; adaptive avg pool 4x4; flatten; Linear; softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.up_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.deconv = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2)
        self.fc = nn.Linear(2 * 4 * 4, 10)

    def forward(self, x):
        c1 = F.relu(self.bn1(self.conv1(x)))                    # [1, 8, 16, 16]
        u1 = self.up_nearest(c1)                                 # [1, 8, 32, 32]
        u2 = self.up_bilinear(self.down(u1))                     # [1, 8, 32, 32]
        t = self.deconv(c1)                                      # [1, 4, 32, 32]
        cat = torch.cat([u1[:, :4], u2, t], dim=1)               # [1, 16, 32, 32]
        a, b = torch.chunk(cat, 2, dim=1)                        # 2 x [1, 8, 32, 32]
        y = torch.sigmoid(a) * torch.tanh(b) + F.leaky_relu(a, 0.1)
        s1, s2, s3 = torch.split(y, [2, 2, 4], dim=1)
        z = F.elu(s1) + s2 * s3[:, 0].unsqueeze(1) - s3[:, 2:4] / 2.0   # [1, 2, 32, 32]
        p = z.permute(0, 2, 3, 1).reshape(1, 32 * 32, 2)         # [1, 1024, 2]
        q = p.transpose(1, 2).contiguous().view(1, 2, 32, 32)    # back to [1, 2, 32, 32]
        feat = F.adaptive_avg_pool2d(q, 4)                       # [1, 2, 4, 4]
        probs = F.softmax(self.fc(torch.flatten(feat, 1)), dim=-1)
        return probs, q


# ---------------------------------------------------------------------------------------------
# 9. the scripted refusal / static cases
# ---------------------------------------------------------------------------------------------
class ScriptedControlFlow(nn.Module):
    """Data-dependent control flow: the branch taken and the loop count depend on tensor values,
    so no trace or static evaluation can stand for it (cnv2 must refuse it)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        y = self.fc(x)
        if y.sum() > 0:
            y = y * 2
        else:
            y = y - 1
        n = int((x > 0).sum())
        for _ in range(n):
            y = torch.tanh(y) + 0.5
        return y


class ScriptedStatic(nn.Module):
    """Control flow on attributes only: `if self.use_relu` (a plain bool attribute, not Final, so
    scripting keeps the prim::If) and `if self.training`; BatchNorm's scripted forward adds its own
    `if self.training` branches. All can be evaluated statically for an eval-mode module."""

    def __init__(self, use_relu: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.use_relu = use_relu
        self.scale = 0.5

    def forward(self, x):
        x = self.bn(self.conv(x))
        if self.use_relu:
            x = F.relu(x)
        else:
            x = torch.sigmoid(x)
        if self.training:
            x = x * self.scale
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class ScriptedUpsample(nn.Module):
    """A scripted decoder: scripting keeps F.interpolate's own TorchScript body (annotated
    assignments such as `align_corners0 : Optional[bool] = ...`, its checks of the arguments and
    their ValueError raises) where tracing records only the aten call, and prints F.conv2d(y, w, b)
    as torch.conv2d(y, w, b), stride and padding left to the schema's defaults."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.w = nn.Parameter(torch.randn(4, 8, 3, 3) * 0.2)
        self.b = nn.Parameter(torch.randn(4) * 0.1)

    def forward(self, x):
        y = F.relu(self.conv(x))                                            # [1, 8, 16, 16]
        y = self.up_nearest(y)                                              # [1, 8, 32, 32]
        y = F.conv2d(y, self.w, self.b)                                     # [1, 4, 30, 30]
        y = F.interpolate(y, size=[16, 16], mode="bilinear", align_corners=False)  # [1, 4, 16, 16]
        return torch.flatten(F.adaptive_avg_pool2d(F.relu(y), 2), 1)       # [1, 16]


class HeadOutputs(NamedTuple):
    out: torch.Tensor
    aux: Optional[torch.Tensor]


class ScriptedHeads(nn.Module):
    """A scripted segmentation head as torchvision writes them (FCN, LRASPP, GoogLeNet, EfficientNet):
    the input's size as a list slice (`x.shape[-2:]`, printed torch.slice(torch.size(x), -2)), a
    StochasticDepth whose eval check reads `if not training` (torch.__not__), the result gathered in
    an OrderedDict (torch.dict()) and returned as a NamedTuple with a None field."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.drop = torchvision.ops.StochasticDepth(0.2, "row")
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, x) -> HeadOutputs:
        size = x.shape[-2:]
        y = self.drop(F.relu(self.conv(x))) + F.relu(self.conv(x))          # [1, 8, 8, 8]
        result = OrderedDict()
        result["out"] = F.interpolate(self.head(y), size=size, mode="bilinear", align_corners=False)
        return HeadOutputs(result["out"], None)                            # out [1, 4, 16, 16]


class ScriptedAttention(nn.Module):
    """Scripted self-attention in eval mode, batch first, as torchvision's ViT calls it: scripting
    keeps nn.MultiheadAttention's own forward, whose checks (prim::is_nested, is_autocast_enabled,
    is_grad_enabled, str(device).find("cpu"), all/any of bool lists) pick the fused
    aten::_native_multi_head_attention in inference."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        y, _ = self.attn(x, x, x, need_weights=False)                     # [1, 8, 32]
        return self.fc((x + y).mean(dim=1))                                # [1, 10]


class ScriptedShiftedWindow(nn.Module):
    """torchvision's own SwinTransformerBlock (window 4x4, shift 2x2) scripted, on an 8x8 map from a
    conv: its shifted-window attention rolls the map (aten::roll) and builds its attention mask by
    in-place writes into slices of a new tensor (new_zeros, torch.tensor, copy_), then masked_fill."""

    def __init__(self):
        super().__init__()
        from torchvision.models.swin_transformer import SwinTransformerBlock
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.block = SwinTransformerBlock(16, 2, [4, 4], [2, 2])
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        y = torch.relu(self.conv(x)).permute(0, 2, 3, 1)                   # [1, 8, 8, 16]
        return self.fc(self.block(y).mean(dim=[1, 2]))                     # [1, 10]


# ---------------------------------------------------------------------------------------------
# the zoo
# ---------------------------------------------------------------------------------------------
def rand_image(*shape):
    return torch.rand(*shape)


ZOO = OrderedDict([
    # name: (factory, [(input name, maker)], output names, what it exercises, mode)
    ("resnet18_small", (make_resnet18_small, [("x", lambda: torch.randn(1, 3, 64, 64))], ["output"],
                        "torchvision ResNet-18 layout (BasicBlock [2,2,2,2]) widths 12-24-48-96: conv7x7/2, "
                        "BN, ReLU, maxpool 3x3/2, residual add, 1x1/2 downsample, adaptive avg pool, flatten, "
                        "Linear", "trace")),
    ("mobilenet_small", (make_mobilenet_small, [("x", lambda: torch.randn(1, 3, 64, 64))], ["output"],
                         "torchvision MobileNetV3: conv + Hardswish, depthwise 3x3 and 5x5 (groups = channels), "
                         "squeeze-excitation (avg pool, 1x1 convs, ReLU, Hardsigmoid, mul), residual add, "
                         "Linear + Hardswish + Dropout + Linear", "trace")),
    ("fashion_cnn_traced", (make_fashion_cnn_traced, [("x", lambda: rand_image(1, 1, 28, 28))], ["output"],
                            "the shipped Fashion-MNIST CNN (trained weights of fashion_cnn.pt), traced: conv, "
                            "BN, ReLU, max_pool2d, flatten, Linear, Dropout", "trace")),
    ("fashion_lstm_traced", (make_fashion_lstm_traced, [("x", lambda: rand_image(1, 1, 28, 28))], ["output"],
                             "the shipped Fashion-MNIST LSTM (trained weights rebuilt from fashion_lstm.onnx), "
                             "traced: reshape, LSTM 28->64, squeeze, Linear", "trace")),
    ("transformer_small", (TransformerSmall, [("x", lambda: torch.randn(8, 1, 32))], ["output"],
                           "nn.TransformerEncoder, 2 post-norm layers d_model 32, 4 heads, FF 64, ReLU, "
                           "batch_first=False (composite MHA, no fused fast path), LayerNorm, mean, Linear",
                           "trace")),
    ("embedding_bag_small", (EmbeddingBagSmall, [("ids", lambda: torch.randint(0, 50, (1, 8)))], ["output"],
                             "int64 token ids, nn.Embedding(50, 16), mean over tokens, Linear", "trace")),
    ("gru_small", (GruSmall, [("x", lambda: torch.randn(1, 10, 16))], ["output"],
                   "nn.GRU 16->24 batch_first, select the last step, Linear", "trace")),
    ("conv1d_small", (Conv1dSmall, [("x", lambda: torch.randn(1, 8, 64))], ["output"],
                      "Conv1d with bias + BatchNorm1d, grouped strided Conv1d + BatchNorm1d, ReLU, MaxPool1d, "
                      "AdaptiveAvgPool1d(1), flatten, Linear", "trace")),
    ("upsample_small", (UpsampleSmall, [("x", lambda: torch.randn(1, 3, 16, 16))], ["output0", "output1"],
                        "Upsample nearest and bilinear, ConvTranspose2d, cat, slice, chunk, split, select, "
                        "unsqueeze, sigmoid, tanh, leaky_relu, elu, add/sub/mul/div, permute, reshape, "
                        "transpose, contiguous, view, adaptive avg pool 4x4, softmax; two outputs", "trace")),
    ("scripted_control_flow", (ScriptedControlFlow, [("x", lambda: torch.randn(1, 8))], ["output"],
                               "torch.jit.script, data-dependent if (y.sum() > 0) and a for loop over a "
                               "tensor-derived count: must be refused; no ONNX", "script-no-onnx")),
    ("scripted_static", (ScriptedStatic, [("x", lambda: torch.randn(1, 3, 8, 8))], ["output"],
                         "torch.jit.script, control flow only on attributes (use_relu bool attribute, "
                         "self.training, BatchNorm's own training branches): static evaluation", "script")),
    ("scripted_upsample", (ScriptedUpsample, [("x", lambda: torch.randn(1, 3, 16, 16))], ["output"],
                           "torch.jit.script: nn.Upsample and F.interpolate run as their scripted bodies "
                           "(annotated assignments, argument checks), F.conv2d with default stride and "
                           "padding, bilinear resize to a given size", "script")),
    ("scripted_heads", (ScriptedHeads, [("x", lambda: torch.randn(1, 3, 16, 16))], ["output"],
                        "torch.jit.script, torchvision's head idioms: x.shape[-2:] (a list slice), "
                        "StochasticDepth's `if not training`, an OrderedDict result, a NamedTuple return "
                        "with a None field; no ONNX (PyTorch 1.13 cannot export aten::dict)", "script-no-onnx")),
    ("scripted_attention", (ScriptedAttention, [("x", lambda: torch.randn(1, 8, 32))], ["output"],
                            "torch.jit.script, nn.MultiheadAttention(32, 4, batch_first=True) in eval mode: its "
                            "fast-path checks and aten::_native_multi_head_attention; residual, mean, Linear; "
                            "no ONNX (PyTorch 1.13 cannot export the fused op)", "script-no-onnx")),
    ("scripted_shifted_window", (ScriptedShiftedWindow, [("x", lambda: torch.randn(1, 3, 8, 8))], ["output"],
                                 "torch.jit.script, torchvision's SwinTransformerBlock (window 4, shift 2): "
                                 "aten::roll, the attention mask written in place into slices of new_zeros "
                                 "(torch.tensor, copy_), masked_fill; no ONNX (PyTorch 1.13 cannot export aten::copy)", "script-no-onnx")),
])


def build(name):
    factory, _, _, _, _ = ZOO[name]
    torch.manual_seed(WEIGHT_SEED)
    model = factory()
    if not name.startswith("fashion_"):
        randomize_bn(model)
        randomize_params(model)
    return model.eval()


def make_inputs(name):
    torch.manual_seed(INPUT_SEED)
    return [maker() for _, maker in ZOO[name][1]]


def bn_fold_numpy(w, b, gamma, beta, mean, var, eps):
    """The exporter's Conv+BatchNorm folding, reproduced in numpy float32 (found bit-exact):
    s = gamma / sqrt(var + float32(eps)); W' = W * s (per output channel);
    B' = (b - mean) * s + beta if the Conv has a bias, else beta - mean * s."""
    f32 = np.float32
    s = gamma / np.sqrt(var + f32(eps))
    wf = w * s.reshape((-1,) + (1,) * (w.ndim - 1))
    bf = ((b - mean) * s + beta) if b is not None else (beta - mean * s)
    return wf.astype(f32), bf.astype(f32)


def check_bn_folding(name, model, onnx_path):
    """Every Conv followed by a BatchNorm in the model: find the folded pair among the ONNX
    initializers (same shape, values within 1e-4) and require the numpy formula to match it bit for
    bit. Also tries the alternative orders, reporting which ones would have matched."""
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(onnx_path).graph.initializer}
    convs = {n.input[1]: n for n in onnx.load(onnx_path).graph.node if n.op_type == "Conv"}
    pairs = []
    mods = list(model.named_modules())
    for (n1, m1), (n2, m2) in zip(mods, mods[1:]):
        if isinstance(m1, nn.modules.conv._ConvNd) and isinstance(m2, nn.modules.batchnorm._BatchNorm):
            pairs.append((n1, m1, n2, m2))
    if not pairs:
        return []
    f32 = np.float32
    results = []
    for n1, conv, n2, bn in pairs:
        w = conv.weight.detach().numpy()
        b = None if conv.bias is None else conv.bias.detach().numpy()
        g, be = bn.weight.detach().numpy(), bn.bias.detach().numpy()
        mu, var = bn.running_mean.numpy(), bn.running_var.numpy()
        wf, bf = bn_fold_numpy(w, b, g, be, mu, var, bn.eps)
        match = None
        for wname, node in convs.items():
            if wname in inits and inits[wname].shape == wf.shape and np.abs(inits[wname] - wf).max() < 1e-4:
                match = (wname, node.input[2] if len(node.input) > 2 else None)
                break
        assert match, f"{name}: no ONNX Conv initializer for the folded {n1} + {n2}"
        ow, ob = inits[match[0]], inits[match[1]]
        exact = np.array_equal(ow, wf) and np.array_equal(ob, bf)
        # alternatives, for the report
        bb = np.zeros_like(mu) if b is None else b
        s_div = g / np.sqrt(var + f32(bn.eps))
        s_rcp = g * (f32(1) / np.sqrt(var + f32(bn.eps)))
        s_eps64 = g / np.sqrt((var.astype(np.float64) + bn.eps).astype(f32))
        alt = {
            "w*(g*(1/sqrt))": np.array_equal(ow, w * s_rcp.reshape(wf.shape[:1] + (1,) * (w.ndim - 1))),
            "(w*g)/sqrt": np.array_equal(ow, (w * g.reshape(wf.shape[:1] + (1,) * (w.ndim - 1)))
                                         / np.sqrt(var + f32(bn.eps)).reshape(wf.shape[:1] + (1,) * (w.ndim - 1))),
            "eps added in float64": np.array_equal(ow, w * s_eps64.reshape(wf.shape[:1] + (1,) * (w.ndim - 1))),
            "bias (b-mean)*s+beta": np.array_equal(ob, (bb - mu) * s_div + be),
            "bias beta-mean*s": np.array_equal(ob, be - mu * s_div),
            "bias b*s+(beta-mean*s)": np.array_equal(ob, bb * s_div + (be - mu * s_div)),
        }
        results.append((n1, n2, match, exact, alt, conv.bias is not None))
        assert exact, f"{name}: folded {n1} + {n2} does not match the float32 formula bit for bit"
    return results


def bn_fold_study(channels=50000):
    """The zoo's folded pairs cannot tell some roundings apart (eps added in float32 or in float64
    agree on all of them), so also fold one wide Conv2d(1, channels, 1) + BatchNorm2d with small
    variances (where eps matters) in memory, for eps 1e-5 and 1e-3, and count the mismatches of
    each candidate formula. Nothing is written."""
    f32 = np.float32
    report = []
    for eps in (1e-5, 1e-3):
        torch.manual_seed(WEIGHT_SEED)
        m = nn.Sequential(nn.Conv2d(1, channels, 1, bias=True), nn.BatchNorm2d(channels, eps=eps)).eval()
        with torch.no_grad():
            m[1].running_var.copy_(torch.rand(channels) * 1e-3 + 1e-4)
            m[1].running_mean.copy_(torch.randn(channels))
            m[1].weight.copy_(torch.rand(channels) * 1.5 + 0.5)
            m[1].bias.copy_(torch.randn(channels))
        buf = io.BytesIO()
        torch.onnx.export(m, torch.randn(1, 1, 2, 2), buf, opset_version=OPSET, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL)
        g = onnx.load_from_string(buf.getvalue()).graph
        assert [n.op_type for n in g.node] == ["Conv"]
        inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        ow, ob = inits[g.node[0].input[1]], inits[g.node[0].input[2]]
        w, b = m[0].weight.detach().numpy(), m[0].bias.detach().numpy()
        gm, be, mu, var = (t.detach().numpy() for t in (m[1].weight, m[1].bias, m[1].running_mean, m[1].running_var))
        wf, bf = bn_fold_numpy(w, b, gm, be, mu, var, eps)
        s64 = gm / np.sqrt((var.astype(np.float64) + eps).astype(f32))
        sd = (gm.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)).astype(f32)
        s = gm / np.sqrt(var + f32(eps))
        counts = OrderedDict([
            ("bn_fold_numpy (W, B)", (int((ow != wf).sum()), int((ob != bf).sum()))),
            ("eps added in float64 (W, B)", (int((ow != w * s64[:, None, None, None]).sum()),
                                             int((ob != (b - mu) * s64 + be).sum()))),
            ("scale in float64 (W)", (int((ow != w * sd[:, None, None, None]).sum()),)),
            ("gamma * (1 / sqrt) (W)", (int((ow != w * (gm * (f32(1) / np.sqrt(var + f32(eps))))[:, None, None, None]).sum()),)),
            ("B = b * s + (beta - mean * s)", (int((ob != b * s + (be - mu * s)).sum()),)),
        ])
        report.append((eps, counts))
        assert counts["bn_fold_numpy (W, B)"] == (0, 0), f"BN fold study eps {eps}: {counts}"
    for eps, counts in report:
        print(f"BN fold study ({channels} channels, eps {eps}): mismatching elements "
              + "; ".join(f"{k} {v}" for k, v in counts.items()))


def onnx_summary(path):
    """Op types (with counts) and the key attributes of the interesting ones, plus initializer names."""
    m = onnx.load(path)
    counts = OrderedDict()
    details = []
    keep = {"Resize", "LSTM", "GRU", "Gemm", "Flatten", "GlobalAveragePool", "AveragePool", "HardSwish",
            "HardSigmoid", "Softmax", "ConvTranspose", "Reshape", "Transpose", "Split", "Slice", "Gather",
            "ReduceMean", "MaxPool", "Conv", "LeakyRelu", "Elu", "Concat", "Squeeze", "Unsqueeze", "If", "Loop"}
    for n in m.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
        if n.op_type in keep:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
            details.append(f"{n.op_type} {n.name} in={list(n.input)} {attrs}")
    names = [t.name for t in m.graph.initializer]
    return counts, details, names


def run(name, verbose=True):
    factory, input_specs, out_names, exercises, mode = ZOO[name]
    model = build(name)
    inputs = make_inputs(name)
    in_names = [n for n, _ in input_specs]
    pt_path = os.path.join(HERE, name + ".pt")
    onnx_path = os.path.join(HERE, name + ".onnx")

    with torch.no_grad():
        eager = as_tuple(model(*inputs))
        if mode == "trace":
            ts = torch.jit.trace(model, tuple(inputs))
        else:
            ts = torch.jit.script(model)
        out = as_tuple(ts(*inputs))
    ts.save(pt_path)
    assert len(out) == len(out_names)
    for e, o in zip(eager, out):
        assert torch.allclose(e, o, rtol=1e-5, atol=1e-6), f"{name}: TorchScript differs from eager"

    # inputs and outputs
    for n, t in zip(in_names, inputs):
        suffix = "input" if len(inputs) == 1 else "input" + str(in_names.index(n))
        np.save(os.path.join(HERE, f"{name}.{suffix}.npy"), t.numpy())
    for i, o in enumerate(out):
        suffix = "output" if len(out) == 1 else f"output{i}"
        np.save(os.path.join(HERE, f"{name}.{suffix}.npy"), o.numpy())

    # reload check: bit-exact
    loaded = torch.jit.load(pt_path)
    with torch.no_grad():
        again = as_tuple(loaded(*inputs))
    for i, (o, a) in enumerate(zip(out, again)):
        assert o.dtype == a.dtype and torch.equal(o, a), f"{name}: reloaded output {i} differs"
        suffix = "output" if len(out) == 1 else f"output{i}"
        saved = np.load(os.path.join(HERE, f"{name}.{suffix}.npy"))
        assert np.array_equal(saved, a.numpy())

    kinds = graph_op_kinds(loaded.inlined_graph)
    if name == "transformer_small":
        text = str(loaded.inlined_graph) + loaded.code
        for fused in ("_transformer_encoder_layer_fwd", "_native_multi_head_attention"):
            assert fused not in text, f"transformer_small: traced graph has {fused}"

    # ONNX
    onnx_bytes = "-"
    bn = []
    if mode != "script-no-onnx":
        export_model = model if mode == "trace" else ts
        torch.onnx.export(export_model, tuple(inputs), onnx_path, opset_version=OPSET, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL, input_names=in_names, output_names=out_names)
        onnx.checker.check_model(onnx.load(onnx_path))
        onnx_bytes = os.path.getsize(onnx_path)
        bn = check_bn_folding(name, model, onnx_path)
    elif os.path.exists(onnx_path):
        os.remove(onnx_path)

    params = sum(p.numel() for p in model.parameters())
    row = OrderedDict(
        name=name,
        inputs=" ".join(f"{n}{shape_str(t)}:{dtype_str(t)}" for n, t in zip(in_names, inputs)),
        outputs=" ".join(f"{n}{shape_str(t)}:{dtype_str(t)}" for n, t in zip(out_names, out)),
        kind={"trace": "traced", "script": "scripted", "script-no-onnx": "scripted"}[mode],
        exercises=exercises,
        params=params,
        pt_bytes=os.path.getsize(pt_path),
        onnx_bytes=onnx_bytes,
        aten_ops=",".join(k for k in kinds if not k.startswith("prim::")),
        prim_ops=",".join(k for k in kinds if k.startswith("prim::")),
        onnx_ops="-" if mode == "script-no-onnx" else ",".join(
            f"{k}:{v}" for k, v in sorted(onnx_summary(onnx_path)[0].items())),
    )
    if verbose:
        print(f"== {name}: params {params}, .pt {row['pt_bytes']} B, .onnx {onnx_bytes} B")
        print(f"   inputs {row['inputs']}  outputs {row['outputs']}")
        print(f"   TorchScript op kinds ({len(kinds)}): {' '.join(kinds)}")
        if mode != "script-no-onnx":
            counts, details, init_names = onnx_summary(onnx_path)
            print("   ONNX ops: " + ", ".join(f"{k}:{v}" for k, v in counts.items()))
            for d in details:
                print("     " + d)
            print(f"   ONNX initializers: {init_names}")
        for n1, n2, match, exact, alt, has_bias in bn:
            print(f"   BN fold {n1}+{n2} (conv bias: {has_bias}) -> {match}: formula exact {exact}; "
                  + ", ".join(f"{k}: {v}" for k, v in alt.items()))
    if name == "fashion_cnn_traced":
        row["same_as_shipped_onnx"] = compare_fashion_cnn_onnx(onnx_path)
    if name == "fashion_lstm_traced":
        check_fashion_lstm(model, inputs[0])
    return row


TSV_COLUMNS = ["name", "inputs", "outputs", "kind", "exercises", "params", "pt_bytes", "onnx_bytes",
               "aten_ops", "prim_ops", "onnx_ops"]


def main(argv):
    if argv:
        # TorchScript numbers the classes it compiles (___torch_mangle_N) across the whole process,
        # so a model's file depends on the models made before it: always make them all
        sys.exit("usage: /usr/bin/python3 models/torchscript/make_zoo.py   (makes every model)")
    torch.set_num_threads(1)  # one thread: the reference outputs do not depend on the machine's cores
    rows = [run(n) for n in ZOO]
    bn_fold_study()
    tsv = os.path.join(HERE, "zoo.tsv")
    with open(tsv, "w") as f:
        f.write("\t".join(TSV_COLUMNS) + "\n")
        for row in rows:
            f.write("\t".join(str(row[c]) for c in TSV_COLUMNS) + "\n")
    print(f"wrote {tsv}")


if __name__ == "__main__":
    if not globals().get("_RELOCATED"):
        # Start again in a fresh interpreter (1) with PYTHONHASHSEED=0: TorchScript writes a module's
        # __constants__ (a Python set) in hash order; (2) with this file compiled under its
        # repository-relative name, through `python3 -c`, so that no absolute path gets into the
        # traced modules' debug information (see compile_relative). Re-running gives byte-identical
        # files wherever the repository is checked out.
        os.environ["PYTHONHASHSEED"] = "0"
        boot = ("import sys, linecache; __file__ = sys.argv.pop(1); rel = sys.argv.pop(1); _RELOCATED = True; "
                "src = open(__file__).read(); linecache.cache[rel] = (len(src), None, src.splitlines(True), rel); "
                "exec(compile(src, rel, 'exec'))")
        os.execv(sys.executable, [sys.executable, "-c", boot, os.path.abspath(__file__),
                                  os.path.relpath(os.path.abspath(__file__), REPO)] + sys.argv[1:])
    main(sys.argv[1:])
