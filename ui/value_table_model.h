#pragma once
/// A read-only table of numbers for the papers' tables (frontier, budget,
/// efficiency frontier, update capture). Each cell keeps its raw value (for
/// sorting and CSV) beside the text shown, so the CSV holds full precision
/// while the view shows rounded numbers. One column can be highlighted (the
/// number a reader looks for, e.g. the gain); rows can be marked bold
/// (totals). GUI thread only.
#include <QAbstractTableModel>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVector>

namespace ctscope::ui {

class ValueTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// The raw value of a cell (double, qlonglong or QString); NaN for "–".
    static constexpr int kSortRole = Qt::UserRole + 1;

    struct Cell {
        QString text;    ///< shown; "–" for a missing number
        QVariant value;  ///< raw value for sorting and CSV; invalid: use `text`
        QString toolTip;

        static Cell fromText(const QString& text);
        /// `decimals` digits after the point; NaN shows "–".
        static Cell number(double v, int decimals);
        /// A fraction shown as a percentage ("82.1%"); the raw value stays a fraction.
        static Cell percent(double fraction, int decimals = 1);
        /// Grouped digits ("1,234,567").
        static Cell integer(long long v);
        /// "2.41×"
        static Cell ratio(double v, int decimals = 2);
    };
    using Row = QVector<Cell>;

    explicit ValueTableModel(QObject* parent = nullptr);

    /// Column titles, with optional header tool tips (units, definitions).
    void setColumns(const QStringList& titles, const QStringList& toolTips = {});
    /// Replaces the rows. Same shape as before: cells change in place
    /// (dataChanged, the selection survives live updates); else a reset.
    void setRows(QVector<Row> rows);
    void clear() { setRows({}); }
    /// Tinted background and bold text in this column; -1 for none.
    void setHighlightedColumn(int column);
    int highlightedColumn() const { return m_highlight; }
    /// Bold rows (e.g. a total).
    void setBoldRow(int row, bool bold = true);

    const QStringList& columnTitles() const { return m_titles; }
    const Row& row(int r) const { return m_rows[r]; }
    /// Raw value of a cell (kSortRole), as a double (NaN when not a number).
    double value(int row, int column) const;
    QString text(int row, int column) const;

    /// The whole table as CSV (RFC 4180 quoting): a header of column titles,
    /// then the raw values (full precision; fractions stay fractions).
    QString toCsv() const;
    /// Writes toCsv() to `path`; false with `error` naming the file on failure.
    bool writeCsv(const QString& path, QString* error = nullptr) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList m_titles;
    QStringList m_toolTips;
    QVector<Row> m_rows;
    QVector<bool> m_bold;
    int m_highlight = -1;
};

/// A table a view offers for CSV export; `id` is a file-name-safe stem.
struct TableExport {
    QString id;
    const ValueTableModel* model = nullptr;
};

}  // namespace ctscope::ui
