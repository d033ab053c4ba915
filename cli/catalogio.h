// SPDX-License-Identifier: MIT
#pragma once

#include "catalogargs.h"

#include <vector>

namespace assay::cli {

/// `assay-cli catalog import FILE` and `assay-cli catalog export FILE` (core/interchange): the specs the catalog
/// command group registers next to its own.
std::vector<CatalogCommandSpec> catalogIoSpecs();

} // namespace assay::cli
