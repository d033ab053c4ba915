// SPDX-License-Identifier: MIT
#pragma once

namespace assay::core::embedded {

/// resources/samples/models.json: the seeds' capability matrix.
extern const char* const kSampleModelsJson;
/// resources/samples/catalog.json: the seeds' prompts, chain and datasets.
extern const char* const kSampleCatalogJson;

} // namespace assay::core::embedded
