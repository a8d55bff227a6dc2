# Sourced by every benchmarks/run*.sh: builds the benchmark jar and the modules it depends on
# (offline first, then with Maven Central), so that no module is read stale from ~/.m2, and sets
# what every entry point must set (DEPENDENCIES.md) and the JMH classpath, CP.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -rf benchmarks/target/lib # copy-dependencies keeps jars of old versions; the classpath below takes lib/*
mvn -B -q -o -DskipTests install -pl benchmarks -am >/dev/null 2>&1 || mvn -B -q -DskipTests install -pl benchmarks -am
mkdir -p benchmarks/results
export DJL_OFFLINE=true OPT_OUT_TRACKING=true ORT_DISABLE_TELEMETRY=1
CP="benchmarks/target/cnv2-benchmarks.jar:benchmarks/target/lib/*"
