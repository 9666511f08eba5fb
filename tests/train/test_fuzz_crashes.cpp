// The tokenizer.json inputs the fuzzer found (tests/data/fuzz-crashes/
// tokenizer_json/): each must be a FormatError from HfTokenizer, never a crash.
#include <catch2/catch.hpp>

#include "core/train/hf_tokenizer.h"
#include "core/util/error.h"
#include "test_paths.h"

#include <filesystem>

using namespace ctscope;
namespace fs = std::filesystem;

TEST_CASE("fuzz crashes: every saved tokenizer.json is a FormatError, never a crash", "[train][fuzz]") {
    const fs::path dir = test::sourcePath("tests/data/fuzz-crashes/tokenizer_json");
    REQUIRE(fs::is_directory(test::sourcePath("tests/data/fuzz-crashes")));
    test::TempDir tmp;
    int files = 0;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir)) {
            if (!e.is_regular_file() || e.path().extension() == ".md") continue;
            INFO(e.path());
            ++files;
            const fs::path copy = tmp.path() / "tokenizer.json";
            fs::copy_file(e.path(), copy, fs::copy_options::overwrite_existing);
            CHECK_THROWS_AS(HfTokenizer::fromFile(copy.string())->encode("Hello, world!"), FormatError);
        }
    WARN(files << " saved tokenizer.json inputs replayed");
}
