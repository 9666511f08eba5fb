// The fine-tuning form's device choice reaches the engine's command line.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/train/finetune_args.h"
#include "ui/finetune_form.h"

#include <QComboBox>

#include <algorithm>

using namespace ctscope;
using namespace ctscope::ui;

TEST_CASE("the form's device choice goes to the engine as --device", "[ui][finetune_form]") {
    test::uiApp();
    FinetuneForm form;
    auto* device = form.findChild<QComboBox*>(QStringLiteral("finetuneDevice"));
    REQUIRE(device);
    REQUIRE(device->count() == 3);
    CHECK(device->currentText() == QStringLiteral("auto"));  // the default, as on the command line

    const std::string data = test::examplePath("stories260K/stories260K.bin");  // any existing file
    form.setDataFile(QString::fromStdString(data));
    for (const char* name : {"cpu", "cuda", "auto"}) {
        form.fromMap({{QStringLiteral("device"), QString::fromLatin1(name)}});
        FinetuneOptions o;
        QString error;
        REQUIRE(form.options(&o, &error));
        CHECK(std::string(deviceKindName(o.device)) == name);
        const std::vector<std::string> args = finetuneArgs(o);
        const auto it = std::find(args.begin(), args.end(), "--device");
        REQUIRE(it != args.end());
        REQUIRE(it + 1 != args.end());
        CHECK(*(it + 1) == name);
        // What the window saves and restores.
        CHECK(form.toMap().value(QStringLiteral("device")).toString() == QString::fromLatin1(name));
    }
    // setOptions (a reopened sweep, the last session) sets it back.
    FinetuneOptions cuda;
    cuda.device = DeviceKind::Cuda;
    form.setOptions(cuda);
    CHECK(device->currentText() == QStringLiteral("cuda"));
}
