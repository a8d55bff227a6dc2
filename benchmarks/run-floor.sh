#!/usr/bin/env bash
# JMH (issue 23): what this machine allows an exact emulation. KernelFloorBenchmark (the FMA units'
# peak, and the sparse window-sum kernel's shape with its weights in L1 and L2) beside ONNX Runtime's
# inference and cnv2's emulation of the same file in the same run; then FloorSummary counts the
# network's effectual products on the benchmark's images and prints the least time those rates allow.
#   /usr/bin/python3 models/exports/export.py   # writes models/exports/.cache/resnet18.onnx (Debian's PyTorch)
#   bash benchmarks/run-floor.sh [-f 2]
set -euo pipefail
source "$(dirname "$0")/build.sh"
out=benchmarks/results/floor-$(date +%F).json
java --add-modules jdk.incubator.vector -cp "$CP" \
  org.openjdk.jmh.Main 'KernelFloorBenchmark|WholeNetworkBenchmark\.(onnxRuntime|emulation)$' \
  -wi 3 -i 5 -w 3 -r 5 -rf json -rff "$out" "$@" 2>&1 | grep -E '^Benchmark|KernelFloorBenchmark\.|WholeNetworkBenchmark\.'
java --add-modules jdk.incubator.vector -Xmx6g -Xss64m -XX:+UseSerialGC -cp "$CP" io.cnv2.bench.FloorSummary "$out" 2>&1 \
  | grep -v '^WARNING: Using incubator'
