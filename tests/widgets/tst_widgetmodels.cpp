// SPDX-License-Identifier: MIT
#include "models/modelmatrixmodel.h"
#include "models/promptlistmodel.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QtTest>

using namespace assay;

class TestWidgetModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelMatrix();
    void modelMatrixSortsNumbersAsNumbers();
    void promptList();
};

namespace {
core::Model model(std::string name, std::optional<double> params, std::optional<double> priceIn, bool open)
{
    core::Model m;
    m.name = std::move(name);
    m.provider = "Vendor";
    m.parametersB = params;
    m.priceInPerMTok = priceIn;
    m.openWeights = open;
    m.contextWindow = 128000;
    m.commercialUse = true;
    return m;
}
} // namespace

void TestWidgetModels::modelMatrix()
{
    widgets::ModelMatrixModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setModels({ model("A", 7, 0.2, true), model("B", std::nullopt, std::nullopt, false) });
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.columnCount(), int(widgets::ModelMatrixModel::ColumnCount));
    QCOMPARE(m.index(0, widgets::ModelMatrixModel::Weights).data().toString(), QStringLiteral("Open"));
    QCOMPARE(m.index(1, widgets::ModelMatrixModel::Weights).data().toString(), QStringLiteral("Proprietary"));
    QCOMPARE(m.index(1, widgets::ModelMatrixModel::Parameters).data().toString(), QStringLiteral("—"));
    QCOMPARE(m.index(0, widgets::ModelMatrixModel::Parameters).data().toString(), QStringLiteral("7 B"));
    QCOMPARE(m.index(0, widgets::ModelMatrixModel::CommercialUse).data().toString(), QStringLiteral("Yes"));
    QVERIFY(!m.headerData(widgets::ModelMatrixModel::PriceIn, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    m.setModels({});
    QCOMPARE(m.rowCount(), 0);
}

void TestWidgetModels::modelMatrixSortsNumbersAsNumbers()
{
    widgets::ModelMatrixModel m;
    m.setModels({ model("big", 70, 1, true), model("small", 8, 1, true), model("huge", 405, 1, true) });
    QSortFilterProxyModel proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&m);
    proxy.setSortRole(widgets::ModelMatrixModel::SortRole);
    proxy.sort(widgets::ModelMatrixModel::Parameters, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("small"));
    QCOMPARE(proxy.index(1, 0).data().toString(), QStringLiteral("big")); // 70 < 405, though "405" < "70" as text
    QCOMPARE(proxy.index(2, 0).data().toString(), QStringLiteral("huge"));
}

void TestWidgetModels::promptList()
{
    widgets::PromptListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    widgets::PromptEntry e;
    e.name = "uk-pm-qa";
    e.folder = "evaluation/labeled";
    e.tags = { "qa", "facts" };
    e.latestVersion = 3;
    e.labels = { "prod → v3" };
    m.setEntries({ e });
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(m.index(0, widgets::PromptListModel::Version).data().toString(), QStringLiteral("v3"));
    QCOMPARE(m.index(0, widgets::PromptListModel::Tags).data().toString(), QStringLiteral("qa, facts"));
    QCOMPARE(m.index(0, 0).data(widgets::PromptListModel::FolderRole).toString(), QStringLiteral("evaluation/labeled"));
    QVERIFY(m.index(0, 0).data(widgets::PromptListModel::SearchTextRole).toString().contains(QStringLiteral("facts")));
    m.setEntries({});
    QCOMPARE(m.rowCount(), 0);
}

QTEST_MAIN(TestWidgetModels)
#include "tst_widgetmodels.moc"
