#!/bin/sh
# SPDX-License-Identifier: MIT
# Copies a seed corpus into a work directory and fuzzes for a bounded time (the importers' fuzz tests).
# Usage: run-fuzz-corpus.sh FUZZER SEEDS WORKDIR SECONDS
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 "$work/corpus"
