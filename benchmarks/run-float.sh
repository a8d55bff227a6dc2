#!/usr/bin/env bash
# JMH: the float reference of an ONNX model (ONNX Runtime on the file, through cnv2) against ONNX
# Runtime's own inference of the same file, and cnv2's own float execution, in the same run.
#   /usr/bin/python3 models/exports/export.py   # writes models/exports/.cache/resnet18.onnx (Debian's PyTorch)
#   bash benchmarks/run-float.sh [-p model=FILE]
set -euo pipefail
source "$(dirname "$0")/build.sh"
java --add-modules jdk.incubator.vector -cp "$CP" \
  org.openjdk.jmh.Main 'FloatReferenceBenchmark' -wi 3 -i 5 -w 2 -r 3 -rf json \
  -rff benchmarks/results/float-reference.json "$@" 2>&1 | grep -E '^(Benchmark|FloatReferenceBenchmark)'
