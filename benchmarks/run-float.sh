#!/usr/bin/env bash
# JMH: the float reference of an ONNX model (ONNX Runtime on the file, through cnv2) against ONNX
# Runtime's own inference of the same file, and cnv2's own float execution, in the same run.
#   /usr/bin/python3 models/exports/export.py   # writes models/exports/.cache/resnet18.onnx (Debian's PyTorch)
#   bash benchmarks/run-float.sh [-p model=FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf benchmarks/target/lib
mvn -B -q -o -DskipTests install -pl djl-cnv2-engine,onnx-importer,models,spark -am >/dev/null 2>&1 \
  || mvn -B -q -DskipTests install -pl djl-cnv2-engine,onnx-importer,models,spark -am
mvn -B -q -o -DskipTests package -pl benchmarks || mvn -B -q -DskipTests package -pl benchmarks
mkdir -p benchmarks/results
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
java --add-modules jdk.incubator.vector -cp "benchmarks/target/cnv2-benchmarks.jar:benchmarks/target/lib/*" \
  org.openjdk.jmh.Main 'FloatReferenceBenchmark' -wi 3 -i 5 -w 2 -r 3 -rf json \
  -rff benchmarks/results/float-reference.json "$@" 2>&1 | grep -E '^(Benchmark|FloatReferenceBenchmark)'
