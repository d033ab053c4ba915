#!/bin/sh
# SPDX-License-Identifier: MIT
# Peak memory of `assay-cli catalog import` on large crafted files (issue 10, §6): one prompt whose message is a
# single huge JSON string, a dataset row holding one huge array of small numbers (the worst case for a JSON DOM:
# ~2 bytes of text per value), and a JSONL file of many ordinary prompts. Prints file size, peak RSS
# (/usr/bin/time -v), their ratio and the exit code for each. A figure, not a pass/fail test.
# Usage: tests/bench/catalog_import_memory.sh [ASSAY_CLI] [MEGABYTES]   (defaults: build/cli/assay-cli, 200)
set -eu
cli=${1:-build/cli/assay-cli}
mb=${2:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$mb" <<'EOF'
import hashlib, json, os, sys
work, mb = sys.argv[1], int(sys.argv[2])
size = mb * 1000 * 1000
# 1. One prompt, one message: a single string value of `size` bytes.
with open(os.path.join(work, "string.json"), "w") as f:
    f.write('{"format":"assay-catalog","version":1,"prompts":[{"name":"big","versions":[{"content":'
            '{"messages":[{"role":"user","content":"')
    f.write("x" * size)
    f.write('"}]}}]}]}\n')
# 2. A bundle whose one dataset row holds one array of `size / 2` small numbers.
bundle = os.path.join(work, "array.bundle")
os.mkdir(bundle)
catalog = '{"format":"assay-catalog","version":1,"prompts":[]}\n'
row = '{"name":"big","rows":[{"inputs":{"x":[' + "0," * (size // 2 - 1) + '0]}}]}\n'
for name, text in (("catalog.json", catalog), ("datasets.jsonl", row)):
    with open(os.path.join(bundle, name), "w") as f:
        f.write(text)
with open(os.path.join(bundle, "manifest.sha256"), "w") as f:
    for name, text in (("catalog.json", catalog), ("datasets.jsonl", row)):
        f.write(hashlib.sha256(text.encode()).hexdigest() + "  " + name + "\n")
# 3. Many ordinary prompts (about 1 KB each).
with open(os.path.join(work, "many.jsonl"), "w") as f:
    body = "Tell me about {{topic}}. " * 40
    for i in range(size // 1100):
        f.write(json.dumps({"name": "p%d" % i, "versions": [{"content": {"messages": [
            {"role": "user", "content": body}]}}]}) + "\n")
EOF

printf '%-16s %12s %14s %7s %s\n' file bytes peak_rss_bytes ratio exit
for input in string.json array.bundle many.jsonl; do
    ws="$work/ws-$input.assay"
    "$cli" workspace init "$ws" >/dev/null
    path="$work/$input"
    bytes=$(du -sb "$path" | cut -f1)
    set +e
    /usr/bin/time -v "$cli" catalog import "$path" --workspace "$ws" >"$work/out" 2>"$work/err"
    code=$?
    set -e
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/err")
    peak=$((kb * 1024))
    ratio=$(awk -v p="$peak" -v b="$bytes" 'BEGIN { printf "%.2f", p / b }')
    printf '%-16s %12s %14s %7s %s\n' "$input" "$bytes" "$peak" "$ratio" "$code"
    grep -v '^\s' "$work/err" | grep -v 'Command being timed' | head -2 | cut -c1-200 || true
done
