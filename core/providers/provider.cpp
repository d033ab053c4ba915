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

bool shouldRetry(const ErrorEvent& e)
{
    if (e.retry)
        return *e.retry;
    const ErrorCode code = e.error.code;
    if (code == ErrorCode::RateLimited || code == ErrorCode::Network || code == ErrorCode::Timeout)
        return true;
    // 5xx only: a Provider error on a 200 is a malformed or truncated body, which a retry would pay for again.
    return code == ErrorCode::Provider && e.stats.httpStatus >= 500;
}

} // namespace assay::core
