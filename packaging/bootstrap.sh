#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up a Debian 12 machine for Assay and builds it. Idempotent: a second run skips what is done and takes seconds.
#
#   packaging/bootstrap.sh          install system packages, build llama.cpp (once per machine), build Assay in build/
#   packaging/bootstrap.sh --run    ... then start the GUI (build/app/assay)
#   packaging/bootstrap.sh --test   ... then run every test (ctest --output-on-failure); the exit status is ctest's
#
# Steps: 1. system packages (apt-get; skipped when all are installed; sudo only when not root)
#        2. llama.cpp v0.5.0 via packaging/build-llama.sh, cached in ~/.cache/assay (ASSAY_CACHE)
#        3. configure build/ (Ninja, -DASSAY_LLAMA_PREFIX=<llama.cpp prefix>)   4. build   5. run or test
# Environment:
#   ASSAY_JOBS          parallel build jobs for llama.cpp and Assay (default: nproc)
#   ASSAY_BUILD_DIR     build folder (default: <repo>/build)
#   ASSAY_CMAKE_ARGS    extra arguments for Assay's configure, e.g. "-DASSAY_SANITIZE=ON"
#   ASSAY_SKIP_APT=1    never call apt-get (air-gapped machine with the packages installed another way)
#   ASSAY_CTEST_ARGS    extra arguments for ctest in --test, e.g. "-L gpu" or "-R tst_fitplan -j2"
#   ASSAY_GPU_CUDA, ASSAY_GPU_VULKAN, ASSAY_LLAMA_TGZ, ASSAY_CACHE   passed on to build-llama.sh
set -euo pipefail
LC_NUMERIC=C # $EPOCHREALTIME with a '.' for the step timings

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ASSAY_BUILD_DIR:-$repo/build}
jobs=${ASSAY_JOBS:-$(nproc)}
export ASSAY_JOBS=$jobs

# The tested list from research/qt.md §1 (Qt Linguist/Designer packages left out: nothing uses them yet), plus
# clang (fuzzers), libssl-dev (SHA-256/HMAC), libxkbcommon-dev (silences Qt's XKB notice), git (llama.cpp bundle),
# qtkeychain-qt6-dev (API keys in the OS keyring; the GUI falls back to a 0600 file when no keyring answers) with
# libsecret-1-0 (which QtKeychain loads to reach the Secret Service; only recommended by its package), ccache (the
# top CMakeLists.txt uses it: rebuilds and the second, sanitizer build of .ci/run hit its cache), and for
# tst_secretstores' real Secret Service: dbus (dbus-run-session), dbus-x11 (the session bus gnome-keyring asks
# for, lighter than dbus-user-session), gnome-keyring (its daemon) and libsecret-tools (secret-tool), and strace (tst_clioffline traces assay-cli --offline for any lookup or connect).
packages=(
    cmake ninja-build g++ pkg-config git clang ccache
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev libqt6sql6-sqlite qt6-svg-dev libgl-dev libxkbcommon-dev
    nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev libssl-dev qtkeychain-qt6-dev libsecret-1-0
    dbus dbus-x11 gnome-keyring libsecret-tools strace
    xvfb xauth fonts-dejavu-core imagemagick
)

usage() {
    sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode=build
for arg in "$@"; do
    case $arg in
    --run | --test)
        if [ "$mode" != build ]; then
            echo "[bootstrap] choose one of --run and --test" >&2
            exit 2
        fi
        mode=${arg#--}
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "[bootstrap] unknown argument '$arg'" >&2
        usage >&2
        exit 2
        ;;
    esac
done

step_name=""
step_start=0
total_start=$EPOCHREALTIME
timings=()

seconds_since() { # prints seconds with one decimal since an $EPOCHREALTIME value
    local start=$1 end=$EPOCHREALTIME
    local ms=$(((${end%.*} - ${start%.*}) * 1000 + (10#${end#*.} - 10#${start#*.}) / 1000))
    printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}
step() {
    step_name=$1
    step_start=$EPOCHREALTIME
    echo "[bootstrap] step: $step_name" >&2
}
done_step() {
    local took
    took=$(seconds_since "$step_start")
    timings+=("$step_name ${took}s")
    echo "[bootstrap] done: $step_name (${took}s)${1:+ - $1}" >&2
}
reported=""
fail() {
    echo "[bootstrap] FAILED in step '$step_name': $*" >&2
    reported=1
    exit 1
}
# Any other non-zero exit (a command under set -e) is reported too, naming the step.
on_exit() {
    local rc=$?
    [ $rc -eq 0 ] || [ -n "$reported" ] || echo "[bootstrap] FAILED in step '$step_name' (exit $rc); see above" >&2
}
trap on_exit EXIT

# shellcheck source=/dev/null
os=$(. /etc/os-release 2>/dev/null && echo "${ID:-?} ${VERSION_ID:-?}") || os="unknown"
[ "$os" = "debian 12" ] || echo "[bootstrap] note: tested on Debian 12; this is '$os'. Continuing." >&2

# 1. System packages -------------------------------------------------------------------------------------------
step "system packages"
missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
    grep -qxF "$p installed" <<<"$installed" || missing+=("$p")
done
# npm fetches llama.cpp's pinned source (node-llama-cpp's git bundle); not needed when a tarball is given.
if [ -z "${ASSAY_LLAMA_TGZ:-}" ] && ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    done_step "all ${#packages[@]} packages installed, apt skipped"
elif [ "${ASSAY_SKIP_APT:-}" = 1 ]; then
    fail "missing packages: ${missing[*]} (ASSAY_SKIP_APT=1, so not installing them)"
else
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: install as root: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    echo "[bootstrap] installing: ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -q || fail "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || fail "apt-get install ${missing[*]} failed"
    done_step "installed ${#missing[@]} package(s)"
fi

# 2. llama.cpp -------------------------------------------------------------------------------------------------
step "llama.cpp (pinned v0.5.0, cached per machine)"
cache=${ASSAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/assay}
mkdir -p "$cache"
# One build per machine even when two bootstraps start at once: the second waits for the first, then finds it cached.
exec 9>"$cache/build-llama.lock"
if ! flock -n 9; then
    echo "[bootstrap] another llama.cpp build is running; waiting for it" >&2
    flock 9
fi
llama_out=$("$repo/packaging/build-llama.sh") || fail "packaging/build-llama.sh failed"
flock -u 9
llama_prefix=$(printf '%s\n' "$llama_out" | tail -n 1)
[ -x "$llama_prefix/bin/llama-server" ] || fail "build-llama.sh printed '$llama_prefix', which holds no bin/llama-server"
done_step "$llama_prefix"

# 3. Configure -------------------------------------------------------------------------------------------------
step "configure Assay in $build"
extra=()
[ -n "${ASSAY_CMAKE_ARGS:-}" ] && read -r -a extra <<<"$ASSAY_CMAKE_ARGS"
mkdir -p "$build"
log="$build/bootstrap-configure.log"
cmake -S "$repo" -B "$build" -G Ninja "-DASSAY_LLAMA_PREFIX=$llama_prefix" "${extra[@]}" >"$log" 2>&1 || {
    cat "$log" >&2
    fail "cmake configure failed (log above, also in $log)"
}
done_step "log: $log"

# 4. Build -----------------------------------------------------------------------------------------------------
step "build Assay (-j$jobs)"
ccache_note=""
if command -v ccache >/dev/null 2>&1; then
    ccache --zero-stats >/dev/null 2>&1 || true
fi
cmake --build "$build" -j "$jobs" || fail "build failed (compiler output above)"
if command -v ccache >/dev/null 2>&1; then
    # ccache 4.x: "Hits: 310 / 332 (93.37 %)" under "Cacheable calls"; older ones print other words, then no note.
    ccache_note=$(ccache --show-stats 2>/dev/null | sed -n 's/^ *Hits: *\([0-9]*\) *\/ *\([0-9]*\).*/ccache hits \1 of \2/p' | head -n 1)
fi
done_step "$ccache_note"
build_took=${timings[-1]##* }

setup_took=$(seconds_since "$total_start")
summary=$(printf '%s, ' "${timings[@]}")
echo "[bootstrap] setup finished in ${setup_took}s (Assay build ${build_took}): ${summary%, }" >&2

# 5. Run or test -----------------------------------------------------------------------------------------------
case $mode in
build)
    echo "[bootstrap] built. Start the GUI: $build/app/assay   Run the tests: packaging/bootstrap.sh --test" >&2
    ;;
run)
    step "start the GUI"
    app="$build/app/assay"
    [ -x "$app" ] || fail "$app was not built (configured with -DASSAY_BUILD_GUI=OFF?)"
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
        {
            echo "[bootstrap] no display (DISPLAY and WAYLAND_DISPLAY are unset). To run headless, either"
            echo "  in a virtual X server (xvfb, installed by this script):  xvfb-run -a $app"
            echo "  or with no window at all:  QT_QPA_PLATFORM=offscreen $app"
            echo "  (or run: QT_QPA_PLATFORM=offscreen packaging/bootstrap.sh --run)"
        } >&2
        reported=1
        exit 1
    fi
    echo "[bootstrap] starting $app" >&2
    trap - EXIT
    exec "$app"
    ;;
test)
    step "run every test (ctest)"
    cd "$build"
    trap - EXIT
    # The JUnit file records which tests were skipped (ctest reports a Qt Test skip as Skipped): .ci/check-skips.sh.
    ctest_args=()
    [ -n "${ASSAY_CTEST_ARGS:-}" ] && read -r -a ctest_args <<<"$ASSAY_CTEST_ARGS"
    exec ctest --output-on-failure --output-junit "$build/ctest-junit.xml" "${ctest_args[@]}"
    ;;
esac
