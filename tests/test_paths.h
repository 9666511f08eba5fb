#pragma once
/// Where tests find real data. Tests that need ../shared skip with a message
/// (Catch2 2 has no SKIP: they WARN and return) when it is absent; the
/// environment variable CTSCOPE_SHARED_DIR overrides the configured folder
/// (point it at an empty folder to see which tests skip without it). Files
/// shipped in resources/examples are in every checkout: tests that need only
/// them use examplePath() and never skip.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ctscope::test {

inline std::string sharedDir() {
    if (const char* env = std::getenv("CTSCOPE_SHARED_DIR")) return env;
    return CTSCOPE_SHARED_DIR;
}
inline std::string sharedPath(const std::string& rel) { return sharedDir() + "/" + rel; }
inline bool haveShared(const std::string& rel) { return std::filesystem::exists(sharedPath(rel)); }
inline std::string sourcePath(const std::string& rel) { return std::string(CTSCOPE_SOURCE_DIR) + "/" + rel; }
/// A file shipped in resources/examples/ (e.g. "stories260K/stories260K.bin").
inline std::string examplePath(const std::string& rel) { return sourcePath("resources/examples/" + rel); }

/// A scratch folder unique to the running test, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

} // namespace ctscope::test

#define CTSCOPE_REQUIRE_SHARED(rel)                                              \
    do {                                                                         \
        if (!ctscope::test::haveShared(rel)) {                                   \
            WARN("SKIPPED: " << ctscope::test::sharedPath(rel) << " not present"); \
            return;                                                              \
        }                                                                        \
    } while (0)
