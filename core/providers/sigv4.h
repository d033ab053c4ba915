// SPDX-License-Identifier: MIT
#pragma once

#include "http/httptypes.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

struct AwsCredentials {
    std::string accessKeyId;
    std::string secretAccessKey;
    std::string sessionToken; ///< optional (temporary credentials)
};

/// What is signed. path and query are exactly as they go on the wire (already percent-encoded once).
struct SigV4Input {
    std::string method;
    std::string path = "/";
    std::string query; ///< without '?'
    std::vector<HttpHeader> headers; ///< every header to sign; must include host and x-amz-date
    std::string_view payload;
    std::string region;
    std::string service;
    std::string amzDate; ///< YYYYMMDDTHHMMSSZ (the x-amz-date value)
};

struct SigV4Signature {
    std::string canonicalRequest;
    std::string stringToSign;
    std::string signedHeaders;
    std::string signature; ///< lower-case hex
    std::string authorization; ///< the Authorization header value
};

/// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, everything else
/// %XX with upper-case hex; '/' kept unless encodeSlash.
std::string sigV4UriEncode(std::string_view text, bool encodeSlash);

/// The canonical URI for non-S3 services: every path segment encoded once more, so "%3A" becomes "%253A"
/// (what AWS expects for Bedrock model ids containing ':'; libcurl 7.88's CURLOPT_AWS_SIGV4 gets this wrong).
std::string sigV4CanonicalUri(std::string_view wirePath);

/// Raw 32-byte signing key: HMAC chain over date, region, service, "aws4_request".
std::string sigV4SigningKey(
    std::string_view secret, std::string_view date, std::string_view region, std::string_view service);

/// AWS Signature Version 4 over the input (header-based, signed payload).
SigV4Signature signSigV4(const SigV4Input& input, const AwsCredentials& credentials);

/// x-amz-date text for a UTC time in ms since the epoch.
std::string amzDate(std::int64_t utcMs);

} // namespace assay::core
