// MainWindow's exports (File ▸ Export): which figures and tables the window
// offers, and the provenance each manifest records, including the headless
// `ctscope export` command that writes the same figures. The rest of the
// class is in main_window.cpp.
#include "ui/main_window.h"

#include "ui/alpha_view.h"
#include "ui/budget_view.h"
#include "ui/efficiency_frontier_view.h"
#include "ui/energy_view.h"
#include "ui/export_dialog.h"
#include "ui/finetune_panel.h"
#include "ui/frontier_view.h"
#include "ui/heavy_tails_view.h"
#include "ui/message_bar.h"
#include "ui/overlay_view.h"
#include "ui/settings.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"
#include "ui/update_view.h"

#include "core/format/checkpoint.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QTabWidget>

namespace ctscope::ui {

ExportProvenance MainWindow::exportProvenance() const {
    ExportProvenance p;
    if (!m_model) return p;
    // The checkpoints as `ctscope export` takes them: the base first, then
    // those added beside it (whose update against the base is a figure).
    const auto argument = [](const QString& path) {
        return path == QLatin1String("demo") ? path : QFileInfo(path).absoluteFilePath();
    };
    p.command << QStringLiteral("ctscope") << QStringLiteral("export");
    for (const LoadedModelPtr& m : m_models) p.command << argument(m->path);
    if (m_models.isEmpty()) p.command << argument(m_model->path);
    p.command << QStringLiteral("--k") << QString::number(m_types->k()) << QStringLiteral("--tau")
              << QString::number(m_budget->tau(), 'g', 6);
    const QString sweep = m_finetune->sweepDir();
    if (!sweep.isEmpty() && !m_finetune->runs().empty())
        p.command << QStringLiteral("--sweep") << QFileInfo(sweep).absoluteFilePath();
    // The dialog adds --out, --format and the size once they are chosen.
    if (m_model->checkpoint) p.checkpoint = FigureExport::checkpointIdentity(*m_model->checkpoint);
    p.options = QJsonObject{{QStringLiteral("tau"), m_budget->tau()},
                            {QStringLiteral("k"), m_types->k()},
                            {QStringLiteral("sweep"), sweep}};
    for (const RunResult& r : m_finetune->runs())
        if (!p.seeds.contains(r.spec.seed)) p.seeds << r.spec.seed;
    return p;
}

QList<Figure> MainWindow::allFigures() const {
    return m_spectrum->figures() + m_energy->figures() + m_types->figures() + m_frontier->figures() +
           m_budget->figures() + m_overlay->figures() + m_update->figures() + m_finetune->figures() +
           m_effFrontier->figures() + findChild<HeavyTailsView*>()->figures() + findChild<AlphaView*>()->figures();
}

QList<TableExport> MainWindow::allTables() const {
    QList<TableExport> out = m_frontier->tables() + m_budget->tables();
    if (!m_update->update().types.empty()) out += m_update->tables();
    if (!m_effFrontier->runs().empty()) out += m_effFrontier->tables();
    return out;
}

QList<Figure> MainWindow::currentFigures() const {
    QWidget* current = m_tabs->currentWidget();
    if (current == m_finetune) return m_finetune->figures();
    if (current == m_effFrontier) return m_effFrontier->figures();
    if (auto* panel = qobject_cast<PlotPanel*>(current)) return panel->figures();
    return {};
}

void MainWindow::exportCurrentFigure() {
    const QList<Figure> all = allFigures();
    const QList<Figure> current = currentFigures();
    const int index = current.isEmpty() ? 0 : static_cast<int>(all.indexOf(current.first()));
    Settings settings;
    FigureExport::setProvenance(exportProvenance());
    ExportDialog dialog(ExportDialog::Mode::OneFigure, all, index, settings, this);
    if (dialog.exec() == QDialog::Accepted)
        m_statusText->setText(tr("Wrote %1").arg(dialog.writtenFiles().join(QStringLiteral(", "))));
}

void MainWindow::exportAllFigures() {
    Settings settings;
    FigureExport::setProvenance(exportProvenance());
    ExportDialog dialog(ExportDialog::Mode::AllFigures, allFigures(), 0, settings, this);
    if (dialog.exec() != QDialog::Accepted) return;
    // The papers' tables go beside the figures, as CSV of their raw values.
    int written = static_cast<int>(dialog.writtenFiles().size());
    for (const TableExport& table : allTables()) {
        QString error;
        if (!table.model->writeCsv(QDir(dialog.target()).filePath(table.id + QStringLiteral(".csv")), &error)) {
            m_messages->showMessage(error, MessageBar::Kind::Error);
            return;
        }
        ++written;
    }
    m_statusText->setText(tr("Wrote %n file(s) to %1", nullptr, written).arg(dialog.target()));
}

}  // namespace ctscope::ui
