// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

namespace assay::core {

/// Fills a freshly created workspace with the sample content compiled into core (samples/embedded.h: the
/// seeds' capability matrix, catalog prompts, chain and datasets), all in one transaction, with audit events.
/// Returns an Error naming the offending JSON field if the embedded content is malformed; nothing is written then.
/// Used by `assay-cli workspace init --samples` and by the GUI when it creates the default workspace on first start.
Status seedSamples(Db& db);

} // namespace assay::core
