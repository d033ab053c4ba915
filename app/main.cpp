// SPDX-License-Identifier: MIT
// The composition root of the GUI: builds settings and controllers and hands them to the main window.
#include "appsettings.h"
#include "mainwindow.h"
#include "workspacecontroller.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Assay"));
    QApplication::setOrganizationName(QStringLiteral("Assay"));
    QApplication::setApplicationVersion(QStringLiteral(ASSAY_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("assay"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Assay: prompt engineering and LLM evaluation workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("workspace"), QStringLiteral("A workspace file (*.assay) to open"));
    parser.process(app);

    assay::app::AppSettings settings;
    int status = 0;
    {
        assay::app::WorkspaceController workspace; // joins its thread before main returns
        assay::app::MainWindow window(settings, workspace);
        window.show();
        if (const QStringList args = parser.positionalArguments(); !args.isEmpty())
            window.openWorkspace(args.first());
        else
            window.openInitialWorkspace();
        status = QApplication::exec();
    }
    settings.sync();
    return status;
}
