// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace assay::cli {

/// A command's entry point. @p args are the words after the command's own name. Data goes to @p out, progress and
/// errors to @p err; the return value is the process exit code (exitcodes.h). A raw handler parses its own
/// arguments and answers its own `--help` (e.g. `runCatalogCommand`).
using Handler = std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)>;

/// A boolean option of a leaf command, e.g. { "--json", "print the report as JSON" }.
struct Flag {
    std::string name;
    std::string help;
};

/// What the framework parsed for a leaf command: the positional arguments (exactly as many as declared) and the
/// flags that were given.
struct Options {
    std::vector<std::string> positionals;
    std::set<std::string> flags;
    [[nodiscard]] bool has(const std::string& flag) const { return flags.count(flag) != 0; }
};

/// A command without subcommands. The framework answers `--help`/`-h`, rejects unknown options and a wrong number
/// of arguments (exit code 2), understands `--` before a positional that starts with '-', then calls run().
struct LeafCommand {
    std::string name;
    std::string summary; ///< one line in the parent's help
    std::string description; ///< paragraph(s) in the command's own help
    std::vector<std::string> positionals; ///< required, in order, e.g. { "FILE" }
    std::vector<Flag> flags;
    std::function<int(const Options& options, std::ostream& out, std::ostream& err)> run;
};

/// A named set of subcommands: `assay-cli` itself, or `assay-cli workspace`. dispatch() answers `--help`/`-h`,
/// reports unknown or missing subcommands as usage errors and passes the remaining words to the chosen command.
/// Adding a command is one call to add(). Not thread-safe; build the tree once, then dispatch.
class CommandGroup {
public:
    /// @p path is the words that lead here, e.g. "assay-cli workspace".
    CommandGroup(std::string path, std::string description);

    /// A command with its own argument handling (it must answer `--help` itself).
    void add(std::string name, std::string summary, Handler handler);
    /// A command whose arguments the framework parses.
    void add(LeafCommand command);
    /// A nested group; its path must be this group's path plus its name.
    void add(std::string name, std::string summary, std::shared_ptr<const CommandGroup> group);
    /// An option accepted before the subcommand name (e.g. `--version`). Its handler runs instead of a command.
    void addGlobalFlag(std::vector<std::string> spellings, std::string help, Handler handler);
    /// Extra text at the end of this group's help (e.g. the exit-code table).
    void setHelpFooter(std::function<void(std::ostream&)> footer);

    int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) const;
    void printHelp(std::ostream& out) const;
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    struct Entry {
        std::string name;
        std::string summary;
        Handler handler;
    };
    struct GlobalFlag {
        std::vector<std::string> spellings;
        std::string help;
        Handler handler;
    };
    int usageError(std::ostream& err, const std::string& message) const;

    std::string m_path;
    std::string m_description;
    std::vector<Entry> m_entries;
    std::vector<GlobalFlag> m_globalFlags;
    std::function<void(std::ostream&)> m_footer;
};

/// How an error message may refer to a word the user typed. Error output lands in terminal scrollback and CI logs,
/// and a word in the wrong place may be an API key pasted by mistake, so a word is repeated only when it reads like a
/// command or option name: at most 24 of a-z, '-', '_' and '.', optionally after "-" or "--", no digits (an option's
/// "=VALUE" is dropped first). Returns the word in single quotes, e.g. "'frobnicate'" or "'--jsn'", or "" when the
/// word must not be repeated.
std::string quotedIfName(const std::string& word);

/// "'WORD'" when quotedIfName allows it, else "(word N after WHERE, not shown: it may be a key)", N 1-based.
std::string describeWord(const std::string& word, std::size_t number, const std::string& where);

/// Writes the help of a leaf command reached through @p path ("assay-cli workspace check").
void printLeafHelp(const std::string& path, const LeafCommand& command, std::ostream& out);

/// Parses @p args for @p command; on a usage error writes it to @p err and returns false.
bool parseLeafArgs(const std::string& path, const LeafCommand& command, const std::vector<std::string>& args,
    Options& options, bool& helpRequested, std::ostream& err);

} // namespace assay::cli
