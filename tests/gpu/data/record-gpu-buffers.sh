#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records llama-server's buffer reports on a GPU machine, for the fit plan's GPU calibration (the fixture
# h200-cuda-buffers.txt beside this script, checked by tst_fitplan::planMatchesRecordedGpu).
# For 4 random F16 Llama shapes × contexts 2048 and 8192 × 0, half and all layers offloaded, it starts
# `llama-server -c CTX -ngl N --fit off -lv 4`, waits until it listens, stops it and prints its buffer lines.
#
# Usage: record-gpu-buffers.sh LLAMA_PREFIX MAKE_TINY_MODEL [WORKDIR] > cases.txt
#   LLAMA_PREFIX: a llama.cpp build or install with bin/llama-server (e.g. from ASSAY_GPU_CUDA=ON build-llama.sh);
#   MAKE_TINY_MODEL: build/gpu/assay-make-tiny-model. The models (up to 2.2 GB each) go to WORKDIR (/tmp/sweep).
set -u
prefix=$1
maker=$2
work=${3:-/tmp/sweep}
server=$prefix/bin/llama-server
vocab=$prefix/share/assay/ggml-vocab-llama-spm.gguf
mkdir -p "$work"
port=19400
for shape in "256 4 1024 4 4" "512 6 1536 8 4" "1024 8 2816 16 8" "2048 16 8192 32 8"; do
    set -- $shape
    model=$work/m-$1-$2-$3.gguf
    "$maker" "$model" - --seed 7 --n-embd "$1" --n-layer "$2" --n-ff "$3" --n-head "$4" --n-head-kv "$5" \
        --ctx 16384 --vocab "$vocab" >/dev/null || { echo "could not make $shape" >&2; exit 1; }
    for ctx in 2048 8192; do
        for ngl in 0 $((($2 + 1) / 2)) $(($2 + 1)); do
            port=$((port + 1))
            log=$work/server.log
            timeout 60 "$server" -m "$model" --host 127.0.0.1 --port $port -c $ctx -np 1 -ngl $ngl --fit off \
                --no-webui -lv 4 --log-colors off -t 4 >"$log" 2>&1 &
            pid=$!
            for _ in $(seq 1 200); do grep -q "listening on\|error\|failed" "$log" && break; sleep 0.1; done
            kill $pid 2>/dev/null
            wait $pid 2>/dev/null
            echo "## case embd=$1 layers=$2 ff=$3 heads=$4 kv=$5 ctx=$ctx ngl=$ngl np=1"
            grep -E "buffer size|offloaded" "$log" | sed 's/^[0-9.]* [IWE] //'
        done
    done
    rm -f "$model"
done
