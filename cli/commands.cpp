// SPDX-License-Identifier: MIT
#include "commands.h"

#include "exitcodes.h"
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
        "Assay's headless tool: create and check workspaces without the GUI.\n"
        "Data goes to stdout; progress and errors go to stderr.");
    root->addGlobalFlag(
        { "-V", "--version" }, "print the Assay, workspace schema and llama.cpp runner versions", runVersion);
    root->add("workspace", "create and check workspace files (init, check)", makeWorkspaceCommands());
#ifdef ASSAY_CLI_HAVE_CATALOG
    // A raw handler: it receives the words after "catalog" and answers its own --help.
    root->add("catalog", "prompts, versions and labels in a workspace", runCatalogCommand);
#endif
    root->setHelpFooter(printExitCodes);
    return root;
}

} // namespace assay::cli
