#pragma once
/// The options of a fine-tuning sweep as a form: data file, trained blocks,
/// K list, bases, arms, amp parametrisation (residual, reconstruct or both),
/// steps, seeds, learning-rate grid, sequence length, batch and output folder. Converts to FinetuneOptions with validation and
/// to/from a QVariantMap for QSettings. GUI thread only.
#include "core/train/finetune_types.h"

#include <QJsonObject>
#include <QVariantMap>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace ctscope::ui {

class FinetuneForm : public QWidget {
    Q_OBJECT
public:
    explicit FinetuneForm(QWidget* parent = nullptr);

    /// The options, or false with `error` set to what is wrong.
    bool options(FinetuneOptions* out, QString* error) const;
    void setOptions(const FinetuneOptions& options);
    QVariantMap toMap() const;
    void fromMap(const QVariantMap& map);

    /// The "options" object of a sweep.json as a partial map for fromMap():
    /// blocks, K list, bases, arms, amp parametrisations, steps, seeds, lr
    /// grid, sequence and batch; the data file only when it exists (relative
    /// names are resolved against the current folder), the output folder
    /// never (a reopened sweep is not written into unasked). Keys missing
    /// from `options` are left out. Any thread (no widgets touched).
    static QVariantMap mapFromSweepOptions(const QJsonObject& options);

    /// The output folder field (empty: the panel picks a fresh one).
    QString outputDir() const;
    void setDataFile(const QString& path);

    /// Parses "4, 8,16" (positive integers) / "1e-3,3e-4" (positive numbers).
    static bool parseIntList(const QString& text, std::vector<int>* out);
    static bool parseDoubleList(const QString& text, std::vector<double>* out);

private:
    QLineEdit* m_data = nullptr;
    QSpinBox* m_blocks = nullptr;
    QLineEdit* m_ks = nullptr;
    QCheckBox* m_universal = nullptr;
    QCheckBox* m_type = nullptr;
    QCheckBox* m_random = nullptr;
    QCheckBox* m_full = nullptr;
    QCheckBox* m_amp = nullptr;
    QCheckBox* m_lora = nullptr;
    QCheckBox* m_residual = nullptr;
    QCheckBox* m_reconstruct = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_seeds = nullptr;
    QLineEdit* m_lrs = nullptr;
    QSpinBox* m_seq = nullptr;
    QSpinBox* m_batch = nullptr;
    QLineEdit* m_out = nullptr;
    QComboBox* m_device = nullptr;  ///< auto, cpu, cuda: passed to the engine as --device
};

}  // namespace ctscope::ui
