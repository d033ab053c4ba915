#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Why local models take turns in a run (RunScheduler, ProviderFactory::computeDevices): two llama-servers that
# compute at the same time on the same cores. Prints generation tokens/s (the server's own timings) for one server
# alone, then two at once, each with THREADS threads (default: nproc), over REPEATS rounds.
#
# Usage: tests/bench/runner_contention.sh MODEL.gguf [REPEATS]   (ASSAY_LLAMA_DIR: the llama.cpp prefix; default:
#   the one the build in ./build was configured with). MAX_TOKENS (default 400), THREADS.
set -u
model=$1
repeats=${2:-2}
prefix=${ASSAY_LLAMA_DIR:-$(sed -n 's/^ASSAY_LLAMA_PREFIX:PATH=//p' build/CMakeCache.txt 2>/dev/null)}
server=$prefix/bin/llama-server
threads=${THREADS:-$(nproc)}
max_tokens=${MAX_TOKENS:-400}
[ -x "$server" ] || { echo "no llama-server under '$prefix' (set ASSAY_LLAMA_DIR)" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }
log=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$log"' EXIT

start() { # port extra-args...
    local port=$1
    shift
    "$server" -m "$model" --host 127.0.0.1 --port "$port" -t "$threads" -c 4096 -np 1 --no-webui "$@" \
        >"$log/$port.log" 2>&1 &
    for _ in $(seq 1 300); do curl -sf "127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.1; done
    echo "server on $port did not start" >&2
    exit 1
}
ask() { # port -> tokens/s from the server's timings
    curl -s "127.0.0.1:$1/v1/chat/completions" -H 'content-type: application/json' \
        -d "{\"messages\":[{\"role\":\"user\",\"content\":\"What if the Suez Canal had never been built?\"}],\"max_tokens\":$max_tokens,\"temperature\":0.7,\"ignore_eos\":true}" \
        | grep -o '"predicted_per_second":[0-9.]*' | cut -d: -f2
}

echo "machine: $(nproc) cores; llama-server threads $threads; $max_tokens tokens; model $(basename "$model")"
start 19451
start 19452
for r in $(seq 1 "$repeats"); do
    alone=$(ask 19451)
    ask 19451 >"$log/a" &
    a=$!
    ask 19452 >"$log/b" &
    b=$!
    wait "$a" "$b"
    printf 'round %d: alone %8.1f t/s   two at once %8.1f and %8.1f t/s\n' "$r" "$alone" "$(cat "$log/a")" "$(cat "$log/b")"
done
