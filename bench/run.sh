#!/usr/bin/env bash
# Runs licensor's benchmarks and prints the figures the README publishes.
# Each benchmark measures its own baseline in the same run, on this machine.
#
#   bench/run.sh                 # all benchmarks (about 7 minutes)
#   bench/run.sh ChangePassword  # change_password vs the Argon2id bound, peak RSS
#   bench/run.sh CheckLicense    # check_license vs hello world, 10k/100k/1M licenses
#   bench/run.sh Engines         # check_license and activate+deactivate on SQLite,
#                                # PostgreSQL with 1 and 2 instances (about 2.5 minutes)
#   bench/run.sh Writes          # bare write transaction, add_consumption, floating check_license
#                                # on SQLite and PostgreSQL (about 1.5 minutes)
#
# The benchmarks ignore b.N (they send fixed loads), hence -benchtime=1x.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern=${1:-.}
if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
mkdir -p bench/out
out="bench/out/$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# $(date -u) $(go version) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  go test -run '^$' -bench "$pattern" -benchtime=1x -timeout 60m ./bench/
} 2>&1 | tee "$out"
echo "figures saved in $out"
