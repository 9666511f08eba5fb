#include "ui/type_compare_view.h"

#include "core/report/figure_builders_spectral.h"
#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include <algorithm>

namespace ctscope::ui {

TypeCompareView::TypeCompareView(QWidget* parent) : PlotPanel(parent) {
    m_kSpin = new QSpinBox(this);
    m_kSpin->setRange(1, 64);
    m_kSpin->setValue(8);
    m_kSpin->setToolTip(tr("Number of basis directions kept"));
    m_kSlider = new QSlider(Qt::Horizontal, this);
    m_kSlider->setRange(1, 64);
    m_kSlider->setValue(8);
    m_kSlider->setMinimumWidth(180);
    controlsRow()->addWidget(new QLabel(tr("R² at K ="), this));
    controlsRow()->addWidget(m_kSpin);
    controlsRow()->addWidget(m_kSlider, 1);
    finishControls();

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("typeCompareSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    plotArea()->addWidget(m_summary);
    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);

    m_statsPlot = addPlot(QStringLiteral("type_pr_k90"), row, 1);
    PlotStyle::placeLegendBelow(m_statsPlot);
    PlotStyle::setTitle(m_statsPlot, tr("Effective dimension by matrix type"));
    m_statsPlot->yAxis->setLabel(tr("Directions"));

    m_r2Plot = addPlot(QStringLiteral("type_r2"), row, 1);
    PlotStyle::placeLegendBelow(m_r2Plot);
    PlotStyle::setTitle(m_r2Plot, tr("Energy kept at K"));
    m_r2Plot->yAxis->setLabel(tr("Energy captured R²(K)"));

    connect(m_kSpin, &QSpinBox::valueChanged, this, [this](int k) {
        const QSignalBlocker block(m_kSlider);
        m_kSlider->setValue(k);
        rebuildR2();
    });
    connect(m_kSlider, &QSlider::valueChanged, m_kSpin, &QSpinBox::setValue);
    rebuildStats();
    rebuildR2();
}

void TypeCompareView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    const int d = m_model ? std::max(1, m_model->analysis.dModel) : 64;
    {
        const QSignalBlocker b1(m_kSpin), b2(m_kSlider);
        m_kSpin->setRange(1, d);
        m_kSlider->setRange(1, d);
        const int k = std::min(m_kSpin->value(), d);
        m_kSpin->setValue(k);
        m_kSlider->setValue(k);
    }
    rebuildStats();
    rebuildR2();
}

void TypeCompareView::setK(int k) { m_kSpin->setValue(std::clamp(k, m_kSpin->minimum(), m_kSpin->maximum())); }

int TypeCompareView::k() const { return m_kSpin->value(); }

QString TypeCompareView::summary() const { return m_summary->text(); }

void TypeCompareView::rebuildStats() {
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    m_statsFigure = typeStatsFigure(a, m_model ? m_model->displayName().toStdString() : std::string());
    FigureRenderer::render(m_statsFigure, m_statsPlot);
    setFigureModel(m_statsPlot, m_statsFigure);
}

void TypeCompareView::rebuildR2() {
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    const int k = m_kSpin->value();
    m_r2Figure = typeR2Figure(a, k, m_model ? m_model->displayName().toStdString() : std::string());
    FigureRenderer::render(m_r2Figure, m_r2Plot);
    setFigureModel(m_r2Plot, m_r2Figure);
    if (!a || a->types.empty())
        m_summary->setText(tr("Open a checkpoint to compare its matrix types."));
    else
        m_summary->setText(QString::fromStdString(typeR2SummaryText(typeR2Summary(*a, k), a->dModel)));
}

void TypeCompareView::resetView() {
    FigureRenderer::applyRange(m_statsFigure, m_statsPlot);
    FigureRenderer::applyRange(m_r2Figure, m_r2Plot);
}

}  // namespace ctscope::ui
