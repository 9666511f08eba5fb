#pragma once
/// A compact table view for a ValueTableModel: whole-row selection, columns
/// sized to their contents, a height that fits the rows (up to a cap, then it
/// scrolls), and a context menu with "Copy as CSV" and "Save as CSV…".
/// GUI thread only.
#include "ui/value_table_model.h"

#include <QTableView>

namespace ctscope::ui {

class ValueTableView : public QTableView {
    Q_OBJECT
public:
    /// Owns a new, empty model; `csvStem` names the file "Save as CSV…" proposes.
    explicit ValueTableView(const QString& csvStem, QWidget* parent = nullptr);

    ValueTableModel* valueModel() const { return m_model; }
    TableExport tableExport() const { return {m_stem, m_model}; }
    /// Rows shown before the view scrolls (the height it asks for).
    void setMaxVisibleRows(int rows);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public slots:
    void copyCsv();
    /// Asks for a file and writes the table; errors go to a message box.
    void saveCsv();

private:
    void fitColumns();

    ValueTableModel* m_model = nullptr;
    QString m_stem;
    int m_maxRows = 12;
};

}  // namespace ctscope::ui
