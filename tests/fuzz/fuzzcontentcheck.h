// SPDX-License-Identifier: MIT
#pragma once
// The checks PromptRepository::validateContent makes, without the storage code the fuzzers do not link.

#include "catalog/chain.h"
#include "catalog/promptjson.h"
#include "catalog/template.h"

namespace assay::fuzz {

inline core::Status checkContent(const core::PromptContent& content)
{
    auto roundTrip = core::promptContentFromJson(core::promptContentToJson(content));
    if (!roundTrip)
        return roundTrip.error();
    if (!content.steps.empty())
        return core::validateChain(content);
    if (content.messages.empty())
        return core::makeError(core::ErrorCode::Invalid, "A prompt needs at least one message");
    auto vars = core::promptVariables(content);
    if (!vars)
        return vars.error();
    return {};
}

} // namespace assay::fuzz
