#include "ui/plot_panel.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

namespace ctscope::ui {

namespace {
constexpr double kHoverRadiusPx = 10.0;

QString formatValue(double v) { return QString::number(v, 'g', 5); }
}  // namespace

PlotPanel::PlotPanel(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    outer->setSpacing(4);
    m_controls = new QHBoxLayout;
    m_controls->setSpacing(8);
    outer->addLayout(m_controls);
    m_plotArea = new QVBoxLayout;
    m_plotArea->setSpacing(6);
    outer->addLayout(m_plotArea, 1);
}

QCustomPlot* PlotPanel::addPlot(const QString& id, QBoxLayout* layout, int stretch) {
    auto* plot = new QCustomPlot(this);
    plot->setObjectName(id);
    PlotStyle::apply(plot);
    plot->setMinimumSize(320, 220);
    plot->setToolTip(QString());
    plot->setMouseTracking(true);
    connect(plot, &QCustomPlot::mouseMove, this, [this, plot](QMouseEvent* e) { showHover(plot, e); });
    connect(plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
    (layout ? layout : m_plotArea)->addWidget(plot, stretch);
    m_figures.append(Figure{id, plot, nullptr});
    return plot;
}

void PlotPanel::setFigureModel(QCustomPlot* plot, FigureModel model) {
    for (Figure& f : m_figures) {
        if (f.plot != plot) continue;
        model.id = f.id.toStdString();
        f.model = std::make_shared<const FigureModel>(std::move(model));
    }
}

void PlotPanel::finishControls() {
    m_controls->addStretch(1);
    auto* reset = new QToolButton(this);
    reset->setText(tr("Reset view"));
    reset->setToolTip(
        tr("Restore the default axis ranges (or double-click a plot).\n"
           "Drag to pan, mouse wheel to zoom, hover for values."));
    connect(reset, &QToolButton::clicked, this, &PlotPanel::resetView);
    m_controls->addWidget(reset);
}

void PlotPanel::showHover(QCustomPlot* plot, QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = kHoverRadiusPx;
    QString text;
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        if (!p->visible() || qobject_cast<QCPErrorBars*>(p)) continue;
        QVariant details;
        const double distance = p->selectTest(pos, false, &details);
        if (distance < 0 || distance >= best) continue;
        const QCPDataSelection selection = details.value<QCPDataSelection>();
        if (selection.isEmpty()) continue;
        const int k = selection.dataRange().begin();
        double key = 0, value = 0;
        if (auto* g = qobject_cast<QCPGraph*>(p)) {
            if (k >= g->dataCount()) continue;
            key = g->data()->at(k)->key;
            value = g->data()->at(k)->value;
        } else if (auto* b = qobject_cast<QCPBars*>(p)) {
            if (k >= b->dataCount()) continue;
            key = b->data()->at(k)->key;
            value = b->data()->at(k)->value;
        } else {
            continue;
        }
        best = distance;
        QString keyText = formatValue(key);
        if (auto ticker = p->keyAxis()->ticker().dynamicCast<QCPAxisTickerText>()) {
            const QString label = ticker->ticks().value(key);
            if (!label.isEmpty() && !qobject_cast<QCPGraph*>(p)) keyText = label;
        }
        text = QStringLiteral("<b>%1</b><br>%2: %3<br>%4: %5")
                   .arg(p->name().toHtmlEscaped(), p->keyAxis()->label().toHtmlEscaped(), keyText,
                        p->valueAxis()->label().toHtmlEscaped(), formatValue(value));
    }
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

}  // namespace ctscope::ui
