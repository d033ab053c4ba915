// SPDX-License-Identifier: MIT
#include "versioncommand.h"

#include "cli.h"
#include "exitcodes.h"

#include "runnerinstall.h"
#include "storage/schema.h"

#include <filesystem>
#include <system_error>

namespace assay::cli {

namespace {
/// The folder of the running executable, so an installed assay-cli finds ../lib/assay/llama.
std::string executableDir()
{
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}
} // namespace

int runVersion(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    if (!args.empty()) {
        const std::string quoted = quotedIfName(args.front());
        err << "assay-cli: unexpected argument "
            << (quoted.empty() ? describeWord(args.front(), 1, "--version") : quoted + " after --version") << '\n'
            << "Run 'assay-cli --help' for usage.\n";
        return toInt(ExitCode::Usage);
    }
    out << "assay-cli " << ASSAY_VERSION << '\n' << "workspace schema " << core::schema::latestVersion() << '\n';
    auto runner = gpu::locateRunner(executableDir());
    if (runner) {
        std::string version = runner->version;
        if (version.rfind("version: ", 0) == 0)
            version.erase(0, 9);
        out << "llama.cpp runner " << (version.empty() ? "(version unknown)" : version) << " at " << runner->serverPath
            << '\n';
    } else {
        out << "llama.cpp runner not found\n";
        err << "assay-cli: " << runner.error().message << " (" << runner.error().detail << ")\n";
    }
    return toInt(ExitCode::Ok);
}

} // namespace assay::cli
