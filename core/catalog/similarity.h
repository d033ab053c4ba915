// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// Near-duplicate detection for prompt text. Text is normalized (ASCII lower-case, split into words at anything
/// that is not a letter or digit; non-ASCII bytes count as letters), then cut into overlapping 3-word shingles.
/// Similarity is the Jaccard index of two shingle sets. A MinHash signature (kMinHashSize values) estimates it
/// cheaply, and its LSH bands (kMinHashBands of kMinHashRows values each) find candidates through an index:
/// two texts with Jaccard >= 0.8 share at least one band with probability > 0.99.
inline constexpr int kMinHashBands = 10;
inline constexpr int kMinHashRows = 4;
inline constexpr int kMinHashSize = kMinHashBands * kMinHashRows;

/// The hashed shingles of @p text, sorted and unique; empty when the text has no words.
std::vector<std::uint64_t> textShingles(std::string_view text);

/// |a ∩ b| / |a ∪ b| of two sorted, unique shingle lists; 0 when either is empty.
double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

/// kMinHashSize minimum hashes of @p shingles; empty for an empty list.
std::vector<std::uint32_t> minHash(const std::vector<std::uint64_t>& shingles);

/// The fraction of equal positions: an estimate of the Jaccard index. 0 when either signature is empty.
double minHashSimilarity(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b);

/// One hash per LSH band of a signature (kMinHashBands values); empty for an empty signature.
std::vector<std::int64_t> minHashBands(const std::vector<std::uint32_t>& signature);

/// Compact storage form (4 bytes per value, little-endian) and back; nullopt when @p bytes has the wrong size.
std::string encodeMinHash(const std::vector<std::uint32_t>& signature);
std::optional<std::vector<std::uint32_t>> decodeMinHash(std::string_view bytes);

} // namespace assay::core
