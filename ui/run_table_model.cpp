#include "ui/run_table_model.h"

#include "core/report/figure_builders_finetune.h"

#include <QLocale>

#include <cmath>

namespace ctscope::ui {

namespace {
QString lossText(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("–"); }
}  // namespace

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

QString RunTableModel::armLabel(const RunSpec& spec) {
    return QString::fromStdString(finetuneArmLabel(spec));  // the plots' legend names, from core
}

double RunTableModel::runEfficiency(const RunResult& run, const EfficiencyTable& table) {
    // Core's definition, so that the table, the plot and summary.csv agree
    // (a reconstruct run starts above L₀ but is measured from L₀ too).
    return ctscope::runEfficiency(run, table);
}

void RunTableModel::setRuns(std::vector<RunResult> runs, const EfficiencyTable& table) {
    beginResetModel();
    m_runs = std::move(runs);
    m_table = table;
    endResetModel();
}

void RunTableModel::addRun(const RunResult& run) {
    const int row = static_cast<int>(m_runs.size());
    beginInsertRows(QModelIndex(), row, row);
    m_runs.push_back(run);
    endInsertRows();
}

void RunTableModel::setEfficiency(const EfficiencyTable& table) {
    m_table = table;
    if (!m_runs.empty()) emit dataChanged(index(0, Efficiency), index(static_cast<int>(m_runs.size()) - 1, Efficiency));
}

void RunTableModel::clear() { setRuns({}, EfficiencyTable{}); }

int RunTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const RunResult& r = m_runs[static_cast<size_t>(index.row())];
    const RunSpec& s = r.spec;
    const double eff = runEfficiency(r, m_table);
    if (role == kSortRole) {
        switch (index.column()) {
            case Arm_:
                return armLabel(s);
            case Basis:
                return s.arm == Arm::Amp ? QString::fromLatin1(basisName(s.basis)) : QString();
            case K:
                return s.k;
            case Seed:
                return s.seed;
            case LearningRate:
                return s.lr;
            case Trainable:
                return static_cast<qlonglong>(r.trainable);
            case StartLoss:
                return r.startLoss;
            case FinalLoss:
                return r.finalLoss;
            case Efficiency:
                return std::isfinite(eff) ? eff : -1e300;
            default:
                return {};
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Arm_:
                return s.arm == Arm::Amp ? QStringLiteral("amp") : armLabel(s);
            case Basis:
                if (s.arm != Arm::Amp) return QStringLiteral("–");
                return s.param == AmpParam::Reconstruct
                           ? QStringLiteral("%1 (reconstruct)").arg(QString::fromLatin1(basisName(s.basis)))
                           : QString::fromLatin1(basisName(s.basis));
            case K:
                return s.arm == Arm::Full ? QStringLiteral("–") : QString::number(s.k);
            case Seed:
                return s.seed;
            case LearningRate:
                return QString::number(s.lr, 'g', 3);
            case Trainable:
                return QLocale().toString(static_cast<qlonglong>(r.trainable));
            case StartLoss:
                return lossText(r.startLoss);
            case FinalLoss:
                return r.completed ? lossText(r.finalLoss) : QStringLiteral("(stopped)");
            case Efficiency:
                return std::isfinite(eff) ? QStringLiteral("%1%").arg(100 * eff, 0, 'f', 1) : QStringLiteral("–");
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole)
        return int((index.column() <= Basis ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) return QString::fromStdString(s.id());
    return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) {
        static const char* names[] = {"Arm",       "Basis",       "K / rank",       "Seed",      "LR",
                                      "Trainable", "Held-out start", "Held-out final", "Efficiency"};
        return QString::fromUtf8(names[section]);
    }
    if (role == Qt::ToolTipRole && section == Efficiency)
        return QStringLiteral("(L₀ − L_run) / (L₀ − L_full), L₀ the unchanged model's held-out loss (a reconstruct "
                              "run is measured from it too): 100% matches full fine-tuning, 0% learns nothing");
    if (role == Qt::ToolTipRole && section == StartLoss)
        return QStringLiteral("Held-out next-token loss of this run before step 1, nats/token (a reconstruct run "
                              "starts from the rank-K reconstruction)");
    if (role == Qt::ToolTipRole && section == FinalLoss)
        return QStringLiteral("Held-out next-token loss, nats/token");
    return {};
}

}  // namespace ctscope::ui
