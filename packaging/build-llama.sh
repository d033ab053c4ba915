#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Obtains llama.cpp at a pinned release without internet access to GitHub and builds it once per machine
# into a cache outside the build tree. A second run only checks the stamp and returns in well under a second.
#
# Source: the npm registry's node-llama-cpp package ships the upstream llama.cpp release as a git bundle
# (package/llama/gitRelease.bundle). We verify the tarball's SHA-256 and the bundle's commit, so the
# pinned source is exactly upstream ggml-org/llama.cpp at tag v0.5.0, not a fork.
#
# Environment:
#   ASSAY_CACHE        cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/assay)
#   ASSAY_LLAMA_TGZ    path to a node-llama-cpp-3.22.1.tgz brought in on media (skips npm)
#   ASSAY_GPU_CUDA     ON to build the CUDA backend (default: ON when nvcc and an NVIDIA driver are found)
#   ASSAY_GPU_VULKAN   ON to build the Vulkan backend (default: ON when glslc and the Vulkan headers are found)
#   ASSAY_JOBS         parallel build jobs (default: nproc)
# Prints the install prefix on the last line of stdout.
set -euo pipefail

LLAMA_TAG=v0.5.0
LLAMA_COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6
NPM_PKG=node-llama-cpp@3.22.1
NPM_TGZ=node-llama-cpp-3.22.1.tgz
NPM_SHA256=a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f

log() { echo "[build-llama] $*" >&2; }
die() { echo "[build-llama] ERROR: $*" >&2; exit 1; }

cache=${ASSAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/assay}
jobs=${ASSAY_JOBS:-$(nproc)}

cuda=${ASSAY_GPU_CUDA:-}
if [ -z "$cuda" ]; then
    # A toolkit alone is not enough: the CUDA backend takes 30-60 min to compile on 2 cores, so only build it
    # where a driver (a GPU) is there to use it. ASSAY_GPU_CUDA=ON forces it (e.g. to build for another machine).
    if { command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; } && [ -e /dev/nvidiactl ]; then
        cuda=ON
    else
        cuda=OFF
    fi
fi
vulkan=${ASSAY_GPU_VULKAN:-}
if [ -z "$vulkan" ]; then
    if command -v glslc >/dev/null 2>&1 && [ -f /usr/include/vulkan/vulkan.h ]; then vulkan=ON; else vulkan=OFF; fi
fi
variant="cpu"
[ "$cuda" = ON ] && variant="$variant-cuda"
[ "$vulkan" = ON ] && variant="$variant-vulkan"

root="$cache/llama.cpp/$LLAMA_TAG"
src="$root/src"
build="$root/build-$variant"
prefix="$root/install-$variant"
stamp="$prefix/.assay-stamp"
want_stamp="$LLAMA_COMMIT $variant"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && [ -x "$prefix/bin/llama-server" ]; then
    log "cached: $prefix ($variant)"
    echo "$prefix"
    exit 0
fi

mkdir -p "$root"
if [ ! -f "$src/.assay-src-ok" ]; then
    if [ -n "${ASSAY_LLAMA_TGZ:-}" ] && [ ! -f "$ASSAY_LLAMA_TGZ" ]; then
        die "ASSAY_LLAMA_TGZ=$ASSAY_LLAMA_TGZ does not exist"
    fi
    tgz="${ASSAY_LLAMA_TGZ:-$root/$NPM_TGZ}"
    if [ ! -f "$tgz" ]; then
        command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $NPM_PKG from the npm registry (or set ASSAY_LLAMA_TGZ)"
        log "fetching $NPM_PKG from the npm registry"
        (cd "$root" && npm pack --silent "$NPM_PKG" >/dev/null) || die "npm pack $NPM_PKG failed"
        tgz="$root/$NPM_TGZ"
    fi
    got=$(sha256sum "$tgz" | cut -d' ' -f1)
    [ "$got" = "$NPM_SHA256" ] || die "$tgz: SHA-256 $got does not match the pinned $NPM_SHA256"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$tgz" -C "$tmp" package/llama/gitRelease.bundle || die "$tgz holds no llama.cpp git bundle"
    rm -rf "$src"
    git -c advice.detachedHead=false clone --quiet "$tmp/package/llama/gitRelease.bundle" "$src" \
        || die "could not clone the llama.cpp bundle"
    head=$(git -C "$src" rev-parse HEAD)
    [ "$head" = "$LLAMA_COMMIT" ] || die "llama.cpp bundle is at $head, expected $LLAMA_COMMIT"
    touch "$src/.assay-src-ok"
    log "source: ggml-org/llama.cpp $LLAMA_TAG ($LLAMA_COMMIT) in $src"
fi

opts=(
    -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON
    -DCMAKE_INSTALL_PREFIX="$prefix" "-DCMAKE_INSTALL_RPATH=\$ORIGIN;\$ORIGIN/../lib"
    -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DGGML_CCACHE=OFF
    -DLLAMA_BUILD_IS_DEV=OFF -DLLAMA_BUILD_NUMBER=1
)
if [ "$cuda" = ON ]; then
    nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
    opts+=(-DGGML_CUDA=ON "-DCMAKE_CUDA_COMPILER=$nvcc" "-DCMAKE_CUDA_ARCHITECTURES=${ASSAY_CUDA_ARCHS:-75-virtual;80-virtual;86-real;89-real;90-virtual}")
fi
[ "$vulkan" = ON ] && opts+=(-DGGML_VULKAN=ON)

log "configuring ($variant) in $build"
cmake -S "$src" -B "$build" "${opts[@]}" >"$root/configure-$variant.log" 2>&1 \
    || die "configure failed; see $root/configure-$variant.log"
log "building libllama, the ggml CPU backends and the tools (llama-server, llama-bench, llama-quantize …) with $jobs jobs (first time: ~15 min on 2 cores)"
start=$(date +%s)
# Everything that `cmake --install` installs must be built (it installs every tool), so build the default target.
ninja -C "$build" -j "$jobs" >"$root/build-$variant.log" 2>&1 \
    || die "build failed; see $root/build-$variant.log"
rm -f "$stamp"
cmake --install "$build" >"$root/install-$variant.log" 2>&1 || die "install failed; see $root/install-$variant.log"
mkdir -p "$prefix/share/assay"
cp "$src/models/ggml-vocab-llama-spm.gguf" "$prefix/share/assay/" || die "vocab file missing from the source"
echo "$want_stamp" >"$stamp"
log "built in $(($(date +%s) - start)) s: $prefix"
echo "$prefix"
