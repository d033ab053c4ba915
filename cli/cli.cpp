// SPDX-License-Identifier: MIT
#include "cli.h"

#include "exitcodes.h"

#include <algorithm>
#include <iomanip>
#include <string_view>
#include <utility>

namespace assay::cli {

namespace {

bool isHelp(const std::string& word)
{
    return word == "--help" || word == "-h";
}

/// ": it takes FILE only", ": it takes no arguments".
std::string takesOnly(const std::vector<std::string>& positionals)
{
    if (positionals.empty())
        return ": it takes no arguments";
    std::string names;
    for (const auto& p : positionals)
        names += (names.empty() ? "" : " ") + p;
    return ": it takes " + names + " only";
}

void printTable(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows)
{
    std::size_t width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.first.size());
    for (const auto& [left, right] : rows)
        out << "  " << std::left << std::setw(static_cast<int>(width + 2)) << left << right << '\n';
}

} // namespace

std::string quotedIfName(const std::string& word)
{
    std::string name = word.substr(0, word.find('='));
    std::size_t dashes = 0;
    while (dashes < name.size() && dashes < 2 && name[dashes] == '-')
        ++dashes;
    const std::string_view body = std::string_view(name).substr(dashes);
    const bool plain = !body.empty() && body.size() <= 24 && body.front() >= 'a' && body.front() <= 'z'
        && std::all_of(body.begin(), body.end(),
            [](char c) { return (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.'; });
    return plain ? "'" + name + "'" : std::string();
}

std::string describeWord(const std::string& word, std::size_t number, const std::string& where)
{
    const std::string quoted = quotedIfName(word);
    if (!quoted.empty())
        return quoted;
    return "(word " + std::to_string(number) + " after " + where + ", not shown: it may be a key)";
}

CommandGroup::CommandGroup(std::string path, std::string description)
    : m_path(std::move(path))
    , m_description(std::move(description))
{
}

void CommandGroup::add(std::string name, std::string summary, Handler handler)
{
    m_entries.push_back(Entry { std::move(name), std::move(summary), std::move(handler) });
}

void CommandGroup::add(LeafCommand command)
{
    auto shared = std::make_shared<const LeafCommand>(std::move(command));
    const std::string path = m_path + " " + shared->name;
    Handler handler = [shared, path](const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
        Options options;
        bool help = false;
        if (!parseLeafArgs(path, *shared, args, options, help, err))
            return toInt(ExitCode::Usage);
        if (help) {
            printLeafHelp(path, *shared, out);
            return toInt(ExitCode::Ok);
        }
        return shared->run(options, out, err);
    };
    m_entries.push_back(Entry { shared->name, shared->summary, std::move(handler) });
}

void CommandGroup::add(std::string name, std::string summary, std::shared_ptr<const CommandGroup> group)
{
    Handler handler = [group](const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
        return group->dispatch(args, out, err);
    };
    m_entries.push_back(Entry { std::move(name), std::move(summary), std::move(handler) });
}

void CommandGroup::addGlobalFlag(std::vector<std::string> spellings, std::string help, Handler handler)
{
    m_globalFlags.push_back(GlobalFlag { std::move(spellings), std::move(help), std::move(handler) });
}

void CommandGroup::setHelpFooter(std::function<void(std::ostream&)> footer)
{
    m_footer = std::move(footer);
}

int CommandGroup::usageError(std::ostream& err, const std::string& message) const
{
    err << m_path << ": " << message << "\nRun '" << m_path << " --help' for usage.\n";
    return toInt(ExitCode::Usage);
}

int CommandGroup::dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) const
{
    if (args.empty()) {
        printHelp(err);
        return toInt(ExitCode::Usage);
    }
    const std::string& first = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (isHelp(first)) {
        if (!rest.empty()) {
            const std::string quoted = quotedIfName(rest.front());
            return usageError(err,
                "unexpected argument "
                    + (quoted.empty() ? describeWord(rest.front(), 1, first) : quoted + " after " + first));
        }
        printHelp(out);
        return toInt(ExitCode::Ok);
    }
    for (const auto& flag : m_globalFlags) {
        if (std::find(flag.spellings.begin(), flag.spellings.end(), first) != flag.spellings.end())
            return flag.handler(rest, out, err);
    }
    if (!first.empty() && first.front() == '-')
        return usageError(err, "unknown option " + describeWord(first, 1, m_path));
    for (const auto& entry : m_entries) {
        if (entry.name == first)
            return entry.handler(rest, out, err);
    }
    return usageError(err, "unknown command " + describeWord(first, 1, m_path));
}

void CommandGroup::printHelp(std::ostream& out) const
{
    out << "Usage: " << m_path << (m_globalFlags.empty() ? "" : " [OPTION]") << " COMMAND [ARGS...]\n\n"
        << m_description << "\n\nCommands:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& entry : m_entries)
        rows.emplace_back(entry.name, entry.summary);
    printTable(out, rows);
    rows.clear();
    for (const auto& flag : m_globalFlags) {
        std::string spellings;
        for (const auto& s : flag.spellings)
            spellings += (spellings.empty() ? "" : ", ") + s;
        rows.emplace_back(spellings, flag.help);
    }
    rows.emplace_back("-h, --help", "show this help");
    out << "\nOptions:\n";
    printTable(out, rows);
    out << "\nRun '" << m_path << " COMMAND --help' for a command's arguments.\n";
    if (m_footer) {
        out << '\n';
        m_footer(out);
    }
}

void printLeafHelp(const std::string& path, const LeafCommand& command, std::ostream& out)
{
    out << "Usage: " << path;
    for (const auto& p : command.positionals)
        out << ' ' << p;
    for (const auto& f : command.flags)
        out << " [" << f.name << ']';
    out << "\n\n" << command.description << "\n\nOptions:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& f : command.flags)
        rows.emplace_back(f.name, f.help);
    rows.emplace_back("-h, --help", "show this help");
    printTable(out, rows);
    out << '\n';
    printExitCodes(out);
}

bool parseLeafArgs(const std::string& path, const LeafCommand& command, const std::vector<std::string>& args,
    Options& options, bool& helpRequested, std::ostream& err)
{
    const auto fail = [&](const std::string& message) {
        err << path << ": " << message << "\nRun '" << path << " --help' for usage.\n";
        return false;
    };
    const std::string where = "'" + command.name + "'";
    bool optionsEnded = false;
    std::vector<std::size_t> numbers; // of each positional among args, for error messages
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (!optionsEnded && word == "--") {
            optionsEnded = true;
        } else if (!optionsEnded && isHelp(word)) {
            helpRequested = true;
        } else if (!optionsEnded && word.size() > 1 && word.front() == '-') {
            const bool known = std::any_of(
                command.flags.begin(), command.flags.end(), [&](const Flag& f) { return f.name == word; });
            if (!known)
                return fail("unknown option " + describeWord(word, i + 1, where));
            options.flags.insert(word);
        } else {
            options.positionals.push_back(word);
            numbers.push_back(i + 1);
        }
    }
    if (helpRequested)
        return true;
    if (options.positionals.size() < command.positionals.size())
        return fail("missing argument " + command.positionals[options.positionals.size()]);
    if (options.positionals.size() > command.positionals.size()) {
        const std::size_t extra = command.positionals.size();
        return fail("unexpected argument " + describeWord(options.positionals[extra], numbers[extra], where)
            + takesOnly(command.positionals));
    }
    return true;
}

} // namespace assay::cli
