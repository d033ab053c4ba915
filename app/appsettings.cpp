// SPDX-License-Identifier: MIT
#include "appsettings.h"

#include <QDir>
#include <QStandardPaths>

namespace assay::app {

namespace {
const QString kRecent = QStringLiteral("workspace/recent");
const QString kLast = QStringLiteral("workspace/last");
const QString kOffline = QStringLiteral("network/offline");
const QString kPage = QStringLiteral("window/page");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
} // namespace

AppSettings::AppSettings()
    : m_settings(std::make_unique<QSettings>(
        QSettings::IniFormat, QSettings::UserScope, QStringLiteral("Assay"), QStringLiteral("Assay")))
{
}

AppSettings::AppSettings(const QString& iniFile)
    : m_settings(std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{
}

QStringList AppSettings::recentWorkspaces() const
{
    return m_settings->value(kRecent).toStringList();
}

void AppSettings::addRecentWorkspace(const QString& path)
{
    QStringList list = recentWorkspaces();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    m_settings->setValue(kRecent, list);
}

void AppSettings::removeRecentWorkspace(const QString& path)
{
    QStringList list = recentWorkspaces();
    list.removeAll(path);
    m_settings->setValue(kRecent, list);
}

void AppSettings::clearRecentWorkspaces()
{
    m_settings->remove(kRecent);
}

QString AppSettings::lastWorkspace() const
{
    return m_settings->value(kLast).toString();
}
void AppSettings::setLastWorkspace(const QString& path)
{
    m_settings->setValue(kLast, path);
}

bool AppSettings::offline() const
{
    return m_settings->value(kOffline, false).toBool();
}
void AppSettings::setOffline(bool offline)
{
    m_settings->setValue(kOffline, offline);
}

QStringList AppSettings::modelFolders() const
{
    const QString fallback
        = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("models"));
    return m_settings->value(QStringLiteral("runner/folders"), QStringList { fallback }).toStringList();
}

void AppSettings::setModelFolders(const QStringList& folders)
{
    m_settings->setValue(QStringLiteral("runner/folders"), folders);
}

int AppSettings::lastPage() const
{
    return m_settings->value(kPage, 0).toInt();
}
void AppSettings::setLastPage(int page)
{
    m_settings->setValue(kPage, page);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings->value(kGeometry).toByteArray();
}
QByteArray AppSettings::windowState() const
{
    return m_settings->value(kState).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray& geometry, const QByteArray& state)
{
    m_settings->setValue(kGeometry, geometry);
    m_settings->setValue(kState, state);
}

QString AppSettings::defaultWorkspacePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QDir(dir).filePath(QStringLiteral("Sample.assay"));
}

void AppSettings::sync()
{
    m_settings->sync();
}

} // namespace assay::app
