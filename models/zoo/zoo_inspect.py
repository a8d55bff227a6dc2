#!/usr/bin/python3
"""Regenerates models/zoo/zoo.tsv from the files that fetch.sh put in models/zoo/.cache/.

Needs Debian's python3-onnx (apt-get install python3-onnx python3-numpy); run it with /usr/bin/python3.
Package, version and tarball member of each model are read from fetch.sh; family, licence, the
shapes that the package's own code feeds and hand-written notes are in MODELS below; everything
else (bytes, opset, inputs, outputs, op types, the automatic notes) is read from the ONNX file.

When ZOO_ORT_NODE_PATH names a node_modules folder holding onnxruntime-node (e.g. after
`npm install --ignore-scripts onnxruntime-node@1.22.0` in a temporary folder), every model is also
run once in ONNX Runtime on a seeded random input of the suggested shapes (run_ort.cjs), and the
notes say whether it ran and what output shapes it gave.

Usage: /usr/bin/python3 models/zoo/zoo_inspect.py [--out PATH]   (default: models/zoo/zoo.tsv)
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")

# name -> family, licence, suggested shapes (input -> dims; int64 inputs carry the value the
# package feeds), notes written by hand (how the package drives the model, layout, value range)
MODELS = {
    "silero_vad_v4": dict(
        family="vad",
        license="ISC (package); Silero VAD model MIT",
        shapes={"input": [1, 1536], "sr": ([], 16000), "h": [2, 1, 64], "c": [2, 1, 64]},
        notes="Silero VAD v4 ('legacy'): 16 kHz frames of 1536 samples; LSTM state h/c fed back from hn/cn;"
              " the package passes sr as int64 [16000] with dims [1] although the graph declares a scalar;"
              " the top level is only Equal(sr,16000) + If choosing a 16 kHz or an 8 kHz copy of the network,"
              " each with nested Ifs, reflect-mode Pad, STFT as a 1-D Conv (kernel 256), depthwise 1-D Convs"
              " and ONNX LSTM"),
    "silero_vad_v5": dict(
        family="vad",
        license="ISC (package); Silero VAD model MIT",
        shapes={"input": [1, 576], "state": [2, 1, 128], "sr": ([], 16000)},
        notes="Silero VAD v5: the package feeds 64 context samples + a 512-sample frame (576) at 16 kHz;"
              " state fed back from stateN; sr as int64 [16000] with dims [1] in the package;"
              " exported with spox: Equal(sr,16000) + If over a 16 kHz and an 8 kHz network, nested Ifs,"
              " every weight a Constant node inside the branches, reflect-mode Pad, STFT as a 1-D Conv,"
              " ONNX LSTM; all shapes unknown ('?') in the signature; the package's v6 file has the same"
              " graph with other weights (not included)"),
    "oww_melspectrogram": dict(
        family="wakeword-melspectrogram",
        license="MIT (package); openWakeWord feature model",
        shapes={"input": [1, 1280]},
        notes="openWakeWord front end: 80 ms of 16 kHz audio (1280 samples) -> log-mel frames of 32 bins"
              " (STFT as Conv with fixed kernels); the package feeds [1,1280] per chunk"),
    "oww_embedding": dict(
        family="wakeword-embedding",
        license="MIT (package); openWakeWord feature model (port of Google speech_embedding)",
        shapes={"input_1": [1, 76, 32, 1]},
        notes="openWakeWord speech-embedding CNN (tf2onnx): 76 mel frames x 32 bins, NHWC (channel last = 1)"
              " -> one 96-d embedding; LeakyRelu/Max activation pairs; openWakeWord states that its bundled"
              " wake-word models are CC BY-NC-SA 4.0, so that is why the wake-word head here is hello_deepa"
              " rather than hey_jarvis"),
    "oww_hello_deepa": dict(
        family="wakeword-classifier",
        license="Apache-2.0 (package)",
        shapes={"onnx::Flatten_0": [1, 25, 96]},
        notes="openWakeWord-style classifier head ('hello deepa', trained by the package author):"
              " 25 embeddings x 96 -> score; LayerNorm decomposed into ReduceMean/Pow/Sqrt/Div; the package"
              " finds the 25 by a trial run with 24"),
    "blazeface_front_128": dict(
        family="face-detector",
        license="Apache-2.0 (package; MediaPipe BlazeFace)",
        shapes={"input:0": [1, 128, 128, 3]},
        notes="MediaPipe BlazeFace short-range (front camera), Barracuda-friendly re-export by keijiro of"
              " PINTO0309's conversion (tf2onnx); NHWC RGB input; 896 anchors split 512+384 (scores, 16 box"
              " and keypoint regressors); channel padding done with ConstantOfShape+Concat"),
    "blazeface_back_256": dict(
        family="face-detector",
        license="Apache-2.0 (package; MediaPipe BlazeFace)",
        shapes={"input:0": [1, 256, 256, 3]},
        notes="MediaPipe BlazeFace full-range (back camera) variant, same origin and layout as"
              " blazeface_front_128; NHWC RGB input"),
    "mlsd_tiny_320": dict(
        family="line-detector",
        license="Apache-2.0 (package.json; M-LSD Apache-2.0)",
        shapes={"input_image_with_alpha:0": [1, 320, 320, 4]},
        notes="M-LSD tiny line-segment detector (tf2onnx), MobileNetV2 encoder (Clip = ReLU6) + FPN decoder;"
              " NHWC RGBA input in 0..255 (normalised in the graph by Mul+Sub, then Transpose to NCHW);"
              " bilinear Resize whose sizes come from Shape+Slice at run time; outputs a half-resolution"
              " centre-score map with an in-graph 3x3 max-pool peak filter (Sigmoid, MaxPool, Equal, Cast,"
              " Mul) and 4 offset maps, both NHWC"),
    "mlsd_large_512": dict(
        family="line-detector",
        license="Apache-2.0 (package.json; M-LSD Apache-2.0)",
        shapes={"input_image_with_alpha:0": [1, 512, 512, 4]},
        notes="M-LSD large line-segment detector, same structure and layout as mlsd_tiny_320"),
    "isnet_quint8": dict(
        family="segmentation",
        license="AGPL-3.0 (package LICENSE.md); ISNet (DIS) model MIT per package ThirdPartyLicenses.json",
        shapes={"input": [1, 3, 1024, 1024]},
        notes="IS-Net (DIS) background removal, 1024x1024, the package's 'small' model: dynamically"
              " quantized by onnx.quantize (every Conv is DynamicQuantizeLinear + ConvInteger on uint8"
              " weights, then Cast/Mul/Add to rescale); output 'output' is the mask, the other 11 outputs are"
              " deep-supervision side outputs and decoder features; shipped in 4 MiB"
              " chunks that fetch.sh reassembles"),
    "isnet_fp16": dict(
        family="segmentation",
        license="AGPL-3.0 (package LICENSE.md); ISNet (DIS) model MIT per package ThirdPartyLicenses.json",
        shapes={"input": [1, 3, 1024, 1024]},
        notes="IS-Net (DIS) background removal, 1024x1024, the package's 'medium' model, 88 MB: every weight"
              " is float16 and the whole network runs in float16 between a float32->float16 Cast of the input"
              " and float16->float32 Casts of the 12 outputs, inserted by the fp16 converter, which appended"
              " the input Cast at the end of the node list (hence the nodes out of topological order);"
              " Resize sizes come from Shape+Slice; output 'output' is the mask; shipped in 4 MiB"
              " chunks that fetch.sh reassembles"),
}

QUANT_OPS = {"ConvInteger", "MatMulInteger", "DynamicQuantizeLinear", "QuantizeLinear",
             "DequantizeLinear", "QLinearConv", "QLinearMatMul", "QLinearAdd", "QLinearMul"}
SUBGRAPH_OPS = {"If", "Loop", "Scan"}


def read_fetch_sh():
    """Returns {name: (package, member)} and {package: version} as fetch.sh pins them."""
    text = open(os.path.join(HERE, "fetch.sh")).read()

    def array(name):
        body = re.search(r"^%s=\(\n(.*?)^\)" % name, text, re.S | re.M).group(1)
        return [line.split() for line in re.findall(r'"([^"]+)"', body)]

    versions = {p: v for p, v, _ in array("packages")}
    models = {n: (p, m) for n, p, m in array("models")}
    return models, versions


def elem(t):
    return onnx.TensorProto.DataType.Name(t).lower()


def value_info(v):
    t = v.type.tensor_type
    dims = []
    for d in t.shape.dim:
        dims.append(d.dim_param if d.dim_param else (str(d.dim_value) if d.HasField("dim_value") else "?"))
    return "%s:%s:[%s]" % (v.name, elem(t.elem_type), ",".join(dims)), dims


def walk(graph, depth=0):
    """Yields (node, depth) for every node, subgraphs included."""
    for n in graph.node:
        yield n, depth
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from walk(a.g, depth + 1)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for g in a.graphs:
                    yield from walk(g, depth + 1)


def out_of_order(graph, outer=frozenset()):
    """Counts nodes that read a value produced by a later node of the same graph (recursively)."""
    known = set(outer) | {i.name for i in graph.initializer} | {i.name for i in graph.input} | {""}
    produced_later = {o for n in graph.node for o in n.output}
    bad, first = 0, None
    for n in graph.node:
        if any(i not in known and i in produced_later for i in n.input):
            bad += 1
            first = first or (n.name or n.op_type)
        for a in n.attribute:
            gs = [a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)
            for g in gs:
                b, f = out_of_order(g, frozenset(known | produced_later))
                bad += b
                first = first or f
        known.update(n.output)
    return bad, first


def initializers(graph):
    yield from graph.initializer
    for n in graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from initializers(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for g in a.graphs:
                    yield from initializers(g)


def conv_summary(convs, graph):
    """Kernel sizes, strides, groups, dilations and asymmetric pads of the convolutions."""
    if not convs:
        return None
    shapes = {i.name: list(i.dims) for i in initializers(graph)}
    for n, _ in walk(graph):  # weights held in Constant nodes (silero v5)
        for a in n.attribute:
            if n.op_type == "Constant" and a.name == "value":
                shapes[n.output[0]] = list(a.t.dims)
    kernels, strided, grouped, depthwise, dilated, asym = collections.Counter(), 0, 0, 0, 0, 0
    for n in convs:
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        k = a.get("kernel_shape") or shapes.get(n.input[1], [0, 0, 0, 0])[2:]
        kernels["x".join(map(str, k))] += 1
        strided += any(s > 1 for s in a.get("strides", []))
        dilated += any(d > 1 for d in a.get("dilations", []))
        g = a.get("group", 1)
        w = shapes.get(n.input[1])
        if g > 1:
            if w and w[1] == 1:
                depthwise += 1
            else:
                grouped += 1
        pads = a.get("pads", [])
        half = len(pads) // 2
        asym += any(pads[i] != pads[i + half] for i in range(half))
    parts = ["%s:%d" % kv for kv in sorted(kernels.items(), key=lambda kv: -kv[1])]
    extra = []
    if strided:
        extra.append("%d strided" % strided)
    if depthwise:
        extra.append("%d depthwise" % depthwise)
    if grouped:
        extra.append("%d grouped" % grouped)
    if dilated:
        extra.append("%d dilated" % dilated)
    if asym:
        extra.append("%d with asymmetric pads" % asym)
    return "%d convolutions, kernels %s%s" % (len(convs), " ".join(parts), (", " + ", ".join(extra)) if extra else "")


def auto_notes(m):
    g = m.graph
    notes = []
    nodes = list(walk(g))
    sub = [n for n, d in nodes if d > 0]
    for n in g.node:
        if n.op_type in SUBGRAPH_OPS:
            parts = []
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    parts.append("%s %d nodes" % (a.name, sum(1 for _ in walk(a.g))))
            notes.append("%s with subgraphs (%s)" % (n.op_type, ", ".join(parts)))
    depth = max(d for _, d in nodes)
    if depth > 1:
        notes.append("subgraphs nested %d deep" % depth)
    if sub:
        notes.append("op_types count the %d subgraph nodes too (top level has %d nodes)" % (len(sub), len(g.node)))
    inits = list(initializers(g))
    consts = sum(1 for n, _ in nodes if n.op_type == "Constant")
    if not inits and consts:
        notes.append("no initializers: all %d weights/constants are Constant nodes" % consts)
    kinds = collections.Counter(elem(i.data_type) for i in inits)
    if kinds:
        notes.append("initializers: " + ",".join("%s:%d" % kv for kv in sorted(kinds.items())))
    if kinds.get("float16"):
        notes.append("fp16 initializers")
    conv = conv_summary([n for n, _ in nodes if n.op_type in ("Conv", "ConvInteger", "ConvTranspose")], g)
    if conv:
        notes.append(conv)
    q = sorted({n.op_type for n, _ in nodes if n.op_type in QUANT_OPS})
    if q:
        notes.append("quantization ops: " + ",".join(q))
    bad, first = out_of_order(g)
    notes.append("nodes not in topological order: %d (first %s)" % (bad, first) if bad else "nodes topologically sorted")
    init_names = {i.name for i in g.initializer}
    listed = [i.name for i in g.input if i.name in init_names]
    if listed:
        notes.append("%d initializers also listed as graph inputs" % len(listed))
    dyn = []
    for v in list(g.input) + list(g.output):
        if v.name in init_names:
            continue
        _, dims = value_info(v)
        sym = [d for d in dims if not d.isdigit()]
        if sym:
            dyn.append("%s[%s]" % (v.name, ",".join(sym)))
    if dyn:
        notes.append("dynamic dims: " + " ".join(dyn))
    used = {n.domain or "" for n, _ in nodes}
    unused = [o.domain for o in m.opset_import if (o.domain or "") not in used]
    if unused:
        notes.append("imports unused opset domains: " + ",".join(unused))
    custom = sorted({"%s:%s" % (n.domain, n.op_type) for n, _ in nodes if n.domain not in ("", "ai.onnx")})
    if custom:
        notes.append("non-default-domain ops: " + ",".join(custom))
    if len(g.output) > 1:
        notes.append("%d outputs" % len(g.output))
    notes.append("producer %s %s, IR %d" % (m.producer_name, m.producer_version, m.ir_version))
    return notes


def shapes_field(shapes):
    parts = []
    for k, v in shapes.items():
        dims = v[0] if isinstance(v, tuple) else v
        parts.append("%s=%s" % (k, ",".join(str(d) for d in dims)))
    return ";".join(parts)


def run_ort(rows, node_path):
    req = []
    for name, m, path in rows:
        ins = []
        by_name = {v.name: v for v in m.graph.input}
        for k, v in MODELS[name]["shapes"].items():
            t = elem(by_name[k].type.tensor_type.elem_type)
            if isinstance(v, tuple):
                ins.append(dict(name=k, type=t, dims=v[0], value=v[1]))
            else:
                # state inputs start at zero, as the packages start them
                ins.append(dict(name=k, type=t, dims=v, zero=k in ("h", "c", "state")))
        req.append(dict(name=name, path=path, inputs=ins))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(req, f)
    try:
        env = dict(os.environ, NODE_PATH=node_path)
        out = subprocess.run(["node", os.path.join(HERE, "run_ort.cjs"), f.name], env=env,
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "zoo.tsv"))
    args = ap.parse_args()
    pinned, versions = read_fetch_sh()
    missing = set(pinned) ^ set(MODELS)
    if missing:
        sys.exit("zoo_inspect.py: fetch.sh and MODELS disagree on %s" % sorted(missing))
    rows = []
    for name in pinned:
        path = os.path.join(CACHE, name + ".onnx")
        if not os.path.exists(path):
            sys.exit("zoo_inspect.py: %s missing; run bash models/zoo/fetch.sh first" % path)
        rows.append((name, onnx.load(path), path))
    ort = None
    if os.environ.get("ZOO_ORT_NODE_PATH"):
        ort = run_ort(rows, os.environ["ZOO_ORT_NODE_PATH"])
    cols = ["name", "file", "package", "version", "license", "family", "bytes", "opset", "inputs",
            "outputs", "suggested_shapes", "op_types", "notes"]
    lines = ["\t".join(cols)]
    for name, m, path in rows:
        meta = MODELS[name]
        pkg, member = pinned[name]
        g = m.graph
        init_names = {i.name for i in g.initializer}
        opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        ops = collections.Counter(
            (n.op_type if n.domain in ("", "ai.onnx") else "%s:%s" % (n.domain, n.op_type)) for n, _ in walk(g))
        notes = [meta["notes"]] + auto_notes(m)
        ints = ["%s=%d" % (k, v[1]) for k, v in meta["shapes"].items() if isinstance(v, tuple)]
        if ints:
            notes.append("int64 input values: " + ",".join(ints))
        if ort:
            r = ort["results"][name]
            if r["ok"]:
                notes.append("ONNX Runtime %s ran it on the suggested shapes: %s" % (
                    ort["ort"]["node"],
                    " ".join("%s=[%s]" % (o["name"], ",".join(map(str, o["dims"]))) for o in r["outputs"])))
            else:
                notes.append("ONNX Runtime %s FAILED: %s" % (ort["ort"]["node"], r["error"]))
        row = [name, member, pkg, versions[pkg], meta["license"], meta["family"], str(os.path.getsize(path)),
               str(opset),
               ";".join(value_info(v)[0] for v in g.input if v.name not in init_names),
               ";".join(value_info(v)[0] for v in g.output),
               shapes_field(meta["shapes"]),
               ",".join("%s:%d" % kv for kv in sorted(ops.items())),
               "; ".join(notes)]
        assert not any("\t" in c or "\n" in c for c in row), name
        lines.append("\t".join(row))
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("zoo_inspect.py: wrote %d models to %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
