#include "ui/finetune_form.h"

#include "core/report/list_parse.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>

#include <algorithm>

namespace ctscope::ui {

namespace {

QWidget* withBrowse(QWidget* parent, QLineEdit* edit, bool folder) {
    auto* box = new QWidget(parent);
    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* button = new QToolButton(box);
    button->setText(QStringLiteral("…"));
    button->setToolTip(folder ? QObject::tr("Choose a folder") : QObject::tr("Choose a file"));
    layout->addWidget(edit, 1);
    layout->addWidget(button);
    QObject::connect(button, &QToolButton::clicked, edit, [edit, folder] {
        const QString start = edit->text().isEmpty() ? QString() : QFileInfo(edit->text()).absolutePath();
        const QString path = folder ? QFileDialog::getExistingDirectory(edit, QObject::tr("Output folder"), start)
                                    : QFileDialog::getOpenFileName(edit, QObject::tr("Training text"), start,
                                                                   QObject::tr("Text (*.txt);;All files (*)"));
        if (!path.isEmpty()) edit->setText(path);
    });
    return box;
}

QWidget* row(QWidget* parent, std::initializer_list<QWidget*> widgets) {
    auto* box = new QWidget(parent);
    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    for (QWidget* w : widgets) layout->addWidget(w);
    layout->addStretch(1);
    return box;
}

QSpinBox* spin(QWidget* parent, int lo, int hi, int value) {
    auto* s = new QSpinBox(parent);
    s->setRange(lo, hi);
    s->setValue(value);
    return s;
}

}  // namespace

FinetuneForm::FinetuneForm(QWidget* parent) : QWidget(parent) {
    const FinetuneOptions defaults;
    m_data = new QLineEdit(this);
    m_data->setPlaceholderText(tr("plain text file"));
    m_blocks = spin(this, 1, 256, defaults.blocks);
    m_blocks->setToolTip(tr("The last N transformer blocks are trained"));
    m_ks = new QLineEdit(this);
    m_ks->setToolTip(tr("Basis sizes K (amp) and LoRA ranks, comma-separated"));
    m_universal = new QCheckBox(tr("universal"), this);
    m_type = new QCheckBox(tr("per-type"), this);
    m_random = new QCheckBox(tr("random"), this);
    m_full = new QCheckBox(tr("full"), this);
    m_amp = new QCheckBox(tr("amp"), this);
    m_lora = new QCheckBox(tr("LoRA"), this);
    m_full->setToolTip(tr("Full fine-tuning: the baseline every efficiency is measured against"));
    m_amp->setToolTip(tr("Amplitude-only: train the coefficients on a frozen basis of K directions"));
    m_residual = new QCheckBox(tr("residual"), this);
    m_reconstruct = new QCheckBox(tr("reconstruct"), this);
    m_residual->setToolTip(tr("W = W_res + S·B: starts from the unchanged model"));
    m_reconstruct->setToolTip(
        tr("W = S·B: starts from the rank-K reconstruction, so small K must first win back "
           "what the truncation lost (the K phase transition)"));
    m_steps = spin(this, 1, 100000, defaults.steps);
    m_seeds = spin(this, 1, 100, defaults.seeds);
    m_lrs = new QLineEdit(this);
    m_lrs->setPlaceholderText(tr("engine default per arm"));
    m_lrs->setToolTip(tr("Learning rates to try, comma-separated; the best per arm and K is reported"));
    m_seq = spin(this, 8, 8192, defaults.seq);
    m_batch = spin(this, 1, 1024, defaults.batch);
    m_out = new QLineEdit(this);
    m_out->setPlaceholderText(tr("automatic (kept for reopening)"));
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("finetuneDevice"));
    for (DeviceKind d : {DeviceKind::Auto, DeviceKind::Cpu, DeviceKind::Cuda})
        m_device->addItem(QString::fromLatin1(deviceKindName(d)), static_cast<int>(d));
    m_device->setToolTip(tr("Where ctscope-engine trains: auto is CUDA when its LibTorch sees a GPU"));

    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Data:"), withBrowse(this, m_data, false));
    form->addRow(tr("Blocks:"), m_blocks);
    form->addRow(tr("K list:"), m_ks);
    form->addRow(tr("Bases:"), row(this, {m_universal, m_type, m_random}));
    form->addRow(tr("Arms:"), row(this, {m_full, m_amp, m_lora}));
    form->addRow(tr("Amp as:"), row(this, {m_residual, m_reconstruct}));
    form->addRow(tr("Steps:"), m_steps);
    form->addRow(tr("Seeds:"), m_seeds);
    form->addRow(tr("Device:"), m_device);
    form->addRow(tr("LR grid:"), m_lrs);
    form->addRow(tr("Sequence × batch:"), row(this, {m_seq, m_batch}));
    form->addRow(tr("Output:"), withBrowse(this, m_out, true));
    setOptions(defaults);
}

bool FinetuneForm::parseIntList(const QString& text, std::vector<int>* out) {
    // The one list parser (core/report/list_parse.h); the form wants counts, so > 0.
    if (!ctscope::parseIntList(text.toStdString(), out)) return false;
    return std::all_of(out->begin(), out->end(), [](int v) { return v > 0; });
}

bool FinetuneForm::parseDoubleList(const QString& text, std::vector<double>* out) {
    out->clear();
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok || !(v > 0)) return false;
        out->push_back(v);
    }
    return true;
}

bool FinetuneForm::options(FinetuneOptions* out, QString* error) const {
    FinetuneOptions o;
    o.dataFile = m_data->text().trimmed().toStdString();
    if (o.dataFile.empty()) return *error = tr("Choose a training text file."), false;
    if (!QFileInfo(m_data->text().trimmed()).isFile())
        return *error = tr("%1: no such file").arg(m_data->text().trimmed()), false;
    o.blocks = m_blocks->value();
    if (!parseIntList(m_ks->text(), &o.ks) || o.ks.empty())
        return *error = tr("K list: give positive integers separated by commas, e.g. 4,8,16."), false;
    o.bases.clear();
    if (m_universal->isChecked()) o.bases.push_back(BasisKind::Universal);
    if (m_type->isChecked()) o.bases.push_back(BasisKind::Type);
    if (m_random->isChecked()) o.bases.push_back(BasisKind::Random);
    o.arms.clear();
    if (m_full->isChecked()) o.arms.push_back(Arm::Full);
    if (m_amp->isChecked()) o.arms.push_back(Arm::Amp);
    if (m_lora->isChecked()) o.arms.push_back(Arm::Lora);
    if (o.arms.empty()) return *error = tr("Choose at least one arm."), false;
    if (m_amp->isChecked() && o.bases.empty()) return *error = tr("The amp arm needs at least one basis."), false;
    o.params.clear();
    if (m_residual->isChecked()) o.params.push_back(AmpParam::Residual);
    if (m_reconstruct->isChecked()) o.params.push_back(AmpParam::Reconstruct);
    if (m_amp->isChecked() && o.params.empty())
        return *error = tr("The amp arm needs a parametrisation: residual, reconstruct or both."), false;
    if (o.params.empty()) o.params.push_back(AmpParam::Residual);  // unused without amp
    o.steps = m_steps->value();
    o.seeds = m_seeds->value();
    if (!parseDoubleList(m_lrs->text(), &o.lrGrid))
        return *error = tr("LR grid: give positive numbers separated by commas, e.g. 1e-3,3e-3."), false;
    o.seq = m_seq->value();
    o.batch = m_batch->value();
    o.outDir = m_out->text().trimmed().toStdString();
    o.device = static_cast<DeviceKind>(m_device->currentData().toInt());
    *out = o;
    return true;
}

void FinetuneForm::setOptions(const FinetuneOptions& o) {
    m_data->setText(QString::fromStdString(o.dataFile));
    m_blocks->setValue(o.blocks);
    QStringList ks, lrs;
    for (int k : o.ks) ks << QString::number(k);
    for (double lr : o.lrGrid) lrs << QString::number(lr, 'g', 4);
    m_ks->setText(ks.join(QLatin1Char(',')));
    m_lrs->setText(lrs.join(QLatin1Char(',')));
    const auto hasBasis = [&](BasisKind b) { return std::find(o.bases.begin(), o.bases.end(), b) != o.bases.end(); };
    const auto hasArm = [&](Arm a) { return std::find(o.arms.begin(), o.arms.end(), a) != o.arms.end(); };
    m_universal->setChecked(hasBasis(BasisKind::Universal));
    m_type->setChecked(hasBasis(BasisKind::Type));
    m_random->setChecked(hasBasis(BasisKind::Random));
    m_full->setChecked(hasArm(Arm::Full));
    m_amp->setChecked(hasArm(Arm::Amp));
    m_lora->setChecked(hasArm(Arm::Lora));
    const auto hasParam = [&](AmpParam p) { return std::find(o.params.begin(), o.params.end(), p) != o.params.end(); };
    m_residual->setChecked(hasParam(AmpParam::Residual));
    m_reconstruct->setChecked(hasParam(AmpParam::Reconstruct));
    m_steps->setValue(o.steps);
    m_seeds->setValue(o.seeds);
    m_seq->setValue(o.seq);
    m_batch->setValue(o.batch);
    m_out->setText(QString::fromStdString(o.outDir));
    m_device->setCurrentIndex(std::max(0, m_device->findData(static_cast<int>(o.device))));
}

QVariantMap FinetuneForm::toMap() const {
    return {{QStringLiteral("data"), m_data->text()},
            {QStringLiteral("blocks"), m_blocks->value()},
            {QStringLiteral("ks"), m_ks->text()},
            {QStringLiteral("universal"), m_universal->isChecked()},
            {QStringLiteral("type"), m_type->isChecked()},
            {QStringLiteral("random"), m_random->isChecked()},
            {QStringLiteral("full"), m_full->isChecked()},
            {QStringLiteral("amp"), m_amp->isChecked()},
            {QStringLiteral("lora"), m_lora->isChecked()},
            {QStringLiteral("steps"), m_steps->value()},
            {QStringLiteral("seeds"), m_seeds->value()},
            {QStringLiteral("lrs"), m_lrs->text()},
            {QStringLiteral("seq"), m_seq->value()},
            {QStringLiteral("batch"), m_batch->value()},
            {QStringLiteral("out"), m_out->text()},
            {QStringLiteral("residual"), m_residual->isChecked()},
            {QStringLiteral("reconstruct"), m_reconstruct->isChecked()},
            {QStringLiteral("device"), m_device->currentText()}};
}

void FinetuneForm::fromMap(const QVariantMap& map) {
    const auto text = [&](const char* key, QLineEdit* edit) {
        if (map.contains(QLatin1String(key))) edit->setText(map.value(QLatin1String(key)).toString());
    };
    const auto number = [&](const char* key, QSpinBox* box) {
        if (map.contains(QLatin1String(key))) box->setValue(map.value(QLatin1String(key)).toInt());
    };
    const auto check = [&](const char* key, QCheckBox* box) {
        if (map.contains(QLatin1String(key))) box->setChecked(map.value(QLatin1String(key)).toBool());
    };
    text("data", m_data);
    text("ks", m_ks);
    text("lrs", m_lrs);
    text("out", m_out);
    number("blocks", m_blocks);
    number("steps", m_steps);
    number("seeds", m_seeds);
    number("seq", m_seq);
    number("batch", m_batch);
    check("universal", m_universal);
    check("type", m_type);
    check("random", m_random);
    check("full", m_full);
    check("amp", m_amp);
    check("lora", m_lora);
    check("residual", m_residual);
    check("reconstruct", m_reconstruct);
    if (map.contains(QLatin1String("device"))) {
        const int i = m_device->findText(map.value(QLatin1String("device")).toString());
        if (i >= 0) m_device->setCurrentIndex(i);
    }
}

QVariantMap FinetuneForm::mapFromSweepOptions(const QJsonObject& o) {
    QVariantMap map;
    const auto names = [&](const char* key) {
        QStringList list;
        for (const QJsonValue& v : o.value(QLatin1String(key)).toArray()) list << v.toString();
        return list;
    };
    const auto number = [&](const char* key) {
        if (o.value(QLatin1String(key)).isDouble()) map.insert(QLatin1String(key), o.value(QLatin1String(key)).toInt());
    };
    const auto flags = [&](const char* key, std::initializer_list<std::pair<const char*, const char*>> names_) {
        if (!o.value(QLatin1String(key)).isArray()) return;
        const QStringList present = names(key);
        for (const auto& [name, mapKey] : names_)
            map.insert(QLatin1String(mapKey), present.contains(QLatin1String(name)));
    };
    const QString data = o.value(QLatin1String("data")).toString();
    if (!data.isEmpty() && QFileInfo(data).isFile())
        map.insert(QStringLiteral("data"), QFileInfo(data).absoluteFilePath());
    number("blocks");
    number("steps");
    number("seeds");
    number("seq");
    number("batch");
    if (o.value(QLatin1String("ks")).isArray()) {
        QStringList ks;
        for (const QJsonValue& v : o.value(QLatin1String("ks")).toArray()) ks << QString::number(v.toInt());
        map.insert(QStringLiteral("ks"), ks.join(QLatin1Char(',')));
    }
    if (o.value(QLatin1String("lr_grid")).isArray()) {
        QStringList lrs;
        for (const QJsonValue& v : o.value(QLatin1String("lr_grid")).toArray())
            lrs << QString::number(v.toDouble(), 'g', 4);
        map.insert(QStringLiteral("lrs"), lrs.join(QLatin1Char(',')));
    }
    flags("bases", {{"universal", "universal"}, {"type", "type"}, {"random", "random"}});
    flags("arms", {{"full", "full"}, {"amp", "amp"}, {"lora", "lora"}});
    flags("params", {{"residual", "residual"}, {"reconstruct", "reconstruct"}});
    return map;
}

QString FinetuneForm::outputDir() const { return m_out->text().trimmed(); }

void FinetuneForm::setDataFile(const QString& path) { m_data->setText(path); }

}  // namespace ctscope::ui
