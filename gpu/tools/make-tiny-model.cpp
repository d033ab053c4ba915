// SPDX-License-Identifier: MIT
// assay-make-tiny-model: writes a deterministic random-weight Llama GGUF and a LoRA adapter for tests and benchmarks.
// Usage: assay-make-tiny-model OUT_MODEL [OUT_LORA|-] [seed n_embd n_layer n_ff n_head] [--vocab PATH]
//        [--seed N] [--n-embd N] [--n-layer N] [--n-ff N] [--n-head N] [--n-head-kv N] [--ctx N] [--name NAME]
// The flags override the positional numbers. A Llama-3.2-1B-like shape (about 1.1 B parameters, 2.2 GB F16):
//   assay-make-tiny-model bench-1b-f16.gguf - --n-embd 2048 --n-layer 16 --n-ff 8192 --n-head 32 --n-head-kv 8
#include "tinymodel.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace {
bool parseNumber(const std::string& text, std::uint64_t& out)
{
    char* end = nullptr;
    out = std::strtoull(text.c_str(), &end, 10);
    return !text.empty() && end && !*end;
}
} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args;
    std::string vocab = assay::gpu::bundledVocabPath();
    assay::gpu::TinyModelSpec spec;
    std::map<std::string, std::uint64_t> flags;
    bool usage = false;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        if (a == "--vocab" && k + 1 < argc) {
            vocab = argv[++k];
        } else if (a == "--name" && k + 1 < argc) {
            spec.name = argv[++k];
        } else if (a.rfind("--", 0) == 0 && k + 1 < argc) {
            std::uint64_t v = 0;
            if (!parseNumber(argv[k + 1], v)) {
                std::fprintf(stderr, "not a number: %s %s\n", a.c_str(), argv[k + 1]);
                return 2;
            }
            flags[a] = v;
            ++k;
        } else if (a.rfind("--", 0) == 0) {
            usage = true;
        } else {
            args.push_back(a);
        }
    }
    if (usage || args.empty() || args.size() > 7 || vocab.empty()) {
        std::fprintf(stderr,
            "usage: %s OUT_MODEL [OUT_LORA|-] [seed n_embd n_layer n_ff n_head] [--vocab ggml-vocab-llama-spm.gguf]\n"
            "       [--seed N] [--n-embd N] [--n-layer N] [--n-ff N] [--n-head N] [--n-head-kv N] [--ctx N] "
            "[--name NAME]\n",
            argv[0]);
        return 2;
    }
    std::vector<std::uint64_t> nums;
    for (std::size_t k = 2; k < args.size(); ++k) {
        std::uint64_t v = 0;
        if (!parseNumber(args[k], v)) {
            std::fprintf(stderr, "not a number: %s\n", args[k].c_str());
            return 2;
        }
        nums.push_back(v);
    }
    const char* positional[] = { "--seed", "--n-embd", "--n-layer", "--n-ff", "--n-head" };
    for (std::size_t k = 0; k < nums.size(); ++k)
        flags.try_emplace(positional[k], nums[k]);
    for (const auto& [flag, value] : flags) {
        const auto v32 = static_cast<std::uint32_t>(value);
        if (flag == "--seed")
            spec.seed = value;
        else if (flag == "--n-embd")
            spec.nEmbd = v32;
        else if (flag == "--n-layer")
            spec.nLayer = v32;
        else if (flag == "--n-ff")
            spec.nFf = v32;
        else if (flag == "--n-head")
            spec.nHead = v32;
        else if (flag == "--n-head-kv")
            spec.nHeadKv = v32;
        else if (flag == "--ctx")
            spec.contextLength = v32;
        else {
            std::fprintf(stderr, "unknown option: %s\n", flag.c_str());
            return 2;
        }
    }
    const std::string lora = args.size() > 1 && args[1] != "-" ? args[1] : std::string();
    if (auto st = assay::gpu::makeTinyModel(vocab, args[0], lora, spec); !st) {
        std::fprintf(stderr, "%s\n", st.error().describe().c_str());
        return 1;
    }
    return 0;
}
