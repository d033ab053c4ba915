// SPDX-License-Identifier: MIT
// End to end: the real MainWindow with the real WorkspaceController on files in a temporary folder.
#include "appsettings.h"
#include "mainwindow.h"
#include "messagebanner.h"
#include "pages/catalogpage.h"
#include "pages/modelspage.h"
#include "samples/samples.h"
#include "screenshot.h"
#include "storage/schema.h"
#include "storage/workspace.h"
#include "workspacecontroller.h"

#include <QCryptographicHash>
#include <QFile>
#include <QLineEdit>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <sqlite3.h>
#include <sys/stat.h>

using namespace assay;

namespace {
QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

bool sql(const QString& path, const char* statement)
{
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(path.toUtf8().constData(), &db) == SQLITE_OK
        && sqlite3_exec(db, statement, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

/// A sample workspace at @p path whose @p table b-tree root page is overwritten with garbage.
void clobberRootPage(const QString& path, const char* table)
{
    {
        auto db = core::Workspace::create(path.toStdString());
        QVERIFY(db.ok());
        QVERIFY(core::seedSamples(*db).ok());
    }
    qint64 page = 0;
    qint64 pageSize = 0;
    {
        auto db = core::Db::open(path.toStdString(), core::Db::Mode::ReadOnly);
        QVERIFY(db.ok());
        pageSize = *db->queryInt("PRAGMA page_size");
        auto st = db->prepare("SELECT rootpage FROM sqlite_schema WHERE name = ?1");
        st->bind(1, table);
        QVERIFY(*st->step());
        page = st->int64(0);
    }
    QVERIFY(page > 1);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek((page - 1) * pageSize));
    QByteArray garbage(static_cast<int>(pageSize), '\0');
    for (int i = 0; i < garbage.size(); ++i)
        garbage[i] = static_cast<char>((i * 131 + 7) % 251);
    QCOMPARE(f.write(garbage), garbage.size());
}

/// A window over a settings file and controller of its own.
struct Fixture {
    explicit Fixture(const QString& iniFile)
        : settings(iniFile)
        , window(settings, controller)
    {
        window.resize(1280, 800);
        window.show();
    }
    app::AppSettings settings;
    app::WorkspaceController controller;
    app::MainWindow window;
};

const char* const kPageNames[] = { "catalog", "models", "compare", "evaluate", "review", "decide" };
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void noWorkspaceOpen();
    void firstStartCreatesTheSampleWorkspace();
    void visitsEveryPage();
    void catalogSearchFilters();
    void reopensTheLastWorkspace();
    void newAndSaveAs();
    void badFiles_data();
    void badFiles();
    void offlineModeIsPersisted();
    void darkPalette();

private:
    QTemporaryDir m_dir;
    QString ini() const { return m_dir.filePath(QStringLiteral("settings.ini")); }
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    // Start as a first start: no default workspace from an earlier test run.
    QFile::remove(app::AppSettings::defaultWorkspacePath());
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestMainWindow::noWorkspaceOpen()
{
    Fixture f(m_dir.filePath(QStringLiteral("none.ini")));
    QCOMPARE(f.window.snapshot(), nullptr);
    QCOMPARE(f.window.statusWorkspaceText(), QStringLiteral("No workspace open"));
    test::saveScreenshot(&f.window, QStringLiteral("00-no-workspace"));
}

void TestMainWindow::firstStartCreatesTheSampleWorkspace()
{
    const QString path = app::AppSettings::defaultWorkspacePath();
    QVERIFY(!QFile::exists(path));
    Fixture f(ini());
    QSignalSpy busy(&f.controller, &app::WorkspaceController::busyChanged);
    f.window.openInitialWorkspace();
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
    QVERIFY(QFile::exists(path));
    const app::WorkspaceSnapshot& s = *f.window.snapshot();
    QCOMPARE(QString::fromStdString(s.path), path);
    QVERIFY(s.createdNow);
    QCOMPARE(s.schemaVersion, core::schema::latestVersion());
    QVERIFY(s.models.size() >= 10);
    QVERIFY(s.datasets.size() >= 3);
    QVERIFY(s.count("dataset_row") > 0);
    QVERIFY2(s.prompts.size() >= 4, "the seeds' prompts and chain are in the sample catalog");
    QVERIFY(f.window.statusWorkspaceText().contains(QStringLiteral("Sample.assay")));
    QVERIFY(f.window.banner()->isVisible());
    QVERIFY(f.window.banner()->text().contains(QStringLiteral("sample content")));
    QVERIFY(busy.count() >= 2); // busy, then idle: the work ran off the GUI thread
    QCOMPARE(busy.first().at(0).toBool(), true);
    QCOMPARE(busy.last().at(0).toBool(), false);
    QCOMPARE(f.settings.lastWorkspace(), path);
    QVERIFY(!core::Workspace::check(path.toStdString())->counts.empty());
}

void TestMainWindow::visitsEveryPage()
{
    Fixture f(ini());
    f.window.openInitialWorkspace();
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
    for (int i = 0; i < app::MainWindow::PageCount; ++i) {
        // Ctrl+1 … Ctrl+6 switch pages.
        QTest::keyClick(&f.window, static_cast<Qt::Key>(Qt::Key_1 + i), Qt::ControlModifier);
        QCOMPARE(f.window.currentPage(), i);
        QVERIFY(f.window.page(i)->isVisible());
        test::saveScreenshot(
            &f.window, QStringLiteral("%1-%2").arg(i + 1, 2, 10, QLatin1Char('0')).arg(QLatin1String(kPageNames[i])));
    }
    auto* models = static_cast<app::ModelsPage*>(f.window.page(app::MainWindow::ModelsPage));
    QVERIFY(models->matrixView()->model()->rowCount() >= 10);
    f.window.close();
    QCOMPARE(f.settings.lastPage(), int(app::MainWindow::DecidePage));
}

void TestMainWindow::catalogSearchFilters()
{
    Fixture f(ini());
    f.window.openInitialWorkspace();
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
    f.window.showPage(app::MainWindow::CatalogPage);
    auto* catalog = static_cast<app::CatalogPage*>(f.window.page(app::MainWindow::CatalogPage));
    const int all = catalog->visiblePromptCount();
    QVERIFY(all >= 4);
    // Full-text search as you type: prefixes, message text, tags; debounced and off the GUI thread.
    catalog->searchField()->setText(QStringLiteral("senti"));
    QTRY_COMPARE_WITH_TIMEOUT(catalog->visiblePromptCount(), 1, 5000);
    catalog->searchField()->setText(QStringLiteral("kilometres"));
    QTRY_COMPARE_WITH_TIMEOUT(catalog->visiblePromptCount(), 1, 5000); // only in the chain's last step
    catalog->searchField()->setText(QStringLiteral("no-such-prompt-anywhere"));
    QTRY_COMPARE_WITH_TIMEOUT(catalog->visiblePromptCount(), 0, 5000);
    catalog->searchField()->setText(QStringLiteral("\"(AND NEAR"));
    QTRY_COMPARE_WITH_TIMEOUT(catalog->visiblePromptCount(), 0, 5000); // FTS syntax is searched literally
    catalog->searchField()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(catalog->visiblePromptCount(), all, 5000);
    // Tag, label and folder filters from the tree.
    catalog->setScope(QStringLiteral("tag:chain"));
    QCOMPARE(catalog->visiblePromptCount(), 1);
    catalog->setScope(QStringLiteral("label:prod"));
    QCOMPARE(catalog->visiblePromptCount(), 1);
    catalog->setScope(QStringLiteral("folder:evaluation"));
    QVERIFY(catalog->visiblePromptCount() >= 2);
    catalog->setScope(QString());
    QCOMPARE(catalog->visiblePromptCount(), all);
    catalog->selectPrompt(QStringLiteral("pm-birthplace-distance"));
    test::saveScreenshot(&f.window, QStringLiteral("07-catalog-chain"));
}

void TestMainWindow::reopensTheLastWorkspace()
{
    Fixture f(ini());
    f.window.openInitialWorkspace();
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
    QVERIFY(!f.window.snapshot()->createdNow);
    QVERIFY(!f.window.banner()->isVisible());
}

void TestMainWindow::newAndSaveAs()
{
    Fixture f(m_dir.filePath(QStringLiteral("new.ini")));
    const QString fresh = m_dir.filePath(QStringLiteral("fresh")); // no suffix: ".assay" is added
    f.window.newWorkspace(fresh);
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
    QCOMPARE(QString::fromStdString(f.window.snapshot()->path), fresh + QStringLiteral(".assay"));
    QCOMPARE(f.window.snapshot()->count("prompt"), 0);
    test::saveScreenshot(&f.window, QStringLiteral("08-empty-workspace"));

    // New on an existing file is refused: the file is never replaced.
    const QByteArray before = fileHash(fresh + QStringLiteral(".assay"));
    f.window.newWorkspace(fresh + QStringLiteral(".assay"));
    QVERIFY(f.window.banner()->isVisible());
    QVERIFY(f.window.banner()->text().contains(QStringLiteral("already exists")));
    QCOMPARE(fileHash(fresh + QStringLiteral(".assay")), before);

    const QString copy = m_dir.filePath(QStringLiteral("copy.assay"));
    QSignalSpy opened(&f.controller, &app::WorkspaceController::opened);
    f.window.saveWorkspaceAs(copy);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
    QCOMPARE(QString::fromStdString(f.window.snapshot()->path), copy);
    QVERIFY(core::Workspace::check(copy.toStdString())->healthy());
    const QStringList recent = f.settings.recentWorkspaces();
    QCOMPARE(recent.value(0), copy);
    QCOMPARE(recent.value(1), fresh + QStringLiteral(".assay"));
}

void TestMainWindow::badFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("does not exist") << "missing"
                                    << "no file";
    QTest::newRow("text file") << "text"
                               << "not an Assay workspace";
    QTest::newRow("newer schema") << "newer"
                                  << "update Assay";
    QTest::newRow("read-only file") << "readonly"
                                    << "read-only";
    QTest::newRow("corrupt") << "corrupt"
                             << "damaged";
    QTest::newRow("empty file") << "empty"
                                << "empty file";
}

void TestMainWindow::badFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    Fixture f(m_dir.filePath(QStringLiteral("bad-%1.ini").arg(kind)));
    const QString good = m_dir.filePath(QStringLiteral("good-%1.assay").arg(kind));
    f.controller.create(good, false);
    QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);

    const QString path = m_dir.filePath(QStringLiteral("bad-%1.assay").arg(kind));
    if (kind == QLatin1String("text")) {
        writeFile(path, QByteArrayLiteral("name,question\nuk,Who was PM in 1979?\n"));
    } else if (kind == QLatin1String("empty")) {
        writeFile(path, QByteArray());
    } else if (kind == QLatin1String("corrupt")) {
        clobberRootPage(path, "dataset_row");
    } else if (kind != QLatin1String("missing")) {
        QVERIFY(core::Workspace::create(path.toStdString()).ok());
        if (kind == QLatin1String("newer"))
            QVERIFY(sql(path, "PRAGMA user_version = 999"));
        if (kind == QLatin1String("readonly"))
            QCOMPARE(::chmod(path.toUtf8().constData(), 0444), 0);
    }
    const QByteArray before = fileHash(path);
    const bool walBefore = QFile::exists(path + QStringLiteral("-wal"));
    QSignalSpy failed(&f.controller, &app::WorkspaceController::failed);
    f.window.openWorkspace(path);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
    const QString message = f.window.banner()->text();
    qInfo("%s: %s", qPrintable(kind), qPrintable(message));
    QVERIFY(f.window.banner()->isVisible());
    QCOMPARE(f.window.banner()->kind(), widgets::MessageBanner::Kind::Error);
    QVERIFY2(message.contains(expected, Qt::CaseInsensitive), qPrintable(message));
    QVERIFY2(message.contains(QFileInfo(path).fileName()), "the message names the file");
    // The app stays usable on the workspace it had, and nothing on disk changed.
    QCOMPARE(QString::fromStdString(f.window.snapshot()->path), good);
    QCOMPARE(fileHash(path), before);
    QCOMPARE(QFile::exists(path + QStringLiteral("-wal")), walBefore);
    if (kind == QLatin1String("corrupt"))
        test::saveScreenshot(&f.window, QStringLiteral("09-error-corrupt"));
    ::chmod(path.toUtf8().constData(), 0644);
}

void TestMainWindow::offlineModeIsPersisted()
{
    const QString file = m_dir.filePath(QStringLiteral("offline.ini"));
    {
        Fixture f(file);
        QVERIFY(!f.window.offline());
        auto* button = f.window.statusBar()->findChild<QToolButton*>(QStringLiteral("statusOffline"));
        QVERIFY(button);
        button->click();
        QVERIFY(f.window.offline());
        QVERIFY(button->text().contains(QStringLiteral("Offline")));
        f.window.close();
    }
    Fixture again(file);
    QVERIFY(again.window.offline());
}

void TestMainWindow::darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xb5));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    const QPalette light = QApplication::palette();
    QApplication::setPalette(dark);
    {
        Fixture f(ini());
        f.window.openInitialWorkspace();
        QTRY_VERIFY_WITH_TIMEOUT(f.window.snapshot() != nullptr, 20000);
        f.window.showPage(app::MainWindow::CatalogPage);
        test::saveScreenshot(&f.window, QStringLiteral("10-dark-catalog"));
        f.window.showPage(app::MainWindow::ComparePage);
        test::saveScreenshot(&f.window, QStringLiteral("11-dark-compare"));
    }
    QApplication::setPalette(light);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
