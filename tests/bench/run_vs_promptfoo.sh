#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Throughput of `assay-cli run` against the loopback server (bench_run serve), side by side with promptfoo.
# The same 1,800 cells (2 prompts x 3 endpoints x 300 rows, non-streaming, cache off) at 0 ms and 20 ms server
# latency and 4 / 16 calls in flight in total (Assay: "maxInFlight": N shared by the 3 endpoints; promptfoo: -j N).
# Reports wall time, cells/s and peak RSS (/usr/bin/time -v).
#
# promptfoo (pinned 0.121.20: newer releases refuse Node 20) is installed from the npm registry into a cache
# folder with --ignore-scripts. Its traffic stays on loopback: telemetry/update/sharing opt-outs are set and
# HTTP(S)_PROXY points at a dead loopback port. When npm cannot be reached the script says so and prints
# Assay's figures alone.
#
# Usage: tests/bench/run_vs_promptfoo.sh [BUILD_DIR] [REPETITIONS]   (needs assay-cli and bench_run built)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
reps=${2:-3}
build=$(cd "$build" && pwd)
cli=$build/cli/assay-cli
bench=$build/tests/bench/bench_run
cache=${ASSAY_BENCH_CACHE:-$build/bench-cache}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null' EXIT
for f in "$cli" "$bench" /usr/bin/time; do
    [ -x "$f" ] || { echo "missing $f (build assay-cli and bench_run first)" >&2; exit 2; }
done

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cells: 2 prompts x 3 endpoints x 300 rows = 1800; non-streaming; cache off; $reps repetitions, median shown"

# --- promptfoo ----------------------------------------------------------------------------------------------
pf_version=0.121.20
pf=""
if [ -x "$cache/promptfoo/node_modules/.bin/promptfoo" ]; then
    pf=$cache/promptfoo/node_modules/.bin/promptfoo
elif command -v npm >/dev/null 2>&1; then
    echo "installing promptfoo@$pf_version into $cache/promptfoo (once; ~2 GB, a few minutes)..."
    mkdir -p "$cache/promptfoo"
    if (cd "$cache/promptfoo" && timeout 900 npm install "promptfoo@$pf_version" --ignore-scripts --no-audit \
            --no-fund --prefix . >npm.log 2>&1); then
        pf=$cache/promptfoo/node_modules/.bin/promptfoo
    else
        echo "npm could not install promptfoo (registry unreachable?): see $cache/promptfoo/npm.log;" \
             "printing Assay's figures alone"
    fi
else
    echo "npm is not installed: printing Assay's figures alone"
fi

start_server() { # latency
    coproc SERVER { "$bench" serve --latency-ms "$1"; }
    server_pid=$SERVER_PID
    read -r _ port <&"${SERVER[0]}"
    base=http://127.0.0.1:$port
}
stop_server() {
    exec {SERVER[1]}>&- 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
}

# time_cmd OUTFILE cmd... -> prints "wall_s rss_mb exit"
time_cmd() {
    local out=$1
    shift
    /usr/bin/time -v -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr"
    local rc=$?
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$out.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$out.time")
    echo "$wall $rss $rc"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

write_promptfoo_config() { # dir
    local dir=$1
    {
        echo "text"
        for i in $(seq 0 299); do echo "review number $i was fine"; done
    } >"$dir/rows.csv"
    for p in 0 1; do
        cat >"$dir/prompt$p.json" <<JSON
[{"role": "system", "content": "You label sentiment. Variant $p."}, {"role": "user", "content": "Label this review: {{text}}"}]
JSON
    done
    cat >"$dir/promptfooconfig.yaml" <<YAML
description: assay bench
prompts:
  - file://prompt0.json
  - file://prompt1.json
providers:
  - id: openai:chat:model-0
    config: { apiBaseUrl: "$base/e0/v1", max_tokens: 16 }
  - id: openai:chat:model-1
    config: { apiBaseUrl: "$base/e1/v1", max_tokens: 16 }
  - id: openai:chat:model-2
    config: { apiBaseUrl: "$base/e2/v1", max_tokens: 16 }
tests: file://rows.csv
YAML
}

printf '\n%-10s %-8s %-4s %10s %10s %12s %s\n' tool latency j wall_s cells/s peak_rss_MB note
for latency in 0 20; do
    start_server "$latency"
    for j in 4 16; do
        # Assay
        walls=() rsss=() note=""
        for r in $(seq 1 "$reps"); do
            ws=$work/a-$latency-$j-$r.assay
            "$bench" setup "$ws" "$base" 300 || exit 1
            cat >"$work/run.json" <<JSON
{"name": "bench", "prompts": ["p0@prod", "p1@prod"], "endpoints": ["e0", "e1", "e2"], "dataset": "rows",
 "concurrency": $j, "maxInFlight": $j, "cache": false, "stream": false}
JSON
            read -r wall rss rc < <(time_cmd "$work/assay" "$cli" run "$work/run.json" --workspace "$ws" --json)
            ok=$(grep -o '"ok": [0-9]*' "$work/assay.stdout" | grep -o '[0-9]*$')
            [ "$rc" = 0 ] && [ "$ok" = 1800 ] || note="exit $rc, ok=$ok"
            walls+=("$wall") rsss+=("$rss")
        done
        wall=$(printf '%s\n' "${walls[@]}" | median)
        rss=$(printf '%s\n' "${rsss[@]}" | median)
        printf '%-10s %-8s %-4s %10.2f %10.0f %12s %s\n' assay "${latency}ms" "$j" "$wall" \
            "$(echo "1800 / $wall" | bc -l)" "$rss" "$note [runs: ${walls[*]}]"
        # promptfoo
        [ -n "$pf" ] || continue
        walls=() rsss=() note=""
        for r in $(seq 1 "$reps"); do
            dir=$work/pf-$latency-$j-$r
            mkdir -p "$dir"
            write_promptfoo_config "$dir"
            read -r wall rss rc < <(cd "$dir" && PROMPTFOO_CONFIG_DIR="$dir/.promptfoo" PROMPTFOO_DISABLE_TELEMETRY=1 \
                PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 PROMPTFOO_DISABLE_DEBUG_LOG=1 \
                OPENAI_API_KEY=sk-bench-dummy HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
                NO_PROXY=127.0.0.1,localhost time_cmd "$dir/pf" "$pf" eval -c promptfooconfig.yaml --no-cache \
                -j "$j" --no-table --no-progress-bar)
            [ "$rc" = 0 ] || [ "$rc" = 100 ] || note="exit $rc (see $dir/pf.stderr)"
            walls+=("$wall") rsss+=("$rss")
        done
        wall=$(printf '%s\n' "${walls[@]}" | median)
        rss=$(printf '%s\n' "${rsss[@]}" | median)
        printf '%-10s %-8s %-4s %10.2f %10.0f %12s %s\n' promptfoo "${latency}ms" "$j" "$wall" \
            "$(echo "1800 / $wall" | bc -l)" "$rss" "$note [runs: ${walls[*]}]"
    done
    stop_server
done
echo
echo "assay -j N = \"maxInFlight\": N (N calls in flight in total, shared by the 3 endpoints), like promptfoo -j N."
echo "Ceiling at 20 ms: N / 0.020 s = 200 (j4) and 800 (j16) cells/s."
