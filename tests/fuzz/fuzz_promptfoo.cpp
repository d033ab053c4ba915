// SPDX-License-Identifier: MIT
// libFuzzer target for the promptfoo importers (text with '---' separators, and JSON chat): any input gives a clean
// Result; accepted text prompts, written back, read again to as many prompts.
#include "fuzzcontentcheck.h"
#include "interchange/promptfooformat.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto chat = assay::core::readPromptfooChat(text, "fuzz.json", &assay::fuzz::checkContent);
    if (!chat.ok() && chat.error().message.rfind("fuzz.json:", 0) != 0)
        __builtin_trap();
    auto entries = assay::core::readPromptfooText(text, "fuzz.txt", &assay::fuzz::checkContent);
    if (!entries.ok()) {
        if (entries.error().message.rfind("fuzz.txt:", 0) != 0)
            __builtin_trap();
        return 0;
    }
    std::vector<assay::core::LeftOut> leftOut;
    const std::string written = assay::core::writePromptfooText(*entries, leftOut);
    if (leftOut.size() == entries->size())
        return 0;
    auto again = assay::core::readPromptfooText(written, "again.txt", &assay::fuzz::checkContent);
    if (!again.ok() || again->size() + leftOut.size() != entries->size())
        __builtin_trap();
    return 0;
}
