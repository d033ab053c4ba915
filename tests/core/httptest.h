// SPDX-License-Identifier: MIT
#pragma once
// Shared by the HTTP client suites (tst_httpclient, tst_httpoffline): a GET request for a URL, and a result as text
// for QVERIFY2 messages.
#include "http/httpclient.h"

#include <string>

namespace assay::test {

inline core::HttpRequest get(const std::string& url)
{
    core::HttpRequest r;
    r.url = url;
    return r;
}

inline const char* describe(const core::Result<core::HttpResponse>& r)
{
    static thread_local std::string text;
    text = r.ok() ? "ok" : r.error().describe();
    return text.c_str();
}

} // namespace assay::test
