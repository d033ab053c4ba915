// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QStringList>

#include <memory>

namespace assay::app {

/// The user's settings (QSettings, INI format). Owned by the composition root and passed in; never a singleton.
/// Tests construct it over a file in a temporary folder. GUI thread only.
class AppSettings {
public:
    /// The user's own settings file (~/.config/Assay/Assay.conf on Linux).
    AppSettings();
    /// Settings kept in @p iniFile (tests).
    explicit AppSettings(const QString& iniFile);

    static constexpr int kMaxRecent = 8;

    QStringList recentWorkspaces() const;
    /// Moves @p path to the front of the recent list (deduplicated, at most kMaxRecent).
    void addRecentWorkspace(const QString& path);
    void removeRecentWorkspace(const QString& path);
    void clearRecentWorkspaces();

    QString lastWorkspace() const;
    void setLastWorkspace(const QString& path);

    bool offline() const;
    void setOffline(bool offline);

    /// Folders the model library watches for GGUF files (default: <AppDataLocation>/models).
    QStringList modelFolders() const;
    void setModelFolders(const QStringList& folders);

    int lastPage() const;
    void setLastPage(int page);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowGeometry(const QByteArray& geometry, const QByteArray& state);

    /// The default workspace created with sample content on first start: <AppDataLocation>/Sample.assay.
    static QString defaultWorkspacePath();

    void sync();

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace assay::app
