// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

namespace assay::core {

// HOOK for the lead — declared here, NOT implemented yet.
//
// seedSamples() fills a freshly created workspace with the sample content compiled into core
// (samples/embedded.h: the seeds' capability matrix, catalog prompts, chain and datasets), all in one transaction,
// with audit events, and returns an Error naming the offending JSON field if the embedded content is malformed.
//
// Implement it in core/samples/samples.cpp. cli/CMakeLists.txt switches `assay-cli workspace init --samples` on
// (ASSAY_HAVE_SAMPLE_SEEDER) as soon as that file exists; until then --samples creates an empty workspace and says
// so on stderr. The GUI calls the same function when it creates the default workspace on first start.
Status seedSamples(Db& db);

} // namespace assay::core
