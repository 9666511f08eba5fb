// The item models, each run under QAbstractItemModelTester.
#include <catch2/catch.hpp>

#include "ui_test_support.h"

#include "ui/model_panel.h"
#include "ui/model_table_model.h"
#include "ui/run_table_model.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>

#include <cmath>

using namespace ctscope;
using namespace ctscope::ui;

TEST_CASE("matrix table model: one row per matrix, sortable, passes the model tester", "[ui]") {
    test::uiApp();
    ModelTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(ModelTableModel::kSortRole);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);

    CHECK(model.rowCount() == 0);
    const LoadedModelPtr m = test::handMadeModel();
    model.setModel(m);
    REQUIRE(model.rowCount() == static_cast<int>(m->analysis.matrices.size()));
    CHECK(model.columnCount() == ModelTableModel::ColumnCount);
    CHECK(model.data(model.index(0, ModelTableModel::Type)).toString() == QStringLiteral("q"));
    CHECK(model.data(model.index(0, ModelTableModel::Shape)).toString() == QStringLiteral("16 × 16"));
    CHECK(model.data(model.index(model.rowCount() - 1, ModelTableModel::Layer)).toString() == QStringLiteral("–"));

    proxy.sort(ModelTableModel::PR, Qt::DescendingOrder);
    double previous = 1e300;
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const double pr = proxy.data(proxy.index(r, ModelTableModel::PR), ModelTableModel::kSortRole).toDouble();
        CHECK(pr <= previous);
        previous = pr;
    }
    proxy.setFilterKeyColumn(ModelTableModel::Type);
    proxy.setFilterFixedString(QStringLiteral("gate"));
    CHECK(proxy.rowCount() == 2);
    model.setModel(nullptr);
    CHECK(proxy.rowCount() == 0);
}

TEST_CASE("model panel reports selected matrices in table order", "[ui]") {
    test::uiApp();
    ModelPanel panel;
    QAbstractItemModelTester tester(panel.proxyModel(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    const LoadedModelPtr m = test::handMadeModel();
    panel.setModel(m);
    CHECK(panel.summary().contains(QStringLiteral("d_model 16")));
    QSignalSpy spy(&panel, &ModelPanel::selectionChanged);
    QItemSelectionModel* sel = panel.tableView()->selectionModel();
    sel->select(panel.proxyModel()->index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    sel->select(panel.proxyModel()->index(5, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    CHECK(spy.count() == 2);
    CHECK(panel.selectedMatrices() == QVector<int>{2, 5});
}

TEST_CASE("run table model lists runs with efficiency, passes the model tester", "[ui]") {
    test::uiApp();
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(RunTableModel::kSortRole);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);

    RunResult full;
    full.spec.arm = Arm::Full;
    full.startLoss = 3.0;
    full.finalLoss = 2.0;
    full.completed = true;
    full.trainable = 1000;
    RunResult amp;
    amp.spec.arm = Arm::Amp;
    amp.spec.basis = BasisKind::Type;
    amp.spec.k = 8;
    amp.startLoss = 3.0;
    amp.finalLoss = 2.5;
    amp.completed = true;
    amp.trainable = 40;
    model.addRun(full);
    model.addRun(amp);
    REQUIRE(model.rowCount() == 2);
    EfficiencyTable table;
    table.l0 = 3.0;
    table.fullMean = 2.0;
    table.baselineLearns = true;
    model.setEfficiency(table);
    CHECK(model.data(model.index(1, RunTableModel::Efficiency)).toString() == QStringLiteral("50.0%"));
    CHECK(model.data(model.index(1, RunTableModel::Basis)).toString() == QStringLiteral("type"));
    CHECK(RunTableModel::runEfficiency(amp, table) == Approx(0.5));
    table.baselineLearns = false;
    model.setEfficiency(table);
    CHECK(model.data(model.index(1, RunTableModel::Efficiency)).toString() == QStringLiteral("–"));
    proxy.sort(RunTableModel::Trainable, Qt::AscendingOrder);
    CHECK(proxy.data(proxy.index(0, RunTableModel::Arm_)).toString() == QStringLiteral("amp"));
    model.clear();
    CHECK(model.rowCount() == 0);
}
