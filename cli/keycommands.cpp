// SPDX-License-Identifier: MIT
#include "keycommands.h"

#include "catalogargs.h"
#include "exitcodes.h"

#include "secrets/filesecretstore.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace assay::cli {

namespace {

const char* const kPath = "assay-cli keys";

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
    core::FileSecretStore store;
    if (auto st = store.remove(args.positionals.front()); !st)
        return fail(err, "remove", st.error());
    out << "removed " << args.positionals.front() << '\n';
    return toInt(ExitCode::Ok);
}

} // namespace

int runKeysCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
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
