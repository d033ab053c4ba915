#!/bin/sh
# SPDX-License-Identifier: MIT
# Seeds a corpus with a generated tiny model's adapter and header, then fuzzes the GGUF reader for a bounded time.
# Usage: run-fuzz.sh FUZZER MAKE_TINY_MODEL WORKDIR SECONDS
set -eu
fuzzer=$1 make=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
"$make" "$work/model.gguf" "$work/corpus/lora.gguf"
head -c 4096 "$work/model.gguf" >"$work/corpus/model-head.gguf"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$work/corpus"
