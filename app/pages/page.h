// SPDX-License-Identifier: MIT
#pragma once

#include "workspacesnapshot.h"

#include <QIcon>
#include <QWidget>

namespace assay::app {

/// A page of the main window. MainWindow hands every page the current workspace snapshot (nullptr: none open).
/// GUI thread only.
class Page : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;

    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;
    virtual void showWorkspace(const WorkspaceSnapshot* snapshot) = 0;
};

} // namespace assay::app
