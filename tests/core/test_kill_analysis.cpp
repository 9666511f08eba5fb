// The real `ctscope analyze --json --csv` with its cache, killed with SIGKILL
// at 20 random (seeded) moments: after every kill each output file is
// absent, the old complete one or the new complete one, byte for byte.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/spectral/analysis_cache.h"
#include "kill_helper.h"
#include "test_paths.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

const char* kCsvs[] = {"types.csv", "matrices.csv", "energy.csv", "r2.csv", "singular_values.csv", "skipped.csv"};

std::map<std::string, std::string> snapshot(const std::string& work, const std::string& cacheFile) {
    std::map<std::string, std::string> files;
    files["a.json"] = test::readText(work + "/a.json");
    for (const char* c : kCsvs) files[std::string("csv/") + c] = test::readText(work + "/csv/" + c);
    files["cache"] = test::readText(cacheFile);
    return files;
}

} // namespace

TEST_CASE("kill -9 an analysis at 20 random moments: every file is absent, old or new", "[core][kill]") {
    REQUIRE(fs::exists(test::ctscopeBinary()));
    test::TempDir tmp;
    const std::string ckptPath = test::sourcePath("resources/examples/stories260K/stories260K.bin");
    const std::string work = tmp.file("work"), cacheDir = tmp.file("cache"), log = tmp.file("log.txt");
    fs::create_directories(work);
    auto args = [&](const char* ks) {
        return std::vector<std::string>{test::ctscopeBinary(), "analyze", ckptPath, "--k", ks, "--json", work + "/a.json",
                                        "--csv", work + "/csv", "--cache-dir", cacheDir, "--threads", "1", "--quiet",
                                        "--no-tables"};
    };
    const std::string cacheFile = analysisCachePath(*openCheckpoint(ckptPath), cacheDir);

    REQUIRE(test::runChild(args("2,4"), log, -1).exitCode == 0);
    const auto oldFiles = snapshot(work, cacheFile);
    fs::remove(cacheFile);
    const auto newRun = test::runChild(args("4,8"), log, -1);
    REQUIRE(newRun.exitCode == 0);
    const auto newFiles = snapshot(work, cacheFile);
    REQUIRE(oldFiles.at("a.json") != newFiles.at("a.json"));
    REQUIRE(oldFiles.at("csv/types.csv") != newFiles.at("csv/types.csv"));
    REQUIRE(test::jsonIsWhole(newFiles.at("a.json")));
    const std::string identity = openCheckpoint(ckptPath)->identity();
    REQUIRE(loadCachedAnalysis(cacheFile, identity));

    std::mt19937 rng(20240910);
    std::uniform_real_distribution<double> delay(0.02, std::max(0.5, newRun.seconds));
    std::uniform_real_distribution<double> soon(0.0, 0.02);
    int kills = 0, filesChecked = 0, tornFiles = 0, sawOld = 0, sawNew = 0, sawAbsent = 0, launches = 0;
    while (kills < 20) {
        REQUIRE(++launches < 200);
        // The old complete outputs are in place; every other kill finds no cache.
        for (const auto& [name, text] : oldFiles)
            if (name != "cache") {
                std::ofstream out(work + "/" + name, std::ios::binary | std::ios::trunc);
                out << text;
            }
        // Four kinds of kill, in turn: at a random moment from the launch
        // (without, then with a cache), and just after the cache file or
        // the JSON appeared, while the files after it are being written.
        const int kind = kills % 4;
        const bool noCache = kind == 0 || kind == 2;
        if (noCache) {
            fs::remove(cacheFile);
        } else {
            std::ofstream out(cacheFile, std::ios::binary | std::ios::trunc);
            out << oldFiles.at("cache");
        }
        const std::string oldJsonSize = std::to_string(oldFiles.at("a.json").size());
        std::function<bool()> trigger;
        if (kind == 2) trigger = [&] { return fs::exists(cacheFile); };
        if (kind == 3)
            trigger = [&] {
                std::error_code ec;
                return std::to_string(fs::file_size(work + "/a.json", ec)) != oldJsonSize && !ec;
            };
        const auto r = trigger ? test::runChild(args("4,8"), log, soon(rng), SIGKILL, trigger)
                               : test::runChild(args("4,8"), log, delay(rng));
        if (!r.signalled) continue;  // finished before the kill: not a kill
        ++kills;
        for (const auto& [name, oldText] : oldFiles) {
            const std::string path = name == "cache" ? cacheFile : work + "/" + name;
            ++filesChecked;
            if (!fs::exists(path)) {
                if (name != "cache" || !noCache) {
                    ++tornFiles;
                    FAIL_CHECK(path << " vanished after kill " << kills);
                }
                ++sawAbsent;
                continue;
            }
            const std::string text = test::readText(path);
            const bool isOld = text == oldText && !(name == "cache" && noCache);
            const bool isNew = text == newFiles.at(name);
            sawOld += isOld && !isNew;
            sawNew += isNew && !isOld;
            if (!isOld && !isNew) {
                ++tornFiles;
                FAIL_CHECK(path << " is neither the old nor the new complete file after kill " << kills);
            }
            if (name == "cache") CHECK(loadCachedAnalysis(path, identity));
        }
    }
    // A complete run afterwards removes the temporaries the killed writers left.
    REQUIRE(test::runChild(args("4,8"), log, -1).exitCode == 0);
    int leftovers = 0;
    for (const std::string& d : {work, work + "/csv", cacheDir})
        for (const auto& e : fs::directory_iterator(d))
            leftovers += e.path().filename().string().find(".tmp.") != std::string::npos;
    std::printf("kill-analysis: %d kills (%d launches), %d files checked, %d torn files; old %d, new %d, absent "
                "cache %d; %d temporary files left after the next complete run\n",
                kills, launches, filesChecked, tornFiles, sawOld, sawNew, sawAbsent, leftovers);
    CHECK(tornFiles == 0);
    CHECK(sawNew > 0);
    CHECK(leftovers == 0);
}
