// SPDX-License-Identifier: MIT
#include "providers/provider.h"

namespace assay::core {

const char* providerKindName(ProviderKind kind)
{
    switch (kind) {
    case ProviderKind::OpenAiCompatible:
        return "openai-compatible";
    case ProviderKind::Anthropic:
        return "anthropic";
    case ProviderKind::Bedrock:
        return "bedrock";
    }
    return "unknown";
}

} // namespace assay::core
