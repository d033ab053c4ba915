// SPDX-License-Identifier: MIT
// The Catalog page end to end: the real window on a sample workspace; edit, preview, save, diff, labels, chains.
#include "appsettings.h"
#include "mainwindow.h"
#include "pages/catalogpage.h"
#include "pages/prompteditor.h"
#include "pages/promptpreview.h"
#include "pages/versionhistory.h"
#include "screenshot.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"
#include "workspacecontroller.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace assay;

class TestCatalogPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void editPreviewSaveDiffAndLabel();
    void invalidTemplateCannotBeSaved();
    void chainEditorRejectsForwardReferences();
    void unsavedChangesGuard();
    void nearDuplicateWarning();
    void keyboardNavigation();

private:
    void select(const QString& name);
    app::CatalogPage* page() const
    {
        return static_cast<app::CatalogPage*>(m_window->page(app::MainWindow::CatalogPage));
    }

    QTemporaryDir m_dir;
    int m_round = 0;
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::WorkspaceController> m_controller;
    std::unique_ptr<app::MainWindow> m_window;
};

void TestCatalogPage::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestCatalogPage::init()
{
    // A fresh sample workspace per test.
    const QString path = m_dir.filePath(QStringLiteral("ws%1.assay").arg(++m_round));
    m_settings = std::make_unique<app::AppSettings>(m_dir.filePath(QStringLiteral("s%1.ini").arg(m_round)));
    m_controller = std::make_unique<app::WorkspaceController>();
    m_window = std::make_unique<app::MainWindow>(*m_settings, *m_controller);
    m_window->resize(1280, 820);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    m_controller->openOrCreateWithSamples(path);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->snapshot() != nullptr, 20000);
    m_window->showPage(app::MainWindow::CatalogPage);
    page()->setUnsavedQuestion([](const QString&) { return QMessageBox::Discard; });
}

void TestCatalogPage::cleanup()
{
    m_window.reset();
    m_controller.reset();
    m_settings.reset();
}

void TestCatalogPage::select(const QString& name)
{
    page()->selectPrompt(name);
    QTRY_VERIFY_WITH_TIMEOUT(
        !page()->loadedPromptId().isEmpty() && page()->loadedPromptId() == page()->selectedPromptId(), 10000);
    QVERIFY(page()->editor()->isEnabled());
}

void TestCatalogPage::editPreviewSaveDiffAndLabel()
{
    select(QStringLiteral("uk-pm-qa"));
    app::PromptEditor* editor = page()->editor();
    QVERIFY(editor->userEditor()->toPlainText().contains(QStringLiteral("{{question}}")));
    QVERIFY(!editor->isDirty());
    QVERIFY(!editor->saveButton()->isEnabled());
    QVERIFY(editor->validationText().contains(QStringLiteral("question")));
    test::saveScreenshot(m_window.get(), QStringLiteral("12-catalog-editor"));

    // Preview: a missing variable is named; a filled one is rendered.
    page()->tabs()->setCurrentIndex(1);
    QCOMPARE(page()->preview()->variables(), QStringList { QStringLiteral("question") });
    auto* status = page()->preview()->findChild<QLabel*>(QStringLiteral("previewStatus"));
    QVERIFY2(status->text().contains(QStringLiteral("question")), qPrintable(status->text()));
    page()->preview()->setValue(QStringLiteral("question"), QStringLiteral("Who was PM in 1979?"));
    QVERIFY(page()->preview()->renderedText().contains(QStringLiteral("Who was PM in 1979?")));
    QVERIFY(page()->preview()->renderedText().contains(QStringLiteral("[system]")));
    test::saveScreenshot(m_window.get(), QStringLiteral("13-catalog-preview"));

    // Edit → dirty → save as version 2; undo works in the editor.
    page()->tabs()->setCurrentIndex(0);
    editor->userEditor()->appendPlainText(QStringLiteral("Answer briefly, in {{ language | default(\"English\") }}."));
    QVERIFY(editor->isDirty());
    editor->userEditor()->undo();
    QVERIFY(!editor->isDirty());
    editor->userEditor()->redo();
    QVERIFY(editor->isDirty());
    QVERIFY(editor->saveButton()->isEnabled());
    editor->messageField()->setText(QStringLiteral("ask for brevity"));
    editor->userEditor()->setFocus();
    QTest::keyClick(editor->userEditor(), Qt::Key_S, Qt::ControlModifier);
    QTRY_VERIFY2_WITH_TIMEOUT(
        page()->notice().contains(QStringLiteral("Saved version 2")), qPrintable(page()->notice()), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(page()->history()->table()->rowCount(), 2, 10000);
    QVERIFY(!editor->isDirty());

    // History: the diff of v1 → v2 shows the added words; then point prod at v2.
    page()->tabs()->setCurrentIndex(2);
    QVERIFY(page()->history()->diffNewHtml().contains(QStringLiteral("briefly")));
    QVERIFY(!page()->history()->diffOldHtml().contains(QStringLiteral("briefly")));
    test::saveScreenshot(m_window.get(), QStringLiteral("14-catalog-history-diff"));
    page()->history()->table()->selectRow(0); // newest first
    Q_EMIT page()->history()->labelRequested(QStringLiteral("prod"), 2);
    QTRY_VERIFY_WITH_TIMEOUT(page()->notice().contains(QStringLiteral("prod now points at version 2")), 10000);

    // What the workspace holds now, read on a connection of our own.
    auto db = core::Workspace::open(m_window->snapshot()->path);
    QVERIFY(db.ok());
    auto resolved = core::PromptRepository(*db).resolve("uk-pm-qa@prod");
    QVERIFY(resolved.ok());
    QCOMPARE(resolved->number, 2);
    QCOMPARE(QString::fromStdString(resolved->message), QStringLiteral("ask for brevity"));
}

void TestCatalogPage::invalidTemplateCannotBeSaved()
{
    select(QStringLiteral("sentiment-classify"));
    app::PromptEditor* editor = page()->editor();
    editor->userEditor()->setPlainText(QStringLiteral("Review: {{ review "));
    QVERIFY(!editor->isValid());
    QVERIFY(editor->validationText().startsWith(QStringLiteral("✗")));
    QVERIFY(!editor->saveButton()->isEnabled());
    page()->save();
    QTest::qWait(200);
    QVERIFY(!page()->notice().contains(QStringLiteral("Saved")));
}

void TestCatalogPage::chainEditorRejectsForwardReferences()
{
    select(QStringLiteral("pm-birthplace-distance"));
    app::PromptEditor* editor = page()->editor();
    QVERIFY(editor->stepEditor(0));
    QVERIFY(editor->stepEditor(2));
    QVERIFY(editor->isValid());
    page()->tabs()->setCurrentIndex(1);
    const QString rendered = page()->preview()->renderedText();
    QVERIFY2(rendered.contains(QStringLiteral("⟨output of pm⟩")), qPrintable(rendered));
    test::saveScreenshot(m_window.get(), QStringLiteral("15-catalog-chain-preview"));
    page()->tabs()->setCurrentIndex(0);
    editor->stepEditor(0)->setPlainText(QStringLiteral("Use {{steps.distance.output}} first."));
    QVERIFY(!editor->isValid());
    QVERIFY2(editor->validationText().contains(QStringLiteral("distance")), qPrintable(editor->validationText()));
    QVERIFY(!editor->saveButton()->isEnabled());
    test::saveScreenshot(m_window.get(), QStringLiteral("16-catalog-chain-editor-error"));
}

void TestCatalogPage::unsavedChangesGuard()
{
    select(QStringLiteral("uk-pm-qa"));
    const QString first = page()->selectedPromptId();
    page()->editor()->userEditor()->appendPlainText(QStringLiteral("changed"));
    int asked = 0;
    page()->setUnsavedQuestion([&asked](const QString&) {
        ++asked;
        return QMessageBox::Cancel;
    });
    page()->selectPrompt(QStringLiteral("sentiment-classify"));
    QCOMPARE(asked, 1);
    QCOMPARE(page()->selectedPromptId(), first); // stayed, edits kept
    QVERIFY(page()->editor()->isDirty());
    page()->setUnsavedQuestion([&asked](const QString&) {
        ++asked;
        return QMessageBox::Discard;
    });
    page()->selectPrompt(QStringLiteral("sentiment-classify"));
    QCOMPARE(asked, 2);
    QVERIFY(page()->selectedPromptId() != first);
}

void TestCatalogPage::nearDuplicateWarning()
{
    page()->newPrompt(QStringLiteral("pm-question-copy"));
    QTRY_VERIFY2_WITH_TIMEOUT(
        page()->notice().contains(QStringLiteral("Saved version 1")), qPrintable(page()->notice()), 10000);
    select(QStringLiteral("pm-question-copy"));
    app::PromptEditor* editor = page()->editor();
    editor->systemEditor()->setPlainText(QStringLiteral(
        "You are a precise assistant. Answer with the person's full name only, without any other words."));
    editor->userEditor()->setPlainText(QStringLiteral("{{question}}"));
    page()->save();
    QTRY_VERIFY_WITH_TIMEOUT(page()->notice().contains(QStringLiteral("nearly identical")), 10000);
    QVERIFY(page()->notice().contains(QStringLiteral("uk-pm-qa")));
}

void TestCatalogPage::keyboardNavigation()
{
    select(QStringLiteral("children-story"));
    const QString first = page()->selectedPromptId();
    QTest::keyClick(page()->listView(), Qt::Key_Down, Qt::AltModifier);
    QTRY_VERIFY(page()->selectedPromptId() != first);
    QTest::keyClick(page()->listView(), Qt::Key_Up, Qt::AltModifier);
    QTRY_COMPARE(page()->selectedPromptId(), first);
}

QTEST_MAIN(TestCatalogPage)
#include "tst_catalogpage.moc"
