#include "ui/value_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFile>
#include <QSaveFile>
#include <QFont>
#include <QLocale>
#include <QTextStream>

#include <cmath>
#include <limits>

namespace ctscope::ui {

namespace {

const QString kMissing = QStringLiteral("–");

QString csvField(const QString& s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
    QString quoted = s;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString csvValue(const ValueTableModel::Cell& c) {
    if (!c.value.isValid()) return csvField(c.text);
    if (c.value.typeId() == QMetaType::Double) {
        const double v = c.value.toDouble();
        return std::isfinite(v) ? QString::number(v, 'g', 10) : QString();
    }
    return csvField(c.value.toString());
}

}  // namespace

ValueTableModel::Cell ValueTableModel::Cell::fromText(const QString& text) { return Cell{text, text, QString()}; }

ValueTableModel::Cell ValueTableModel::Cell::number(double v, int decimals) {
    return Cell{std::isfinite(v) ? QString::number(v, 'f', decimals) : kMissing, v, QString()};
}

ValueTableModel::Cell ValueTableModel::Cell::percent(double fraction, int decimals) {
    return Cell{std::isfinite(fraction) ? QStringLiteral("%1%").arg(100.0 * fraction, 0, 'f', decimals) : kMissing,
                fraction, QString()};
}

ValueTableModel::Cell ValueTableModel::Cell::integer(long long v) {
    return Cell{QLocale(QLocale::English).toString(v), static_cast<qlonglong>(v), QString()};
}

ValueTableModel::Cell ValueTableModel::Cell::ratio(double v, int decimals) {
    return Cell{std::isfinite(v) ? QStringLiteral("%1×").arg(v, 0, 'f', decimals) : kMissing, v, QString()};
}

ValueTableModel::ValueTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ValueTableModel::setColumns(const QStringList& titles, const QStringList& toolTips) {
    beginResetModel();
    m_titles = titles;
    m_toolTips = toolTips;
    m_rows.clear();
    m_bold.clear();
    endResetModel();
}

void ValueTableModel::setRows(QVector<Row> rows) {
    for (Row& r : rows) r.resize(m_titles.size());
    if (rows.size() == m_rows.size() && !rows.isEmpty()) {
        m_rows = std::move(rows);
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    m_bold = QVector<bool>(m_rows.size(), false);
    endResetModel();
}

void ValueTableModel::setHighlightedColumn(int column) {
    m_highlight = column;
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    emit headerDataChanged(Qt::Horizontal, 0, std::max(0, columnCount() - 1));
}

void ValueTableModel::setBoldRow(int row, bool bold) {
    if (row < 0 || row >= m_rows.size()) return;
    m_bold[row] = bold;
    emit dataChanged(index(row, 0), index(row, columnCount() - 1));
}

double ValueTableModel::value(int row, int column) const {
    if (row < 0 || row >= m_rows.size() || column < 0 || column >= m_titles.size())
        return std::numeric_limits<double>::quiet_NaN();
    bool ok = false;
    const double v = m_rows[row][column].value.toDouble(&ok);
    return ok ? v : std::numeric_limits<double>::quiet_NaN();
}

QString ValueTableModel::text(int row, int column) const {
    if (row < 0 || row >= m_rows.size() || column < 0 || column >= m_titles.size()) return QString();
    return m_rows[row][column].text;
}

QString ValueTableModel::toCsv() const {
    QString out;
    QStringList header;
    for (const QString& t : m_titles) header << csvField(t);
    out += header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (const Row& r : m_rows) {
        QStringList fields;
        for (const Cell& c : r) fields << csvValue(c);
        out += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}

bool ValueTableModel::writeCsv(const QString& path, QString* error) const {
    // QSaveFile: a temporary file beside `path`, renamed over it on commit,
    // so a crash leaves the old table or the new one.
    QSaveFile file(path);
    const QByteArray bytes = toCsv().toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

int ValueTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int ValueTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_titles.size());
}

QVariant ValueTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Cell& c = m_rows[index.row()][index.column()];
    switch (role) {
        case Qt::DisplayRole:
            return c.text;
        case kSortRole:
            return c.value.isValid() ? c.value : QVariant(c.text);
        case Qt::ToolTipRole:
            return c.toolTip.isEmpty() ? QVariant() : QVariant(c.toolTip);
        case Qt::TextAlignmentRole: {
            const bool numeric = c.value.isValid() && c.value.typeId() != QMetaType::QString;
            return int((numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
        }
        case Qt::FontRole:
            if (index.column() == m_highlight || m_bold.value(index.row())) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        case Qt::BackgroundRole:
            // A pale Okabe–Ito blue: visible on the alternating rows, legible in print.
            if (index.column() == m_highlight) return QBrush(QColor(222, 235, 247));
            return {};
        default:
            return {};
    }
}

QVariant ValueTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= m_titles.size()) return {};
    if (role == Qt::DisplayRole) return m_titles[section];
    if (role == Qt::ToolTipRole && section < m_toolTips.size() && !m_toolTips[section].isEmpty())
        return m_toolTips[section];
    if (role == Qt::FontRole && section == m_highlight) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

}  // namespace ctscope::ui
