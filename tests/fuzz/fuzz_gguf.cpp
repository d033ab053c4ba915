// SPDX-License-Identifier: MIT
// libFuzzer target for the GGUF reader: any input must give a clean Result, never a crash, leak or UB.
#include "gguf.h"
#include "modelinfo.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto r = assay::gpu::parseGguf({ data, size }, "fuzz");
    if (r.ok()) {
        // Everything derived from a file that parsed must be computable too.
        const auto info = assay::gpu::modelInfoFrom(*r, "fuzz.gguf");
        (void)info.parameterLabel();
        for (const auto& kv : r->kvs)
            (void)kv.value.toText();
    }
    return 0;
}
