#!/usr/bin/env bash
# JMH (issue 23): a whole network per image through cnv2 (./cnv2 run's per-image work, and the
# emulation alone) against ONNX Runtime's own inference of the same file, one thread each, same run.
#   /usr/bin/python3 models/exports/export.py   # writes models/exports/.cache/resnet18.onnx (Debian's PyTorch)
#   bash benchmarks/run-network.sh [-p model=FILE] [-p arch=dadn|cnv|cnv2]
set -euo pipefail
source "$(dirname "$0")/build.sh"
java --add-modules jdk.incubator.vector -cp "$CP" \
  org.openjdk.jmh.Main 'WholeNetworkBenchmark' -wi 3 -i 5 -w 3 -r 5 -rf json \
  -rff benchmarks/results/network-$(date +%F).json "$@" 2>&1 | grep -E '^(Benchmark|WholeNetworkBenchmark)'
