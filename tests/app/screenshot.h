// SPDX-License-Identifier: MIT
#pragma once

#include <QDir>
#include <QWidget>
#include <QtTest>

namespace assay::test {

/// Saves a PNG of @p widget into $ASSAY_TEST_OUTPUT/screenshots (the build tree) and returns its path.
inline QString saveScreenshot(QWidget* widget, const QString& name)
{
    const QString root = qEnvironmentVariable("ASSAY_TEST_OUTPUT", QDir::tempPath() + QStringLiteral("/assay-test"));
    const QString dir = root + QStringLiteral("/screenshots");
    QDir().mkpath(dir);
    QCoreApplication::processEvents();
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
    const QPixmap pixmap = widget->grab();
    if (pixmap.isNull() || !pixmap.save(path))
        qWarning("could not save %s", qPrintable(path));
    return path;
}

} // namespace assay::test
