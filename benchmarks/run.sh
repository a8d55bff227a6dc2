#!/usr/bin/env bash
# Runs the JMH layer benchmarks: cnv2's fast DaDN and CNV paths against libtorch (DJL PyTorch
# engine, float32) on ResNet-18-shaped layers, one thread each, in the same run; then the CNV
# reference path against the fast one on one layer. Results: benchmarks/results/*.json and a
# table (ms per layer, GMAC/s, ratio to libtorch) on standard output.
#   bash benchmarks/run.sh            # full run: both timing profiles at 50 % zeros, isca2016 at 80 % (about 30 minutes)
#   QUICK=1 bash benchmarks/run.sh    # one short iteration each, to check it works
set -euo pipefail
source "$(dirname "$0")/build.sh"
ITER=(-wi 3 -i 5)
[ -n "${QUICK:-}" ] && ITER=(-wi 1 -i 1 -w 1 -r 1)
java --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main 'LayerBenchmark\.(dadnFast|cnvFast|libtorch)$' \
  "${ITER[@]}" -rf json -rff benchmarks/results/layers.json "$@" 2>&1 | grep -E '^(Benchmark|LayerBenchmark)'
# issue 23's second figure: the fast CNV path at 80 % zeros, under the default profile
java --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main 'LayerBenchmark\.(cnvFast|libtorch)$' \
  -p sparsity=0.8 -p timing=isca2016 "${ITER[@]}" -rf json -rff benchmarks/results/layers-80.json "$@" 2>&1 \
  | grep -E '^(Benchmark|LayerBenchmark)'
java --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main 'LayerBenchmark\.(cnvFast|cnvReference)$' \
  -p layer=layer4 -p timing=isca2016,ideal -wi 1 -i 3 -rf json -rff benchmarks/results/reference.json 2>&1 | grep -E '^(Benchmark|LayerBenchmark)'
java -cp "$CP" io.cnv2.bench.Summary benchmarks/results/layers.json benchmarks/results/layers-80.json \
  benchmarks/results/reference.json
