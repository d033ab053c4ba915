// SPDX-License-Identifier: MIT
// libFuzzer target for the catalog JSONL importer: any input must give a clean Result (never a crash, leak, UB or an
// escaping exception), and whatever it accepts must be writable again.
#include "fuzzcontentcheck.h"
#include "interchange/catalogjsonreader.h"
#include "interchange/catalogjsonwriter.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto entries = assay::core::readCatalogJsonl(text, "fuzz.jsonl", &assay::fuzz::checkContent);
    if (entries.ok())
        (void)assay::core::writeCatalogJsonl(*entries);
    else if (entries.error().message.rfind("fuzz.jsonl:", 0) != 0)
        __builtin_trap(); // every error names the file
    return 0;
}
