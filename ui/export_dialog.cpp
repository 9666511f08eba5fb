#include "ui/export_dialog.h"

#include "ui/plot_data.h"
#include "ui/settings.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include <algorithm>

namespace ctscope::ui {

namespace {
const QList<FigureFormat> kAllFormats{FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Csv,
                                      FigureFormat::Json};
}  // namespace

ExportDialog::ExportDialog(Mode mode, const QList<Figure>& figures, int current, Settings& settings, QWidget* parent)
    : QDialog(parent), m_mode(mode), m_figures(figures), m_settings(settings) {
    setWindowTitle(mode == Mode::OneFigure ? tr("Export figure") : tr("Export all figures"));
    auto* form = new QFormLayout;

    if (mode == Mode::OneFigure) {
        m_figure = new QComboBox(this);
        for (const Figure& f : figures) {
            const QString title = PlotData::title(f.plot);
            m_figure->addItem(title.isEmpty() ? f.id : QStringLiteral("%1 — %2").arg(f.id, title));
        }
        m_figure->setCurrentIndex(std::clamp(current, 0, std::max(0, static_cast<int>(figures.size()) - 1)));
        form->addRow(tr("Figure:"), m_figure);
        m_format = new QComboBox(this);
        for (FigureFormat f : kAllFormats) m_format->addItem(FigureExport::extension(f).toUpper());
        const QList<FigureFormat> last = settings.exportFormats();
        m_format->setCurrentIndex(static_cast<int>(kAllFormats.indexOf(last.value(0, FigureFormat::Png))));
        form->addRow(tr("Format:"), m_format);
    } else {
        auto* row = new QHBoxLayout;
        const QList<FigureFormat> last = settings.exportFormats();
        for (FigureFormat f : kAllFormats) {
            auto* box = new QCheckBox(FigureExport::extension(f).toUpper(), this);
            box->setChecked(last.contains(f));
            m_formatBoxes.append({f, box});
            row->addWidget(box);
        }
        row->addStretch(1);
        form->addRow(tr("Formats:"), row);
        form->addRow(QString(), new QLabel(tr("%n figure(s); CSV holds exactly the plotted series, JSON all of them.",
                                              nullptr, static_cast<int>(figures.size())),
                                           this));
    }

    m_preset = new QComboBox(this);
    m_preset->addItems({tr("Single column (3.5 in)"), tr("Double column (7 in)"), tr("Custom")});
    m_width = new QDoubleSpinBox(this);
    m_height = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* box : {m_width, m_height}) {
        box->setRange(1.0, 40.0);
        box->setDecimals(2);
        box->setSingleStep(0.25);
        box->setSuffix(tr(" in"));
    }
    m_dpi = new QSpinBox(this);
    m_dpi->setRange(72, 1200);
    m_dpi->setSingleStep(50);
    m_dpi->setSuffix(tr(" dpi"));
    const ExportSize size = settings.exportSize();
    m_width->setValue(size.widthIn);
    m_height->setValue(size.heightIn);
    m_dpi->setValue(size.dpi);
    m_preset->setCurrentIndex(std::clamp(settings.exportPreset(), 0, 2));
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    form->addRow(tr("Size:"), m_preset);
    form->addRow(QString(), sizeRow);
    form->addRow(tr("PNG resolution:"), m_dpi);

    m_target = new QLineEdit(this);
    auto* browseButton = new QPushButton(tr("Browse…"), this);
    auto* targetRow = new QHBoxLayout;
    targetRow->addWidget(m_target, 1);
    targetRow->addWidget(browseButton);
    form->addRow(mode == Mode::OneFigure ? tr("File:") : tr("Folder:"), targetRow);
    m_target->setText(defaultTarget());

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color:#D55E00"));
    m_error->hide();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_preset, &QComboBox::currentIndexChanged, this, &ExportDialog::updateSizeFields);
    if (m_format) {
        connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
            // Keep the file name in step with the chosen format.
            QFileInfo info(m_target->text());
            const QString ext = FigureExport::extension(kAllFormats.value(m_format->currentIndex()));
            m_target->setText(info.dir().filePath(info.completeBaseName() + QLatin1Char('.') + ext));
        });
        connect(m_figure, &QComboBox::currentIndexChanged, this, [this] { m_target->setText(defaultTarget()); });
    }
    updateSizeFields();
}

void ExportDialog::updateSizeFields() {
    const int preset = m_preset->currentIndex();
    const bool custom = preset == 2;
    m_width->setEnabled(custom);
    m_height->setEnabled(custom);
    if (!custom) {
        const ExportSize s = preset == 0 ? ExportSize::singleColumn() : ExportSize::doubleColumn();
        m_width->setValue(s.widthIn);
        m_height->setValue(s.heightIn);
    }
}

ExportSize ExportDialog::exportSize() const { return {m_width->value(), m_height->value(), m_dpi->value()}; }

QList<FigureFormat> ExportDialog::formats() const {
    if (m_format) return {kAllFormats.value(m_format->currentIndex())};
    QList<FigureFormat> out;
    for (const auto& [format, box] : m_formatBoxes)
        if (box->isChecked()) out.append(format);
    return out;
}

QString ExportDialog::target() const { return m_target->text().trimmed(); }

void ExportDialog::setTarget(const QString& path) { m_target->setText(path); }

QString ExportDialog::defaultTarget() const {
    const QDir dir(m_settings.lastExportDir());
    if (m_mode == Mode::AllFigures) return dir.filePath(QStringLiteral("ctscope-figures"));
    const Figure f = m_figures.value(m_figure->currentIndex());
    return dir.filePath(f.id + QLatin1Char('.') + FigureExport::extension(kAllFormats.value(m_format->currentIndex())));
}

void ExportDialog::browse() {
    QString path;
    if (m_mode == Mode::AllFigures) {
        path = QFileDialog::getExistingDirectory(this, tr("Export all figures to"), target());
    } else {
        const QString ext = FigureExport::extension(formats().value(0));
        path = QFileDialog::getSaveFileName(this, tr("Export figure"), target(),
                                            tr("%1 files (*.%2)").arg(ext.toUpper(), ext));
    }
    if (!path.isEmpty()) m_target->setText(path);
}

void ExportDialog::recordChoices() const {
    ExportProvenance p = FigureExport::provenance();
    QStringList names;
    for (FigureFormat f : formats())
        if (f != FigureFormat::Csv && f != FigureFormat::Json) names << FigureExport::extension(f);
    const ExportSize size = exportSize();
    if (!p.command.isEmpty()) {
        // `ctscope export` writes every figure into a folder; one figure's is its file's folder.
        const QString dir = m_mode == Mode::AllFigures ? target() : QFileInfo(target()).absolutePath();
        p.command << QStringLiteral("--out") << QFileInfo(dir).absoluteFilePath();
        if (!names.isEmpty()) p.command << QStringLiteral("--format") << names.join(QLatin1Char(','));
        p.command << QStringLiteral("--width-in") << QString::number(size.widthIn) << QStringLiteral("--height-in")
                  << QString::number(size.heightIn) << QStringLiteral("--dpi") << QString::number(size.dpi);
    }
    p.options.insert(QStringLiteral("width_in"), size.widthIn);
    p.options.insert(QStringLiteral("height_in"), size.heightIn);
    p.options.insert(QStringLiteral("dpi"), size.dpi);
    FigureExport::setProvenance(p);
}

void ExportDialog::accept() {
    m_written.clear();
    const QList<FigureFormat> chosen = formats();
    QString error;
    if (chosen.isEmpty())
        error = tr("Choose at least one format.");
    else if (target().isEmpty())
        error = tr("Choose where to write.");
    else if (m_figures.isEmpty())
        error = tr("There is no figure to export.");
    if (error.isEmpty()) {
        recordChoices();
        if (m_mode == Mode::AllFigures) {
            m_written = FigureExport::writeAll(m_figures, target(), chosen, exportSize(), &error);
            if (error.isEmpty()) m_settings.setLastExportDir(QFileInfo(target()).absolutePath());
        } else {
            const Figure f = m_figures.value(m_figure->currentIndex());
            if (FigureExport::write(f, target(), chosen.first(), exportSize(), &error)) {
                m_written << target();
                // The manifest beside it: <stem>.manifest.json.
                const QFileInfo file(target());
                const QString manifest = file.dir().filePath(FigureExport::manifestName(file.completeBaseName()));
                if (FigureExport::writeManifest(f, manifest, {file.fileName()}, &error)) m_written << manifest;
            }
            m_settings.setLastExportDir(QFileInfo(target()).absolutePath());
        }
        for (const Figure& f : m_figures) f.plot->replot(QCustomPlot::rpQueuedReplot);
    }
    if (!error.isEmpty()) {
        m_error->setText(error);
        m_error->show();
        return;
    }
    m_settings.setExportSize(exportSize());
    m_settings.setExportPreset(m_preset->currentIndex());
    m_settings.setExportFormats(m_mode == Mode::AllFigures ? chosen : QList<FigureFormat>{chosen.first()});
    QDialog::accept();
}

}  // namespace ctscope::ui
