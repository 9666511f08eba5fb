#pragma once
/// Where the bundled real examples (resources/examples: stories260K and a
/// Tiny Shakespeare excerpt) live: installed under share/ctscope/examples,
/// or in the source tree when running from a build folder.
#include <QString>

namespace ctscope::ui {

class ExamplePaths {
public:
    /// The examples folder, or an empty string when none is found.
    static QString dir();
    /// A file inside it, or an empty string when it does not exist.
    static QString file(const QString& relative);
    static QString stories260K() { return file(QStringLiteral("stories260K/stories260K.bin")); }
    static QString shakespeare() { return file(QStringLiteral("shakespeare_excerpt.txt")); }
};

}  // namespace ctscope::ui
