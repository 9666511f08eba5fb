// Inputs the fuzzers (fuzz/, bench/fuzz.sh) found, kept as a regression
// corpus: every file of tests/data/fuzz-crashes/TARGET/ must make its loader
// throw FormatError, never crash. And checkpoints whose shapes claim more
// elements than the file holds, or than 64 bits can count, are refused
// before any buffer of that size is allocated.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/format/pickle_reader.h"
#include "core/format/safetensors_writer.h"
#include "core/format/zip_archive.h"
#include "core/util/error.h"
#include "fixture_writer.h"
#include "test_paths.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>

using namespace ctscope;
using namespace ctscope::test::fixture;
namespace fs = std::filesystem;

// The largest single allocation since the last reset (this binary's
// operator new counts; it allocates as usual).
namespace {
std::atomic<size_t> g_largestAlloc{0};
}

void* operator new(size_t n) {
    size_t seen = g_largestAlloc.load(std::memory_order_relaxed);
    while (n > seen && !g_largestAlloc.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
// Out of line, so that GCC does not see free() on memory from operator new
// in inlined destructors (-Wmismatched-new-delete).
[[gnu::noinline]] static void releaseBlock(void* p) noexcept { std::free(p); }
void operator delete(void* p) noexcept { releaseBlock(p); }
void operator delete(void* p, size_t) noexcept { releaseBlock(p); }
// The nothrow forms too (std::stable_sort's buffer uses them): left to the
// runtime, they would allocate in a way this delete does not free (ASan:
// alloc-dealloc-mismatch).
void* operator new(size_t n, const std::nothrow_t&) noexcept {
    try {
        return ::operator new(n);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { releaseBlock(p); }

namespace {

constexpr size_t kAllocLimit = 64u << 20;  // no buffer the size of a claimed tensor

std::vector<fs::path> crashFiles(const std::string& target) {
    std::vector<fs::path> out;
    const fs::path dir = test::sourcePath("tests/data/fuzz-crashes/" + target);
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().extension() != ".md") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<uint8_t> bytesOf(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <typename F>
void requireRefusedSmall(F&& load) {
    g_largestAlloc = 0;
    CHECK_THROWS_AS(load(), FormatError);
    CHECK(g_largestAlloc.load() < kAllocLimit);
}

} // namespace

TEST_CASE("fuzz crashes: every saved input is a FormatError, never a crash", "[core][fuzz]") {
    REQUIRE(fs::is_directory(test::sourcePath("tests/data/fuzz-crashes")));
    test::TempDir tmp;
    int files = 0;
    auto copyTo = [&](const fs::path& from, const std::string& name) {
        const fs::path to = tmp.path() / name;
        fs::copy_file(from, to, fs::copy_options::overwrite_existing);
        return to.string();
    };
    for (const fs::path& f : crashFiles("safetensors")) {
        INFO(f);
        ++files;
        requireRefusedSmall([&] { loadSafetensorsFile(copyTo(f, "model.safetensors")); });
    }
    for (const fs::path& f : crashFiles("gguf")) {
        INFO(f);
        ++files;
        requireRefusedSmall([&] { loadGguf(copyTo(f, "model.gguf")); });
    }
    {
        // The index fuzzer's folder: a real config and two real shards; the
        // saved input is the index.
        const fs::path hf = tmp.path() / "hf";
        fs::create_directories(hf);
        std::ofstream(hf / "config.json") << R"({"model_type":"llama","hidden_size":8,"intermediate_size":12,)"
                                          << R"("num_hidden_layers":1,"num_attention_heads":2,)"
                                          << R"("num_key_value_heads":1,"vocab_size":16,"tie_word_embeddings":true})";
        const std::vector<float> quarter(16 * 8, 0.25f);
        auto entry = [&](const char* name, std::vector<int64_t> shape) {
            return SafetensorsEntry{name, "F32", std::move(shape), quarter.data()};
        };
        writeSafetensors((hf / "model-00001-of-00002.safetensors").string(),
                         {entry("model.embed_tokens.weight", {16, 8}), entry("model.norm.weight", {8}),
                          entry("model.layers.0.self_attn.q_proj.weight", {8, 8})});
        writeSafetensors((hf / "model-00002-of-00002.safetensors").string(),
                         {entry("model.layers.0.input_layernorm.weight", {8})});
        for (const fs::path& f : crashFiles("safetensors_index")) {
            INFO(f);
            ++files;
            fs::copy_file(f, hf / "model.safetensors.index.json", fs::copy_options::overwrite_existing);
            requireRefusedSmall([&] { loadHfFolder(hf.string()); });
        }
    }
    for (const fs::path& f : crashFiles("llama2c")) {
        INFO(f);
        ++files;
        requireRefusedSmall([&] { loadLlama2c(copyTo(f, "model.bin")); });
    }
    for (const fs::path& f : crashFiles("pickle")) {
        INFO(f);
        ++files;
        const auto bytes = bytesOf(f);
        CHECK_THROWS_AS(
            [&] {
                if (ZipArchive::hasZipMagic(bytes.data(), bytes.size())) {
                    const ZipArchive zip(bytes.data(), bytes.size(), f.string());
                    for (const ZipEntry& e : zip.entries())
                        if (e.name.size() >= 8 && e.name.compare(e.name.size() - 8, 8, "data.pkl") == 0)
                            PickleReader(zip.storedData(e), e.size, f.string());
                    fs::create_directories(tmp.path() / "pt");
                    copyTo(f, "pt/pytorch_model.bin");
                    loadHfFolder((tmp.path() / "pt").string());
                } else {
                    PickleReader(bytes.data(), bytes.size(), f.string());
                }
            }(),
            FormatError);
    }
    WARN(files << " saved fuzz inputs replayed");
}

TEST_CASE("shapes whose element count overflows 64 bits are refused before any allocation", "[core][fuzz]") {
    test::TempDir tmp;
    const int64_t huge = int64_t{1} << 32;
    SECTION("safetensors") {
        StEntry e;
        e.name = "model.embed_tokens.weight";
        e.dtype = "F32";
        e.shape = {huge, huge, 16};  // 2^68 elements
        e.bytes.assign(16, 0);
        e.offsets = std::make_pair(uint64_t{0}, uint64_t{16});
        writeFile(tmp.file("o.safetensors"), stFile({e}));
        requireRefusedSmall([&] { loadSafetensorsFile(tmp.file("o.safetensors")); });
        // Fits in 64 bits, but far more than the file holds.
        e.shape = {1 << 20, 1 << 20};
        writeFile(tmp.file("big.safetensors"), stFile({e}));
        requireRefusedSmall([&] { loadSafetensorsFile(tmp.file("big.safetensors")); });
    }
    SECTION("gguf") {
        GgufWriter g;
        g.kvString("general.architecture", "llama");
        g.kvU32("llama.embedding_length", 8);
        g.tensor("token_embd.weight", {uint64_t{1} << 33, uint64_t{1} << 33}, 0, std::vector<uint8_t>(32, 0));
        writeFile(tmp.file("o.gguf"), g.bytes());
        requireRefusedSmall([&] { loadGguf(tmp.file("o.gguf")); });
        GgufWriter big;
        big.kvString("general.architecture", "llama");
        big.kvU32("llama.embedding_length", 8);
        big.tensor("token_embd.weight", {uint64_t{1} << 20, uint64_t{1} << 20}, 0, std::vector<uint8_t>(32, 0));
        writeFile(tmp.file("big.gguf"), big.bytes());
        requireRefusedSmall([&] { loadGguf(tmp.file("big.gguf")); });
    }
    SECTION("llama2.c") {
        // dim, hidden, layers, heads, kv heads, vocab, seq: products past 2^64.
        writeFile(tmp.file("o.bin"), llama2cFile({2147483647, 2147483647, 2147483647, 1, 1, 2147483647, 16}, {1, 2}));
        requireRefusedSmall([&] { loadLlama2c(tmp.file("o.bin")); });
        writeFile(tmp.file("big.bin"), llama2cFile({4096, 11008, 32, 32, 32, 32000, 2048}, {1, 2, 3}));
        requireRefusedSmall([&] { loadLlama2c(tmp.file("big.bin")); });
    }
}
