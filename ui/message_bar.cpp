#include "ui/message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace ctscope::ui {

MessageBar::MessageBar(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("messageBar"));
    setFrameShape(QFrame::StyledPanel);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &MessageBar::dismiss);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(close, 0, Qt::AlignTop);
    hide();
}

void MessageBar::showMessage(const QString& text, Kind kind) {
    m_kind = kind;
    m_text->setText(text);
    QStyle::StandardPixmap icon = QStyle::SP_MessageBoxInformation;
    QString colors = QStringLiteral("background:#EAF3FA; border:1px solid #0072B2;");
    if (kind == Kind::Error) {
        icon = QStyle::SP_MessageBoxCritical;
        colors = QStringLiteral("background:#FBEDE6; border:1px solid #D55E00;");
    } else if (kind == Kind::Warning) {
        icon = QStyle::SP_MessageBoxWarning;
        colors = QStringLiteral("background:#FDF6E3; border:1px solid #E69F00;");
    }
    setStyleSheet(QStringLiteral("#messageBar { %1 border-radius:3px; }").arg(colors));
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(size, size));
    show();
}

QString MessageBar::text() const { return isHidden() ? QString() : m_text->text(); }

void MessageBar::dismiss() {
    m_text->clear();
    hide();
}

}  // namespace ctscope::ui
