#!/usr/bin/env bash
# Deploy benchmark (docs/benchmarks.md, deploy section). Needs root with `ip netns` (hosts in network
# namespaces), /usr/sbin/sshd, and for the peers: apt-get install ansible-core pssh.
#   BENCH_HOSTS=1,10,20 BENCH_RUNS=3 bench/deploy/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PATH="$PWD/node_modules/.bin:$PATH" NODE_OPTIONS=--experimental-vm-modules exec node_modules/.bin/node node_modules/jest/bin/jest.js --rootDir . --testMatch '<rootDir>/bench/deploy/*.bench.ts' --testTimeout 3600000 --maxWorkers 1 "$@"
