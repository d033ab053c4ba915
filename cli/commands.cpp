// SPDX-License-Identifier: MIT
#include "commands.h"

#include "endpointcommands.h"
#include "exitcodes.h"
#include "keycommands.h"
#include "runcommand.h"
#include "runscommands.h"
#include "versioncommand.h"
#include "workspacecommands.h"

// The catalog commands (cli/catalogcommands.{h,cpp}) are registered below. cli/CMakeLists.txt defines
// ASSAY_CLI_HAVE_CATALOG once catalogcommands.cpp exists (a compile definition, so every object is rebuilt when the
// file appears); the guard can go once the catalog commands have landed.
#ifdef ASSAY_CLI_HAVE_CATALOG
#include "catalogcommands.h"
#endif

namespace assay::cli {

std::shared_ptr<const CommandGroup> makeRootCommand()
{
    auto root = std::make_shared<CommandGroup>("assay-cli",
        "Assay's headless tool: workspaces, the prompt catalog and runs, without the GUI.\n"
        "Data goes to stdout; progress and errors go to stderr. Offline mode (`run`/`endpoints test` --offline,\n"
        "ASSAY_OFFLINE=1, or `workspace offline FILE --on`) reaches only endpoints on this computer.");
    root->addGlobalFlag(
        { "-V", "--version" }, "print the Assay, workspace schema and llama.cpp runner versions", runVersion);
    root->add("workspace", "create and check workspace files, offline setting (init, check, offline)",
        makeWorkspaceCommands());
#ifdef ASSAY_CLI_HAVE_CATALOG
    // A raw handler: it receives the words after "catalog" and answers its own --help.
    root->add("catalog", "prompts, versions and labels in a workspace", runCatalogCommand);
#endif
    root->add("run", "run a prompt x endpoint x dataset grid (FILE.json) and record every cell", runRunCommand);
    root->add("runs", "list runs, summarise and export their comparison grids (CSV, JSONL, HTML)", runRunsCommand);
    root->add("endpoints", "list, add and test the endpoints runs call", runEndpointsCommand);
    root->add("keys", "store API keys by name (value from stdin), list and remove them", runKeysCommand);
    root->setHelpFooter(printExitCodes);
    return root;
}

} // namespace assay::cli
