// SPDX-License-Identifier: MIT
#include "cli.h"

#include "exitcodes.h"

#include <algorithm>
#include <iomanip>
#include <utility>

namespace assay::cli {

namespace {

bool isHelp(const std::string& word)
{
    return word == "--help" || word == "-h";
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
        if (!rest.empty())
            return usageError(err, "unexpected argument '" + rest.front() + "' after " + first);
        printHelp(out);
        return toInt(ExitCode::Ok);
    }
    for (const auto& flag : m_globalFlags) {
        if (std::find(flag.spellings.begin(), flag.spellings.end(), first) != flag.spellings.end())
            return flag.handler(rest, out, err);
    }
    if (!first.empty() && first.front() == '-')
        return usageError(err, "unknown option '" + first + "'");
    for (const auto& entry : m_entries) {
        if (entry.name == first)
            return entry.handler(rest, out, err);
    }
    return usageError(err, "unknown command '" + first + "'");
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
    bool optionsEnded = false;
    for (const auto& word : args) {
        if (!optionsEnded && word == "--") {
            optionsEnded = true;
        } else if (!optionsEnded && isHelp(word)) {
            helpRequested = true;
        } else if (!optionsEnded && word.size() > 1 && word.front() == '-') {
            const bool known = std::any_of(
                command.flags.begin(), command.flags.end(), [&](const Flag& f) { return f.name == word; });
            if (!known)
                return fail("unknown option '" + word + "'");
            options.flags.insert(word);
        } else {
            options.positionals.push_back(word);
        }
    }
    if (helpRequested)
        return true;
    if (options.positionals.size() < command.positionals.size())
        return fail("missing argument " + command.positionals[options.positionals.size()]);
    if (options.positionals.size() > command.positionals.size())
        return fail("unexpected argument '" + options.positionals[command.positionals.size()] + "'");
    return true;
}

} // namespace assay::cli
