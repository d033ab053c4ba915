// SPDX-License-Identifier: MIT
#include "catalogargs.h"

#include "cli.h"
#include "exitcodes.h"

#include <algorithm>
#include <iomanip>
#include <memory>

namespace assay::cli {

std::string CatalogArgs::value(const std::string& option, const std::string& fallback) const
{
    auto it = values.find(option);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

bool parseCatalogArgs(const std::string& path, const CatalogCommandSpec& spec, const std::vector<std::string>& words,
    CatalogArgs& args, bool& help, std::ostream& err)
{
    const auto fail = [&](const std::string& message) {
        err << path << ": " << message << "\nRun '" << path << " --help' for usage.\n";
        return false;
    };
    bool optionsEnded = false;
    std::vector<std::size_t> numbers; // of each positional among words, for error messages
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (optionsEnded || word.size() < 2 || word.front() != '-') {
            args.positionals.push_back(word);
            numbers.push_back(i + 1);
            continue;
        }
        if (word == "--") {
            optionsEnded = true;
            continue;
        }
        if (word == "--help" || word == "-h") {
            help = true;
            continue;
        }
        const auto eq = word.find('=');
        const std::string name = word.substr(0, eq);
        const auto option = std::find_if(
            spec.options.begin(), spec.options.end(), [&](const ValueOption& o) { return o.name == name; });
        if (option != spec.options.end()) {
            std::string value;
            if (eq != std::string::npos) {
                value = word.substr(eq + 1);
            } else if (i + 1 < words.size()) {
                value = words[++i];
            } else {
                return fail("option " + name + " needs a value (" + option->metavar + ")");
            }
            auto& list = args.values[name];
            if (!list.empty() && !option->repeatable)
                return fail("option " + name + " given twice");
            list.push_back(value);
            continue;
        }
        const bool flag = eq == std::string::npos
            && std::any_of(spec.flags.begin(), spec.flags.end(), [&](const auto& f) { return f.first == word; });
        if (!flag)
            return fail("unknown option " + describeWord(word, i + 1, "'" + spec.name + "'"));
        args.flags.insert(word);
    }
    if (help)
        return true;
    for (const auto& o : spec.options)
        if (o.required && !args.values.count(o.name))
            return fail("missing option " + o.name + " " + o.metavar);
    if (args.positionals.size() < spec.positionals.size())
        return fail("missing argument " + spec.positionals[args.positionals.size()]);
    if (args.positionals.size() > spec.positionals.size()) {
        // Never the word itself unless it reads like a name: it may be a key pasted in the wrong place.
        const std::size_t extra = spec.positionals.size();
        return fail(
            "unexpected argument " + describeWord(args.positionals[extra], numbers[extra], "'" + spec.name + "'"));
    }
    return true;
}

void printColumns(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows)
{
    std::size_t width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.first.size());
    for (const auto& [left, right] : rows)
        out << "  " << std::left << std::setw(static_cast<int>(width + 2)) << left << right << '\n';
}

void printCatalogHelp(const std::string& path, const CatalogCommandSpec& spec, std::ostream& out)
{
    out << "Usage: " << path;
    for (const auto& o : spec.options)
        if (o.required)
            out << ' ' << o.name << ' ' << o.metavar;
    for (const auto& p : spec.positionals)
        out << ' ' << p;
    for (const auto& o : spec.options)
        if (!o.required)
            out << " [" << o.name << ' ' << o.metavar << (o.repeatable ? "]..." : "]");
    for (const auto& f : spec.flags)
        out << " [" << f.first << ']';
    out << "\n\n" << spec.description << "\n\nOptions:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& o : spec.options)
        rows.emplace_back(o.name + " " + o.metavar, o.help + (o.repeatable ? " (repeatable)" : ""));
    for (const auto& f : spec.flags)
        rows.push_back(f);
    rows.emplace_back("-h, --help", "show this help");
    printColumns(out, rows);
    out << '\n';
    printExitCodes(out);
}

int runSpecGroup(const std::string& path, const std::string& description, std::vector<CatalogCommandSpec> specs,
    const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    std::vector<std::string> leading;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        if (args[i] == "--workspace" && i + 1 < args.size()) {
            leading.push_back(args[i]);
            leading.push_back(args[++i]);
        } else if (args[i].rfind("--workspace=", 0) == 0) {
            leading.push_back(args[i]);
        } else {
            break;
        }
    }
    const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    CommandGroup group(path, description);
    for (auto& spec : specs) {
        const std::string commandPath = path + " " + spec.name;
        auto shared = std::make_shared<const CatalogCommandSpec>(std::move(spec));
        group.add(shared->name, shared->summary,
            [shared, commandPath, leading](const std::vector<std::string>& words, std::ostream& o, std::ostream& e) {
                std::vector<std::string> all = words;
                all.insert(all.end(), leading.begin(), leading.end());
                CatalogArgs parsed;
                bool help = false;
                if (!parseCatalogArgs(commandPath, *shared, all, parsed, help, e))
                    return toInt(ExitCode::Usage);
                if (help) {
                    printCatalogHelp(commandPath, *shared, o);
                    return toInt(ExitCode::Ok);
                }
                return shared->run(parsed, o, e);
            });
    }
    group.setHelpFooter(printExitCodes);
    return group.dispatch(rest, out, err);
}

} // namespace assay::cli
