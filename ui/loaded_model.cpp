#include "ui/loaded_model.h"

#include <QFileInfo>

namespace ctscope::ui {

QString LoadedModel::displayName() const {
    if (checkpoint && checkpoint->synthetic()) return QStringLiteral("demo (synthetic)");
    QString p = path;
    while (p.endsWith(QLatin1Char('/')) && p.size() > 1) p.chop(1);
    const QString name = QFileInfo(p).fileName();
    return name.isEmpty() ? p : name;
}

}  // namespace ctscope::ui
