// SPDX-License-Identifier: MIT
// libFuzzer target for the catalog CSV importer: any input gives a clean Result; an accepted file, written back
// as CSV, reads again to the same prompts.
#include "fuzzcontentcheck.h"
#include "interchange/catalogcsv.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto entries = assay::core::readCatalogCsv(text, "fuzz.csv", &assay::fuzz::checkContent);
    if (!entries.ok()) {
        if (entries.error().message.rfind("fuzz.csv:", 0) != 0)
            __builtin_trap();
        return 0;
    }
    std::vector<assay::core::LeftOut> leftOut;
    const std::string written = assay::core::writeCatalogCsv(*entries, leftOut);
    auto again = assay::core::readCatalogCsv(written, "again.csv", &assay::fuzz::checkContent);
    if (!again.ok() || again->size() + leftOut.size() != entries->size())
        __builtin_trap();
    return 0;
}
