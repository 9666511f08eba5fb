#include "ui/model_panel.h"

#include "ui/model_table_model.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace ctscope::ui {

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("modelSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setText(tr("No checkpoint open."));

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter (type, layer or tensor name)…"));
    m_filter->setClearButtonEnabled(true);

    m_model = new ModelTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ModelTableModel::kSortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder);  // file order until the user sorts
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_summary);
    layout->addWidget(m_filter);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { emit selectionChanged(selectedMatrices()); });
}

void ModelPanel::setModel(LoadedModelPtr model) {
    m_model->setModel(model);
    m_view->resizeColumnsToContents();
    if (!model) {
        m_summary->setText(tr("No checkpoint open."));
        return;
    }
    const SpectralAnalysis& a = model->analysis;
    const ModelConfig& c = a.config;
    QStringList parts;
    parts << QString::fromStdString(a.checkpointFormat);
    parts << tr("d_model %1").arg(a.dModel);
    if (c.nLayers > 0) parts << tr("%1 layers").arg(c.nLayers);
    if (c.nHeads > 0)
        parts << (c.nKvHeads > 0 && c.nKvHeads != c.nHeads ? tr("%1 heads (%2 kv)").arg(c.nHeads).arg(c.nKvHeads)
                                                           : tr("%1 heads").arg(c.nHeads));
    if (c.ffnDim > 0) parts << tr("ffn %1").arg(c.ffnDim);
    if (c.vocab > 0) parts << tr("vocab %1").arg(c.vocab);
    if (a.tiedHead) parts << tr("tied head");
    parts << tr("%n matrices", nullptr, static_cast<int>(a.matrices.size()));
    QString html = QStringLiteral("<b>%1</b>").arg(model->displayName().toHtmlEscaped());
    if (a.synthetic) html += tr(" <span style='color:#D55E00'>(synthetic demo, not a trained model)</span>");
    html += QStringLiteral("<br>") + parts.join(QStringLiteral(" · ")).toHtmlEscaped();
    if (!a.skipped.empty()) {
        QStringList reasons;
        for (const SkippedTensor& s : a.skipped)
            reasons << QString::fromStdString(s.name + ": " + s.reason).toHtmlEscaped();
        m_summary->setToolTip(tr("Not analysed:\n") + reasons.join(QLatin1Char('\n')));
        html += tr("<br><i>%n tensor(s) not analysed (hover for why)</i>", nullptr, static_cast<int>(a.skipped.size()));
    } else {
        m_summary->setToolTip(QString());
    }
    m_summary->setText(html);
}

QVector<int> ModelPanel::selectedMatrices() const {
    QVector<int> out;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    QList<QPair<int, int>> ordered;  // (proxy row, matrix)
    for (const QModelIndex& proxyIndex : rows)
        ordered.append({proxyIndex.row(), m_proxy->mapToSource(proxyIndex).row()});
    std::sort(ordered.begin(), ordered.end());
    for (const auto& [row, matrix] : ordered) out.append(matrix);
    return out;
}

QString ModelPanel::summary() const { return m_summary->text(); }

}  // namespace ctscope::ui
