// SPDX-License-Identifier: MIT
#include "keycommands.h"

#include "catalogargs.h"
#include "cli.h"
#include "exitcodes.h"

#include "secrets/filesecretstore.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string_view>

namespace assay::cli {

namespace {

const char* const kPath = "assay-cli keys";
/// How to pass a key, with @p name (already safe to show) in the examples.
std::string howToPass(const std::string& name)
{
    return "The key is read from stdin, never from the command line (where it stays in the shell history and shows\n"
           "in the process list):\n  printenv OPENAI_API_KEY | assay-cli keys set "
        + name + "\nor run `assay-cli keys set " + name + "` on a terminal and type it (not echoed).\n";
}

/// A NAME that is more likely a key pasted in the wrong place: a well-known key prefix followed by 16+ characters
/// with capitals or digits, or 32+ characters mixing capitals, lower case and digits (names are words: openai-prod).
bool looksLikeKey(const std::string& name)
{
    const auto has = [](std::string_view s, auto pred) { return std::any_of(s.begin(), s.end(), pred); };
    const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (const std::string_view prefix : { "sk-", "sk_", "AKIA", "ASIA", "ghp_", "gho_", "ghs_", "github_pat_", "xoxb-",
             "xoxp-", "AIza", "hf_", "glpat-" }) {
        const std::string_view rest = std::string_view(name).substr(std::min(prefix.size(), name.size()));
        if (name.rfind(prefix, 0) == 0 && rest.size() >= 16 && (has(rest, upper) || has(rest, digit)))
            return true;
    }
    return name.size() >= 32 && has(name, upper) && has(name, lower) && has(name, digit);
}

/// Refuses a NAME that looks like a key, without repeating it.
bool refuseKeyAsName(std::ostream& err, const std::string& command, const std::string& name)
{
    if (!looksLikeKey(name))
        return false;
    err << kPath << ' ' << command
        << ": NAME looks like an API key, not a name (it is not shown here): give a short name\n"
        << "such as openai-prod.\n"
        << howToPass("NAME");
    return true;
}

/// `keys set NAME KEY`: the framework would only say "unexpected argument"; say how to pass the key instead, and
/// never repeat it. True when @p args (the words after "keys") are such a command line (the message is written).
bool refuseKeyOnCommandLine(const std::vector<std::string>& args, std::ostream& err)
{
    if (args.empty() || args.front() != "set")
        return false;
    std::vector<std::string> positionals;
    bool optionsEnded = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (!optionsEnded && args[i] == "--")
            optionsEnded = true;
        else if (optionsEnded || args[i].size() < 2 || args[i].front() != '-')
            positionals.push_back(args[i]);
    }
    if (positionals.size() < 2)
        return false;
    const std::string name = quotedIfName(positionals.front());
    err << kPath << " set: takes only NAME" << (name.empty() ? "" : " (here " + name + ")")
        << "; the extra argument is not shown, in case it is the key.\n"
        << howToPass(name.empty() ? std::string("NAME") : positionals.front())
        << "If you typed a key on the command line, remove it from your shell history.\n";
    return true;
}

int fail(std::ostream& err, const std::string& command, const core::Error& error)
{
    err << kPath << ' ' << command << ": " << error.message << '\n';
    return commandExitCode(error);
}

/// One line from stdin; on a terminal the typing is not echoed.
std::string readSecretLine(std::ostream& err, const std::string& name)
{
    const bool tty = ::isatty(STDIN_FILENO) != 0;
    termios old {};
    if (tty) {
        err << "Value for " << name << " (not shown): " << std::flush;
        if (::tcgetattr(STDIN_FILENO, &old) == 0) {
            termios quiet = old;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
    }
    std::string value;
    std::getline(std::cin, value);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        err << '\n';
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    return value;
}

int runSet(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const std::string& name = args.positionals.front();
    if (refuseKeyAsName(err, "set", name))
        return toInt(ExitCode::Usage);
    if (auto st = core::FileSecretStore::validateName(name); !st)
        return fail(err, "set", st.error());
    const std::string value = readSecretLine(err, name);
    if (value.empty()) {
        err << kPath << " set: no value on stdin; pipe it in, e.g. `printenv OPENAI_API_KEY | assay-cli keys set "
            << name << "`\n";
        return toInt(ExitCode::Usage);
    }
    core::FileSecretStore store;
    if (auto st = store.set(name, value); !st)
        return fail(err, "set", st.error());
    out << "stored " << name << " in " << store.path() << '\n';
    return toInt(ExitCode::Ok);
}

int runList(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    core::FileSecretStore store;
    auto names = store.names();
    if (!names)
        return fail(err, "list", names.error());
    if (args.has("--json")) {
        out << nlohmann::json(*names).dump(2) << '\n';
        return toInt(ExitCode::Ok);
    }
    for (const auto& n : *names)
        out << n << '\n';
    if (names->empty())
        err << kPath << " list: no keys in " << store.path() << '\n';
    return toInt(ExitCode::Ok);
}

int runRemove(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    if (refuseKeyAsName(err, "remove", args.positionals.front()))
        return toInt(ExitCode::Usage);
    core::FileSecretStore store;
    if (auto st = store.remove(args.positionals.front()); !st)
        return fail(err, "remove", st.error());
    out << "removed " << args.positionals.front() << '\n';
    return toInt(ExitCode::Ok);
}

} // namespace

int runKeysCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    if (refuseKeyOnCommandLine(args, err))
        return toInt(ExitCode::Usage);
    std::vector<CatalogCommandSpec> specs {
        { "set", "store a key (the value is read from stdin, never from the command line)",
            "Reads one line from stdin (not echoed on a terminal) and stores it as NAME in the secrets file\n"
            "($XDG_CONFIG_HOME/assay/secrets.json or ~/.config/assay/secrets.json, mode 0600). An endpoint uses it\n"
            "through its secret_ref NAME. In CI, set ASSAY_KEY_<NAME> instead (NAME upper-cased, '-' and '.' as '_').",
            { "NAME" }, {}, {}, runSet },
        { "list", "list the names of the stored keys (never their values)",
            "Lists the NAMES of the keys in the secrets file.", {}, {}, { { "--json", "print a JSON array" } },
            runList },
        { "remove", "delete a stored key", "Deletes NAME from the secrets file.", { "NAME" }, {}, {}, runRemove },
    };
    return runSpecGroup(kPath,
        "API keys by name, in a secrets file only you can read. Values never appear on the\n"
        "command line, in output, in logs or in a workspace.",
        std::move(specs), args, out, err);
}

} // namespace assay::cli
