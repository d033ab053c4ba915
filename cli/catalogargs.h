// SPDX-License-Identifier: MIT
#pragma once
// Argument handling for `assay-cli catalog …`: subcommands take positionals, boolean flags and options with values
// (`--var k=v`, repeatable), which the generic LeafCommand parser (cli.h) does not.

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace assay::cli {

/// An option that takes a value: `--tag qa` or `--tag=qa`.
struct ValueOption {
    std::string name; ///< "--tag"
    std::string metavar; ///< "TAG"
    std::string help;
    bool repeatable = false;
    bool required = false;
};

/// What was given on the command line.
struct CatalogArgs {
    std::vector<std::string> positionals;
    std::map<std::string, std::vector<std::string>> values; ///< option -> values in order given
    std::set<std::string> flags;

    [[nodiscard]] bool has(const std::string& flag) const { return flags.count(flag) != 0; }
    /// The last value of @p option, or @p fallback.
    [[nodiscard]] std::string value(const std::string& option, const std::string& fallback = {}) const;
};

/// One catalog subcommand: its help and its entry point.
struct CatalogCommandSpec {
    std::string name;
    std::string summary;
    std::string description;
    std::vector<std::string> positionals; ///< all required, in order
    std::vector<ValueOption> options;
    std::vector<std::pair<std::string, std::string>> flags; ///< name, help
    std::function<int(const CatalogArgs& args, std::ostream& out, std::ostream& err)> run;
};

/// Parses @p words for @p spec (path e.g. "assay-cli catalog show"). Returns false after writing a usage error
/// to @p err; sets @p help when -h/--help was given.
bool parseCatalogArgs(const std::string& path, const CatalogCommandSpec& spec, const std::vector<std::string>& words,
    CatalogArgs& args, bool& help, std::ostream& err);

void printCatalogHelp(const std::string& path, const CatalogCommandSpec& spec, std::ostream& out);

/// Runs a group of spec commands under @p path: answers --help, passes `--workspace FILE` given before the
/// subcommand on to it, parses each command's arguments and calls it (how `catalog`, `endpoints` and `keys` work).
int runSpecGroup(const std::string& path, const std::string& description, std::vector<CatalogCommandSpec> specs,
    const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Writes rows as two aligned columns, indented by two spaces.
void printColumns(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows);

} // namespace assay::cli
