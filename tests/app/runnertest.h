// SPDX-License-Identifier: MIT
#pragma once
// The local-runner GUI tests' set-up: a tiny generated model (and its LoRA adapter) in a watched folder, and the
// main window on a sample workspace watching that folder.

#include "../gpu/requirerunner.h"
#include "appsettings.h"
#include "mainwindow.h"
#include "pages/modelspage.h"
#include "pages/runnerpanel.h"
#include "tinymodel.h"
#include "workspacecontroller.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

/// The runner GUI tests need the llama.cpp install: skipped without it on a developer machine, FAILED under CI=true
/// (the one rule of tests/gpu/requirerunner.h). @p vocab is the bundled vocabulary path the test goes on to use.
#define ASSAY_REQUIRE_LLAMA_SERVER(vocab)                                                                              \
    do {                                                                                                               \
        ASSAY_REQUIRE_RUNNER();                                                                                        \
        QVERIFY2(!(vocab).empty(), "no vocabulary path although the install is complete");                             \
    } while (false)

namespace assay::test {

/// Writes tiny.gguf (the model "tiny-random-llama") and, with @p lora, tiny-lora.gguf into @p folder.
inline bool writeTinyModels(const std::string& vocab, const QString& folder, bool lora)
{
    if (!QDir().mkpath(folder))
        return false;
    gpu::TinyModelSpec spec;
    spec.name = "tiny-random-llama";
    return gpu::makeTinyModel(vocab, QString(folder + QStringLiteral("/tiny.gguf")).toStdString(),
        lora ? QString(folder + QStringLiteral("/tiny-lora.gguf")).toStdString() : std::string(), spec)
        .ok();
}

/// The main window, shown at @p size, opening (or creating) the sample workspace ws.assay in @p dir, with @p models
/// as its model folder. Wait for window.snapshot() before using the workspace.
struct RunnerWindow {
    RunnerWindow(const QTemporaryDir& dir, const QString& models, QSize size)
        : settings(dir.filePath(QStringLiteral("s.ini")))
        , foldersSet((settings.setModelFolders({ models }), true)) // before the window reads them
        , window(settings, workspace)
    {
        window.resize(size);
        window.show();
        workspace.openOrCreateWithSamples(dir.filePath(QStringLiteral("ws.assay")));
    }

    /// Shows Models & Runner on its Local Runner tab; returns the page.
    app::ModelsPage* showRunner()
    {
        window.showPage(app::MainWindow::ModelsPage);
        auto* page = static_cast<app::ModelsPage*>(window.page(app::MainWindow::ModelsPage));
        page->tabs()->setCurrentWidget(page->runnerPanel());
        return page;
    }

    app::AppSettings settings;
    bool foldersSet;
    app::WorkspaceController workspace;
    app::MainWindow window;
};

} // namespace assay::test
