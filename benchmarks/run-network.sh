#!/usr/bin/env bash
# JMH (issue 23): a whole network per image through cnv2 (./cnv2 run's per-image work, and the
# emulation alone) against ONNX Runtime's own inference of the same file, one thread each, same run.
#   /usr/bin/python3 models/exports/export.py   # writes models/exports/.cache/resnet18.onnx (Debian's PyTorch)
#   bash benchmarks/run-network.sh [-p model=FILE] [-p arch=dadn|cnv|cnv2]
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf benchmarks/target/lib
mvn -B -q -o -DskipTests install -pl djl-cnv2-engine,onnx-importer,models,spark -am >/dev/null 2>&1 \
  || mvn -B -q -DskipTests install -pl djl-cnv2-engine,onnx-importer,models,spark -am
mvn -B -q -o -DskipTests package -pl benchmarks || mvn -B -q -DskipTests package -pl benchmarks
mkdir -p benchmarks/results
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
java --add-modules jdk.incubator.vector -cp "benchmarks/target/cnv2-benchmarks.jar:benchmarks/target/lib/*" \
  org.openjdk.jmh.Main 'WholeNetworkBenchmark' -wi 3 -i 5 -w 3 -r 5 -rf json \
  -rff benchmarks/results/network-$(date +%F).json "$@" 2>&1 | grep -E '^(Benchmark|WholeNetworkBenchmark)'
