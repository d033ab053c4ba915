#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The local runner through Assay vs llama.cpp itself, on the same machine and model:
#   llama-bench (pp512, tg128)  |  a direct streaming request to llama-server  |  a run through Assay's run engine
# The model is a deterministic random-weight Llama of Llama-3.2-1B's shape (n_embd 2048, 16 layers, n_ff 8192,
# 32 heads, 8 KV heads, 32000-token vocabulary: about 1.1 B parameters) written by assay-make-tiny-model and
# quantized to Q4_K_M by llama-quantize. It is cached in $ASSAY_BENCH_MODELS (default ~/.cache/assay/bench-models,
# about 0.7 GB) and reused; the F16 intermediate (2.2 GB) is deleted after quantizing.
# Random weights rarely produce an end-of-sequence token; bench_runner checks that every response ran to
# max_tokens and says so.
#
# Usage: tests/bench/runner_vs_llama.sh [BUILD_DIR] [RUNS]   (needs assay-make-tiny-model and bench_runner built)
# Environment: ASSAY_BENCH_MODELS (model cache), THREADS (default: nproc), MAX_TOKENS (default 128),
#   GPU_LAYERS (default 0: the CPU; 99 offloads every layer to the GPU of a CUDA or Vulkan build).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
runs=${2:-7}
threads=${THREADS:-$(nproc)}
max_tokens=${MAX_TOKENS:-128}
gpu_layers=${GPU_LAYERS:-0}
models=${ASSAY_BENCH_MODELS:-$HOME/.cache/assay/bench-models}
prefix=${ASSAY_LLAMA_DIR:-$(sed -n 's/^ASSAY_LLAMA_PREFIX:PATH=//p' "$build/CMakeCache.txt")}
maker=$build/gpu/assay-make-tiny-model
bench=$build/tests/bench/bench_runner
for f in "$maker" "$bench" "$prefix/bin/llama-bench" "$prefix/bin/llama-quantize" "$prefix/bin/llama-server"; do
    [ -x "$f" ] || { echo "missing $f (build assay-make-tiny-model and bench_runner; set ASSAY_LLAMA_DIR)" >&2; exit 2; }
done

echo "machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(uname -sr)," \
     "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
echo "load before: $(uptime)"
echo "llama.cpp: $("$prefix/bin/llama-server" --version 2>&1 | grep -m1 version)"

# --- model -------------------------------------------------------------------------------------------------
mkdir -p "$models"
name=bench-llama-1b
q4=$models/$name-q4_k_m.gguf
if [ ! -s "$q4" ]; then
    f16=$models/$name-f16.gguf
    t0=$(date +%s.%N)
    "$maker" "$f16" - --seed 42 --n-embd 2048 --n-layer 16 --n-ff 8192 --n-head 32 --n-head-kv 8 --ctx 8192 \
        --name "$name" || exit 1
    t1=$(date +%s.%N)
    "$prefix/bin/llama-quantize" "$f16" "$q4.tmp" Q4_K_M "$threads" >"$models/quantize.log" 2>&1 \
        || { tail -5 "$models/quantize.log"; exit 1; }
    mv "$q4.tmp" "$q4" && rm -f "$f16"
    t2=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "model: generated F16 in %.1f s, quantized to Q4_K_M in %.1f s\n", b - a, c - b }'
fi
echo "model: $q4 ($(du -m "$q4" | cut -f1) MiB, sha256 $(sha256sum "$q4" | cut -c1-16)…)"
# Warm the page cache so the load time measures loading, not the disk.
cat "$q4" >/dev/null

# --- llama-bench -------------------------------------------------------------------------------------------
echo
echo "# llama-bench -m Q4_K_M -p 512 -n $max_tokens -r 3 -t $threads -ngl $gpu_layers"
lb=$("$prefix/bin/llama-bench" -m "$q4" -p 512 -n "$max_tokens" -r 3 -t "$threads" -ngl "$gpu_layers" -o jsonl 2>/dev/null)
field() { # line key
    echo "$1" | grep -o "\"$2\": *[0-9.e+-]*" | head -1 | sed 's/.*: *//'
}
samples() { # line: the per-repetition t/s
    echo "$1" | grep -o '"samples_ts": *\[[^]]*\]' | sed 's/.*\[//; s/\]//; s/,/ /g'
}
median() { # numbers...
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
pp_line=$(echo "$lb" | grep '"n_prompt": *512' | head -1)
tg_line=$(echo "$lb" | grep "\"n_gen\": *$max_tokens" | head -1)
lb_pp=$(field "$pp_line" avg_ts)
lb_pp_sd=$(field "$pp_line" stddev_ts)
lb_tg_mean=$(field "$tg_line" avg_ts)
lb_tg_sd=$(field "$tg_line" stddev_ts)
[ -n "$lb_tg_mean" ] || { echo "llama-bench gave no tg figure:"; echo "$lb"; exit 1; }
# shellcheck disable=SC2046
lb_tg=$(median $(samples "$tg_line"))
printf 'pp512 %.2f ± %.2f t/s (runs: %s)\n' "$lb_pp" "$lb_pp_sd" "$(samples "$pp_line")"
printf 'tg%s  %.2f ± %.2f t/s (runs: %s); median %.2f t/s (used below, like the medians of bench_runner)\n' \
    "$max_tokens" "$lb_tg_mean" "$lb_tg_sd" "$(samples "$tg_line")" "$lb_tg"

# --- bench_runner ------------------------------------------------------------------------------------------
echo
echo "# bench_runner: $runs alternating runs of a direct request and an Assay run, $max_tokens tokens, $threads threads," \
    "$gpu_layers GPU layers"
out=$("$bench" "$q4" --runs "$runs" --max-tokens "$max_tokens" --threads "$threads" --gpu-layers "$gpu_layers")
rc=$?
if [ $rc -ne 0 ]; then
    echo "$out"
    echo "bench_runner failed (exit status $rc)" >&2
    exit 1
fi
echo "$out" | grep -v '^RESULT '
r() { echo "$out" | sed -n "s/^RESULT $1 //p"; }

# --- summary -----------------------------------------------------------------------------------------------
echo
echo "# summary (Q4_K_M ~1.1 B random-weight Llama, $threads threads, $gpu_layers GPU layers, $max_tokens generated tokens)"
awk -v lb="$lb_tg" -v d="$(r direct_tps)" -v a="$(r assay_tps)" -v ds="$(r direct_server_tps)" \
    -v as="$(r assay_server_tps)" -v dt="$(r direct_ttft_ms)" -v at="$(r assay_ttft_ms)" -v load="$(r load_ms)" \
    -v sm="$(r server_peak_mib)" -v am="$(r assay_peak_mib)" -v de="$(r direct_end_ms)" -v ae="$(r assay_end_ms)" \
    -v dov="$(r direct_overhead_ms)" -v aov="$(r assay_overhead_ms)" -v awov="$(r assay_wall_overhead_ms)" \
    -v dtov="$(r direct_ttft_overhead_ms)" -v atov="$(r assay_ttft_overhead_ms)" \
    -v disp="$(r assay_dispatch_ms)" -v dcpu="$(r direct_cpu_ms)" -v acpu="$(r assay_cpu_ms)" 'BEGIN {
    printf "%-36s %12s %14s %14s\n", "", "llama-bench", "direct server", "Assay";
    printf "%-36s %12.2f %14.2f %14.2f\n", "generation t/s (measured at client)", lb, d, a;
    printf "%-36s %12s %14.2f %14.2f\n", "generation t/s (server timings)", "-", ds, as;
    printf "%-36s %12s %14.1f %14.1f\n", "time to first token, ms", "-", dt, at;
    printf "%-36s %12s %14.1f %14.1f\n", "  less the server'"'"'s prompt time, ms", "-", dtov, atov;
    printf "%-36s %12s %14.1f %14.1f\n", "client overhead per request, ms", "-", dov, aov;
    printf "%-36s %12s %14.1f %14.1f\n", "client CPU time per request, ms", "-", dcpu, acpu;
    printf "\n";
    printf "ratio Assay / direct server      %.3f   (server timings: %.3f)   target >= 0.95\n", a / d, as / ds;
    printf "ratio Assay / llama-bench        %.3f\n", a / lb;
    printf "TTFT overhead Assay - direct     %+.1f ms (medians of TTFT)   target < 10 ms\n", at - dt;
    printf "                                 %+.1f ms (medians of TTFT less the server'"'"'s prompt time: contention cancels)\n", atov - dtov;
    printf "client overhead Assay - direct   %+.1f ms per request (response time less the server'"'"'s own prompt + generation time)\n", aov - dov;
    printf "run() called to request sent     %.1f ms (Assay only: run row created, cell dispatched; before TTFT starts)\n", disp;
    printf "one-cell run() end to end        %.1f ms over the server'"'"'s work (open workspace, plan, run row, dispatch, commit)\n", awov;
    printf "response (submit to end)         direct %.0f ms, Assay %.0f ms (medians; they differ with the server'"'"'s speed)\n", de, ae;
    printf "model load (start to Ready)      %.0f ms\n", load;
    printf "peak memory                      llama-server %.0f MiB, Assay (bench process) %.0f MiB\n", sm, am;
}'
[ "$(r all_length)" = 1 ] || echo "WARNING: some responses stopped before $max_tokens tokens"
echo "load after: $(uptime)"
