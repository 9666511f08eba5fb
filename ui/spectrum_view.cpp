#include "ui/spectrum_view.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include <algorithm>
#include <climits>

namespace ctscope::ui {

namespace {

QString matrixLabel(const MatrixResult& m) {
    const QString type = PlotStyle::typeLabel(m.type);
    const QString where = m.layer >= 0 ? QStringLiteral("L%1 %2").arg(m.layer).arg(type) : type;
    return QStringLiteral("%1 (%2×%3)").arg(where).arg(m.rows).arg(m.cols);
}

}  // namespace

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

QVector<int> SpectrumView::defaultSelection() const {
    QVector<int> out;
    if (!m_model) return out;
    const auto& mats = m_model->analysis.matrices;
    int firstLayer = -1;
    for (const MatrixResult& m : mats)
        if (m.layer >= 0 && (firstLayer < 0 || m.layer < firstLayer)) firstLayer = m.layer;
    for (int i = 0; i < static_cast<int>(mats.size()); ++i)
        if (mats[static_cast<size_t>(i)].layer == firstLayer || mats[static_cast<size_t>(i)].layer < 0) out.append(i);
    return out;
}

void SpectrumView::rebuild() {
    m_plot->clearPlottables();
    m_shown.clear();
    const bool logLog = m_scale->currentIndex() == 0;
    const bool normalized = m_normalize->isChecked();
    QCPAxis* x = m_plot->xAxis;
    QCPAxis* y = m_plot->yAxis;
    x->setLabel(tr("Index i (descending)"));
    y->setLabel(normalized ? tr("σᵢ / σ_max") : tr("Singular value σᵢ"));
    if (logLog) {
        PlotStyle::setLog2Axis(x, 64);
        PlotStyle::setLogAxis(y);
    } else {
        PlotStyle::setLinearAxis(x);
        PlotStyle::setLinearAxis(y);
    }
    if (!m_model) {
        m_hint->setText(tr("Open a checkpoint to see its spectra."));
        PlotStyle::setPlaceholder(m_plot, tr("Open a checkpoint (File ▸ Open) to see its spectra"));
        m_plot->legend->setVisible(false);
        PlotStyle::setTitle(m_plot, tr("Singular value spectra"));
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& mats = m_model->analysis.matrices;
    const QVector<int> requested = m_selection.isEmpty() ? defaultSelection() : m_selection;
    const int total = static_cast<int>(PlotStyle::curvesToDraw(requested, static_cast<int>(mats.size()), INT_MAX).size());
    const QVector<int> wanted = PlotStyle::curvesToDraw(requested, static_cast<int>(mats.size()), kMaxCurves);
    QVector<MatrixType> curveTypes;
    for (int i : wanted) curveTypes.append(mats[static_cast<size_t>(i)].type);
    const bool colourByType = PlotStyle::colourByType(curveTypes);

    for (int n = 0; n < wanted.size(); ++n) {
        const MatrixResult& m = mats[static_cast<size_t>(wanted[n])];
        const double scale = normalized && m.sigmaMax > 0 ? m.sigmaMax : 1.0;
        QVector<double> keys, values;
        keys.reserve(static_cast<int>(m.singularValues.size()));
        values.reserve(static_cast<int>(m.singularValues.size()));
        for (size_t j = 0; j < m.singularValues.size(); ++j) {
            const double v = m.singularValues[j] / scale;
            if (logLog && !(v > 0)) continue;  // zeros have no place on a log axis
            keys.append(static_cast<double>(j + 1));
            values.append(v);
        }
        QCPGraph* g = m_plot->addGraph();
        g->setName(matrixLabel(m));
        g->setPen(colourByType ? PlotStyle::typePen(m.type) : PlotStyle::seriesPen(n));
        g->setData(keys, values, true);
        m_shown.append(wanted[n]);
    }

    PlotStyle::polishLegend(m_plot);
    PlotStyle::setPlaceholder(m_plot, QString());
    m_plot->legend->setVisible(!m_shown.isEmpty());
    PlotStyle::setLegendColumns(m_plot, 2);
    int longest = 1;
    for (int i : m_shown)
        longest = std::max<int>(longest, static_cast<int>(mats[static_cast<size_t>(i)].singularValues.size()));
    if (logLog) PlotStyle::setLog2Axis(x, longest);

    PlotStyle::setTitle(m_plot, tr("Singular value spectra"), m_model->displayName());
    if (m_selection.isEmpty())
        m_hint->setText(tr("Showing the first layer and the embeddings; select rows in the table to compare."));
    else if (total > kMaxCurves)
        m_hint->setText(tr("Showing %1 of %2 selected matrices.").arg(kMaxCurves).arg(total));
    else
        m_hint->setText(tr("%n matrix(es) selected.", nullptr, total));
    resetView();
}

void SpectrumView::resetView() {
    const bool logLog = m_scale->currentIndex() == 0;
    double maxX = 1, minY = 0, maxY = 1;
    bool any = false;
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        const auto data = m_plot->graph(i)->data();
        for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
            maxX = std::max(maxX, it->key);
            if (!any) minY = maxY = it->value;
            minY = std::min(minY, it->value);
            maxY = std::max(maxY, it->value);
            any = true;
        }
    }
    if (logLog) {
        m_plot->xAxis->setRange(0.8, maxX * 1.25);
        if (any)
            m_plot->yAxis->setRange(minY / 1.6, maxY * 1.6);
        else
            m_plot->yAxis->setRange(1e-3, 1);
    } else {
        m_plot->xAxis->setRange(0, maxX + 1);
        m_plot->yAxis->setRange(0, any ? maxY * 1.05 : 1.0);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
