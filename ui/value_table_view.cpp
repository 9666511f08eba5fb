#include "ui/value_table_view.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QMessageBox>
#include <QScrollBar>

#include <algorithm>

namespace ctscope::ui {

ValueTableView::ValueTableView(const QString& csvStem, QWidget* parent)
    : QTableView(parent), m_model(new ValueTableModel(this)), m_stem(csvStem) {
    setObjectName(csvStem);
    setModel(m_model);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setStretchLastSection(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);

    setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* copy = new QAction(tr("Copy as CSV"), this);
    auto* save = new QAction(tr("Save as CSV…"), this);
    connect(copy, &QAction::triggered, this, &ValueTableView::copyCsv);
    connect(save, &QAction::triggered, this, &ValueTableView::saveCsv);
    addAction(copy);
    addAction(save);

    connect(m_model, &QAbstractItemModel::modelReset, this, &ValueTableView::fitColumns);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        // Live updates (a slider) change numbers, not widths: only grow.
        for (int c = 0; c < m_model->columnCount(); ++c)
            if (sizeHintForColumn(c) > columnWidth(c)) resizeColumnToContents(c);
    });
}

void ValueTableView::setMaxVisibleRows(int rows) {
    m_maxRows = std::max(1, rows);
    updateGeometry();
}

void ValueTableView::fitColumns() {
    resizeColumnsToContents();
    updateGeometry();
}

QSize ValueTableView::sizeHint() const {
    const int rows = std::clamp(m_model->rowCount(), 2, m_maxRows);
    const int h = horizontalHeader()->sizeHint().height() + rows * verticalHeader()->defaultSectionSize() +
                  2 * frameWidth() + horizontalScrollBar()->sizeHint().height() / 2;
    int w = 2 * frameWidth();
    for (int c = 0; c < m_model->columnCount(); ++c) w += columnWidth(c);
    return {std::max(w, 200), h};
}

QSize ValueTableView::minimumSizeHint() const {
    return {200, horizontalHeader()->sizeHint().height() + 2 * verticalHeader()->defaultSectionSize() +
                     2 * frameWidth()};
}

void ValueTableView::copyCsv() { QApplication::clipboard()->setText(m_model->toCsv()); }

void ValueTableView::saveCsv() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save table as CSV"),
                                                      QDir::home().filePath(m_stem + QStringLiteral(".csv")),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    if (!m_model->writeCsv(path, &error)) QMessageBox::warning(this, tr("Save as CSV"), error);
}

}  // namespace ctscope::ui
