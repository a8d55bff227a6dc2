"""The cnv2 graph card: how a TorchScript file tells cnv2 its layer graph.

TorchScript keeps code, not a graph another program can read, so cnv2 asks the exporter to
embed one: torch.fx traces the model into a list of nodes (module calls and functions), and
this script writes them, with each layer's geometry and the names of its parameters, as JSON
in the TorchScript file's extra file "cnv2.graph.json" (torch.jit.save(..., _extra_files=...)).
cnv2 reads the card and takes the weights from the file's own parameters through DJL's PyTorch
engine; BatchNorm running statistics (buffers, not parameters) travel inside the card.

Supported: Conv2d, Linear, BatchNorm2d, ReLU, ReLU6, Hardswish, Hardsigmoid, Sigmoid, Tanh,
MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Flatten, Dropout (identity), Identity and the same
as functions (F.relu, F.max_pool2d, torch.flatten...), tensor + tensor, torch.cat. Anything
else raises an error naming the node: a model that cnv2 cannot read is never half-exported.
"""
import json
import operator

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "cnv2.graph/1"


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def _floats(t):
    return [float(x) for x in t.detach().cpu().reshape(-1).tolist()]


def _module_node(name, m, target, inputs):
    node = {"name": name, "inputs": inputs}
    if isinstance(m, nn.Conv2d):
        if m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ValueError(f"node {name}: Conv2d padding {m.padding!r}/{m.padding_mode} is not supported")
        node.update(op="conv2d", weight=target + ".weight", bias=None if m.bias is None else target + ".bias",
                    stride=_pair(m.stride), padding=_pair(m.padding), dilation=_pair(m.dilation), groups=m.groups)
    elif isinstance(m, nn.Linear):
        node.update(op="linear", weight=target + ".weight", bias=None if m.bias is None else target + ".bias")
    elif isinstance(m, nn.BatchNorm2d):
        node.update(op="batch_norm", weight=target + ".weight", bias=target + ".bias", eps=float(m.eps),
                    running_mean=_floats(m.running_mean), running_var=_floats(m.running_var))
    elif isinstance(m, (nn.ReLU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh)):
        node.update(op=type(m).__name__.lower())
    elif isinstance(m, nn.ReLU6):
        node.update(op="relu6")
    elif isinstance(m, nn.MaxPool2d):
        if _pair(m.dilation) != [1, 1]:
            raise ValueError(f"node {name}: dilated max pooling is not supported")
        node.update(op="max_pool2d", kernel=_pair(m.kernel_size), stride=_pair(m.stride or m.kernel_size),
                    padding=_pair(m.padding), ceil_mode=bool(m.ceil_mode))
    elif isinstance(m, nn.AvgPool2d):
        node.update(op="avg_pool2d", kernel=_pair(m.kernel_size), stride=_pair(m.stride or m.kernel_size),
                    padding=_pair(m.padding), ceil_mode=bool(m.ceil_mode), count_include_pad=bool(m.count_include_pad))
    elif isinstance(m, nn.AdaptiveAvgPool2d):
        if _pair(m.output_size) != [1, 1]:
            raise ValueError(f"node {name}: AdaptiveAvgPool2d to {m.output_size} (only 1x1 is supported)")
        node.update(op="global_avg_pool")
    elif isinstance(m, nn.Flatten):
        node.update(op="flatten", start_dim=m.start_dim)
    elif isinstance(m, (nn.Dropout, nn.Identity)):
        node.update(op="identity")
    else:
        raise ValueError(f"node {name}: module {type(m).__name__} is not supported by the cnv2 graph card")
    return node


def _function_node(name, fn, args, kwargs, inputs):
    node = {"name": name, "inputs": inputs}

    def arg(i, key, default):
        return args[i] if len(args) > i else kwargs.get(key, default)

    if fn in (F.relu, torch.relu):
        node.update(op="relu")
    elif fn in (F.hardswish,):
        node.update(op="hardswish")
    elif fn in (torch.sigmoid,):
        node.update(op="sigmoid")
    elif fn in (torch.tanh,):
        node.update(op="tanh")
    elif fn is F.max_pool2d:
        kernel = arg(1, "kernel_size", None)
        node.update(op="max_pool2d", kernel=_pair(kernel), stride=_pair(arg(2, "stride", None) or kernel),
                    padding=_pair(arg(3, "padding", 0)), ceil_mode=bool(arg(5, "ceil_mode", False)))
        if _pair(arg(4, "dilation", 1)) != [1, 1]:
            raise ValueError(f"node {name}: dilated max pooling is not supported")
    elif fn is F.avg_pool2d:
        kernel = arg(1, "kernel_size", None)
        node.update(op="avg_pool2d", kernel=_pair(kernel), stride=_pair(arg(2, "stride", None) or kernel),
                    padding=_pair(arg(3, "padding", 0)), ceil_mode=bool(arg(4, "ceil_mode", False)),
                    count_include_pad=bool(arg(5, "count_include_pad", True)))
    elif fn is F.adaptive_avg_pool2d:
        if _pair(arg(1, "output_size", None)) != [1, 1]:
            raise ValueError(f"node {name}: adaptive_avg_pool2d to anything but 1x1 is not supported")
        node.update(op="global_avg_pool")
    elif fn is torch.flatten:
        node.update(op="flatten", start_dim=arg(1, "start_dim", 0))
    elif fn in (operator.add, torch.add):
        node.update(op="add")
    elif fn is torch.cat:
        node.update(op="cat", dim=arg(1, "dim", 0))
    elif fn is F.dropout:
        node.update(op="identity")
    else:
        raise ValueError(f"node {name}: function {getattr(fn, '__name__', fn)} is not supported by the cnv2 graph card")
    return node


def graph_card(model: nn.Module, example: torch.Tensor) -> str:
    """The card of an eval-mode model for inputs shaped like example (batch 1), as JSON text."""
    model = model.eval()
    gm = torch.fx.symbolic_trace(model)
    nodes, inputs, outputs = [], [], []
    for n in gm.graph.nodes:
        names = [a.name for a in n.all_input_nodes]
        if n.op == "placeholder":
            inputs.append({"name": n.name, "shape": [1] + list(example.shape[1:])})
        elif n.op == "call_module":
            nodes.append(_module_node(n.name, gm.get_submodule(n.target), n.target, names))
        elif n.op == "call_function":
            nodes.append(_function_node(n.name, n.target, n.args, n.kwargs, names))
        elif n.op == "call_method":
            if n.target == "flatten":
                nodes.append({"name": n.name, "op": "flatten", "inputs": names,
                              "start_dim": n.args[1] if len(n.args) > 1 else n.kwargs.get("start_dim", 0)})
            elif n.target == "relu":
                nodes.append({"name": n.name, "op": "relu", "inputs": names})
            else:
                raise ValueError(f"node {n.name}: tensor method {n.target} is not supported by the cnv2 graph card")
        elif n.op == "output":
            outputs = names
        else:
            raise ValueError(f"node {n.name}: {n.op} is not supported by the cnv2 graph card")
    return json.dumps({"format": FORMAT, "inputs": inputs, "outputs": outputs, "nodes": nodes}, indent=1)


def save(model: nn.Module, example: torch.Tensor, path: str):
    """torch.jit.script(model).save(path) with the card embedded."""
    card = graph_card(model, example)
    torch.jit.script(model.eval()).save(path, _extra_files={"cnv2.graph.json": card})
