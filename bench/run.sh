#!/usr/bin/env bash
# Runs licensor's benchmarks and prints the figures the README publishes.
# Each benchmark measures its own baseline in the same run, on this machine.
#
#   bench/run.sh                 # all benchmarks
#   bench/run.sh ChangePassword  # one of them
set -euo pipefail
cd "$(dirname "$0")/.."
pattern=${1:-.}
mkdir -p bench/out
out="bench/out/$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# $(date -u) $(go version) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  # 400 changes at ~30/s take ~15 s after a ~10 s setup (200 users hashed at
  # production settings).
  go test -run '^$' -bench "$pattern" -benchtime=400x -timeout 30m ./bench/
} 2>&1 | tee "$out"
echo "figures saved in $out"
