#!/usr/bin/env bash
# Benchmark smoke runs: every benchmark still runs end to end against the built packages and the real peers
# (dnsperf, gdnsd, PowerDNS, iperf3, HAProxy, wrk). Short runs; the recorded figures come from full runs
# (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/bench.mjs --smoke
node packages/health/bench/flap.mjs --smoke
node packages/engine/bench/flood.mjs --smoke
