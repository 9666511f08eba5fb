#pragma once
/// An inline message strip above the views (errors from a bad file, notes),
/// closable, that never hides what is already shown. GUI thread only.
#include <QFrame>

class QLabel;

namespace ctscope::ui {

class MessageBar : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Error, Warning, Info };

    explicit MessageBar(QWidget* parent = nullptr);

    /// Shows `text` (plain text; the core's messages are shown as they are).
    void showMessage(const QString& text, Kind kind = Kind::Error);
    QString text() const;
    Kind kind() const { return m_kind; }

public slots:
    void dismiss();

private:
    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    Kind m_kind = Kind::Info;
};

}  // namespace ctscope::ui
