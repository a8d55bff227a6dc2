#!/usr/bin/env bash
# Runs the JMH Spark benchmark: one sweep point over the 1,000 shipped Fashion-MNIST images on
# this machine (1 and 2 threads) and on Spark (local[1], local[2], a loopback standalone cluster
# of 1 and 2 one-core workers), in the same run. Results: benchmarks/results/spark.json and a
# table (images/s, ratio to this machine's path on the same cores) on standard output.
#   bash benchmarks/run-spark.sh            # full run (about 8 minutes on 2 cores)
#   QUICK=1 bash benchmarks/run-spark.sh    # one iteration each, to check it works
set -euo pipefail
source "$(dirname "$0")/build.sh"
ITER=()
[ -n "${QUICK:-}" ] && ITER=(-wi 1 -i 1)
java --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main 'SparkBenchmark' \
  "${ITER[@]}" -rf json -rff benchmarks/results/spark.json "$@" 2>&1 | grep -E '^(Benchmark|SparkBenchmark)'
java -cp "$CP" io.cnv2.bench.SparkSummary benchmarks/results/spark.json
