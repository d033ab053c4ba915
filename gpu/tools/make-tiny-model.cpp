// SPDX-License-Identifier: MIT
// assay-make-tiny-model: writes a deterministic random-weight Llama GGUF and a LoRA adapter for tests and benchmarks.
// Usage: assay-make-tiny-model OUT_MODEL [OUT_LORA|-] [seed n_embd n_layer n_ff n_head] [--vocab PATH]
#include "tinymodel.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> args;
    std::string vocab = assay::gpu::bundledVocabPath();
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        if (a == "--vocab" && k + 1 < argc)
            vocab = argv[++k];
        else
            args.push_back(a);
    }
    if (args.empty() || args.size() > 7 || vocab.empty()) {
        std::fprintf(stderr,
            "usage: %s OUT_MODEL [OUT_LORA|-] [seed n_embd n_layer n_ff n_head] [--vocab ggml-vocab-llama-spm.gguf]\n",
            argv[0]);
        return 2;
    }
    assay::gpu::TinyModelSpec spec;
    std::vector<std::uint64_t> nums;
    for (std::size_t k = 2; k < args.size(); ++k) {
        char* end = nullptr;
        nums.push_back(std::strtoull(args[k].c_str(), &end, 10));
        if (!end || *end) {
            std::fprintf(stderr, "not a number: %s\n", args[k].c_str());
            return 2;
        }
    }
    if (nums.size() > 0)
        spec.seed = nums[0];
    if (nums.size() > 1)
        spec.nEmbd = static_cast<std::uint32_t>(nums[1]);
    if (nums.size() > 2)
        spec.nLayer = static_cast<std::uint32_t>(nums[2]);
    if (nums.size() > 3)
        spec.nFf = static_cast<std::uint32_t>(nums[3]);
    if (nums.size() > 4)
        spec.nHead = static_cast<std::uint32_t>(nums[4]);
    const std::string lora = args.size() > 1 && args[1] != "-" ? args[1] : std::string();
    if (auto st = assay::gpu::makeTinyModel(vocab, args[0], lora, spec); !st) {
        std::fprintf(stderr, "%s\n", st.error().describe().c_str());
        return 1;
    }
    return 0;
}
