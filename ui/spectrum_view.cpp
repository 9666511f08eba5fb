#include "ui/spectrum_view.h"

#include "core/report/figure_builders_spectral.h"
#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

namespace ctscope::ui {

SpectrumView::SpectrumView(QWidget* parent) : PlotPanel(parent) {
    m_scale = new QComboBox(this);
    m_scale->addItem(tr("Log–log"));
    m_scale->addItem(tr("Linear"));
    m_scale->setToolTip(tr("Axis scales"));
    m_normalize = new QCheckBox(tr("Normalise by σ_max"), this);
    m_normalize->setToolTip(tr("Divide each spectrum by its largest singular value"));
    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("spectrumHint"));
    QPalette pal = m_hint->palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    m_hint->setPalette(pal);
    controlsRow()->addWidget(new QLabel(tr("Axes:"), this));
    controlsRow()->addWidget(m_scale);
    controlsRow()->addWidget(m_normalize);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(m_hint);
    finishControls();

    m_plot = addPlot(QStringLiteral("spectrum"));
    PlotStyle::placeLegendBelow(m_plot, 2);
    PlotStyle::setTitle(m_plot, tr("Singular value spectra"));

    connect(m_scale, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_normalize, &QCheckBox::toggled, this, [this] { rebuild(); });
    rebuild();
}

void SpectrumView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    m_selection.clear();
    rebuild();
}

void SpectrumView::setSelection(const QVector<int>& matrices) {
    m_selection = matrices;
    rebuild();
}

void SpectrumView::setLogScale(bool logLog) { m_scale->setCurrentIndex(logLog ? 0 : 1); }

void SpectrumView::setNormalized(bool normalized) { m_normalize->setChecked(normalized); }

void SpectrumView::rebuild() {
    SpectrumFigureOptions opts;
    opts.selection.assign(m_selection.begin(), m_selection.end());
    opts.logLog = m_scale->currentIndex() == 0;
    opts.normalized = m_normalize->isChecked();
    opts.maxCurves = kMaxCurves;
    const SpectrumFigure built = spectrumFigure(m_model ? &m_model->analysis : nullptr, opts,
                                                m_model ? m_model->displayName().toStdString() : std::string());
    m_figure = built.figure;
    m_shown = QVector<int>(built.shown.begin(), built.shown.end());
    FigureRenderer::render(m_figure, m_plot);
    setFigureModel(m_plot, m_figure);
    if (!m_model)
        m_hint->setText(tr("Open a checkpoint to see its spectra."));
    else if (m_selection.isEmpty())
        m_hint->setText(tr("Showing the first layer and the embeddings; select rows in the table to compare."));
    else if (built.requested > kMaxCurves)
        m_hint->setText(tr("Showing %1 of %2 selected matrices.").arg(kMaxCurves).arg(built.requested));
    else
        m_hint->setText(tr("%n matrix(es) selected.", nullptr, built.requested));
}

void SpectrumView::resetView() { FigureRenderer::applyRange(m_figure, m_plot); }

}  // namespace ctscope::ui
