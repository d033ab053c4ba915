#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# .ci/check-skips.sh BUILD_DIR: after ctest ran in BUILD_DIR (with --output-junit ctest-junit.xml, as
# packaging/bootstrap.sh --test does), prints how many tests passed, failed and were skipped, names each skip with its
# Qt Test reason, and fails when a test that CI requires was skipped. Only tests labelled `gpu` may skip (they need a
# GPU that llama.cpp sees), and not even they with ASSAY_REQUIRE_GPU=1.
set -euo pipefail
build=${1:?usage: .ci/check-skips.sh BUILD_DIR}
junit=$build/ctest-junit.xml
log=$build/Testing/Temporary/LastTest.log
[ -f "$junit" ] || {
    echo "[ci] no $junit: did ctest run in $build?" >&2
    exit 1
}

attr() { # the testsuite element's attribute $1
    grep -o -m1 "^[[:space:]]*$1=\"[0-9]*\"" "$junit" | grep -o '[0-9]\+' || echo 0
}
total=$(attr tests)
failed=$(attr failures)
skipped_names=$(grep -o '<testcase name="[^"]*"[^>]*status="notrun"' "$junit" | sed 's/<testcase name="\([^"]*\)".*/\1/' || true)
skipped=$(printf '%s' "$skipped_names" | grep -c . || true)
# Every "SKIP   : reason" line, as "test<TAB>reason".
reasons=""
[ -f "$log" ] && reasons=$(awk '/^[0-9]+\/[0-9]+ Test: / { current = $3 }
    /^SKIP   : / { sub(/^SKIP   : /, ""); print current "\t" $0 }' "$log")
[ ! -f "$log" ] || cp -p "$log" "$log.keep" # ctest -N rewrites it: keep the run's log for whoever reads it next
gpu_tests=$(ctest --test-dir "$build" -N -L '^gpu$' | sed -n 's/^ *Test *#[0-9]*: *//p')
[ ! -f "$log.keep" ] || mv -f "$log.keep" "$log"

echo "[ci] ctest in $build: $total tests, $failed failed, $skipped skipped" >&2
bad=0
for name in $skipped_names; do
    if grep -qxF "$name" <<<"$gpu_tests" && [ "${ASSAY_REQUIRE_GPU:-}" != 1 ]; then
        echo "[ci]   skipped: $name (label gpu: allowed without a GPU)" >&2
    else
        echo "[ci]   skipped: $name: NOT ALLOWED, CI requires this test to run" >&2
        bad=1
    fi
    awk -F '\t' -v t="$name" '$1 == t { print "        " $2 }' <<<"$reasons" >&2
done
if [ "$bad" = 1 ]; then
    echo "[ci] FAILED: a test that CI requires was skipped (see its SKIP lines above)" >&2
    exit 1
fi
