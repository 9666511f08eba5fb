// PyTorch checkpoints written by torch 1.13 (tests/data/pickle/make_fixtures.py)
// against their safetensors twins, written from the same torch storages by
// the script's own safetensors writer.
#include "pickle_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/mapped_file.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>

using namespace ctscope;
namespace fs = std::filesystem;
namespace pk = ctscope::test::pickle;
using ctscope::test::TempDir;

namespace {

std::string fixture(const std::string& rel) { return ctscope::test::sourcePath("tests/data/pickle/" + rel); }

bool hasNote(const Checkpoint& ck, const std::string& part) {
    return std::any_of(ck.notes().begin(), ck.notes().end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

/// Every tensor of `twin` is in `ck`, in the same order, with the same dtype,
/// shape and bytes, and nothing else is.
void checkSameTensors(const Checkpoint& ck, const Checkpoint& twin) {
    REQUIRE(ck.tensors().size() == twin.tensors().size());
    for (size_t i = 0; i < ck.tensors().size(); ++i) CHECK(ck.tensors()[i].name == twin.tensors()[i].name);
    for (const TensorInfo& want : twin.tensors()) {
        INFO("tensor " << want.name);
        const TensorInfo* got = ck.find(want.name);
        REQUIRE(got);
        CHECK(got->dtype == want.dtype);
        CHECK(got->shape == want.shape);
        REQUIRE(got->nbytes == want.nbytes);
        REQUIRE(got->data);
        CHECK(std::memcmp(got->data, want.data, want.nbytes) == 0);
        CHECK(ck.readFloat(*got) == twin.readFloat(want));
    }
}

/// True when the tensor's bytes lie inside its mapped file (not copied).
bool mapped(const Checkpoint& ck, const TensorInfo& t) {
    if (t.fileIndex < 0) return false;
    const MappedFile& f = *ck.files().at(static_cast<size_t>(t.fileIndex));
    return t.data >= f.data() && t.data + t.nbytes <= f.data() + f.size() && t.data == f.data() + t.offset;
}

void checkSameSpectra(const Checkpoint& a, const Checkpoint& b) {
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    const SpectralAnalysis x = analyzeCheckpoint(a, o);
    const SpectralAnalysis y = analyzeCheckpoint(b, o);
    CHECK(x.tiedHead == y.tiedHead);
    CHECK(x.universal.pr == Approx(y.universal.pr).epsilon(1e-6));
    REQUIRE(x.types.size() == y.types.size());
    for (size_t i = 0; i < x.types.size(); ++i) {
        INFO("type " << roleName(x.types[i].type));
        CHECK(x.types[i].type == y.types[i].type);
        CHECK(x.types[i].matrices == y.types[i].matrices);
        CHECK(x.types[i].spectrum.pr == Approx(y.types[i].spectrum.pr).epsilon(1e-6));
        CHECK(x.types[i].spectrum.k90 == y.types[i].spectrum.k90);
    }
    REQUIRE(x.matrices.size() == y.matrices.size());
    for (size_t i = 0; i < x.matrices.size(); ++i) {
        INFO("matrix " << y.matrices[i].name);
        CHECK(x.matrices[i].name == y.matrices[i].name);
        CHECK(x.matrices[i].pr == Approx(y.matrices[i].pr).epsilon(1e-6));
    }
}

}  // namespace

TEST_CASE("a BF16 pytorch_model.bin with a tied head equals its safetensors twin", "[pickle]") {
    const auto ck = openCheckpoint(fixture("bf16_tied/pytorch_model.bin"));
    const auto twin = openCheckpoint(fixture("bf16_tied_safetensors"));
    CHECK(ck->format() == "pytorch");
    CHECK(ck->config().dModel == 16);
    CHECK(ck->config().nLayers == 2);
    CHECK(ck->config().nKvHeads == 1);
    CHECK(ck->config().tiedEmbeddings);
    // lm_head.weight shares the embedding's storage: listed once, as HF's safetensors does.
    CHECK(ck->find("lm_head.weight") == nullptr);
    CHECK(hasNote(*ck, "lm_head.weight is the same storage as model.embed_tokens.weight"));
    checkSameTensors(*ck, *twin);
    for (const TensorInfo& t : ck->tensors()) {
        INFO(t.name);
        CHECK(t.dtype == DType::BF16);
        CHECK(mapped(*ck, t));
    }
    CHECK(buildInventory(*ck).tiedHead);
    checkSameSpectra(*ck, *twin);
}

TEST_CASE("F16 views into shared storages: slices at offsets and non-contiguous views", "[pickle]") {
    const auto ck = openCheckpoint(fixture("f16_views/pytorch_model.bin"));
    const auto twin = openCheckpoint(fixture("f16_views_safetensors"));
    checkSameTensors(*ck, *twin);
    CHECK_FALSE(ck->config().tiedEmbeddings);
    // q, k, v are consecutive slices of one fused storage, read in place.
    const TensorInfo& q = ck->require("model.layers.1.self_attn.q_proj.weight");
    const TensorInfo& k = ck->require("model.layers.1.self_attn.k_proj.weight");
    const TensorInfo& v = ck->require("model.layers.1.self_attn.v_proj.weight");
    CHECK(mapped(*ck, q));
    CHECK(k.data == q.data + q.nbytes);
    CHECK(v.data == k.data + k.nbytes);
    CHECK(mapped(*ck, ck->require("model.layers.0.mlp.up_proj.weight")));
    // A transposed view and a column slice are gathered into memory.
    CHECK(ck->require("model.layers.0.self_attn.o_proj.weight").fileIndex == -1);
    CHECK(ck->require("model.layers.0.mlp.down_proj.weight").fileIndex == -1);
    CHECK(hasNote(*ck, "model.layers.0.mlp.down_proj.weight: a non-contiguous view (strides [48, 1])"));
    // The int64 buffer is skipped in both forms.
    CHECK(ck->find("model.position_ids") == nullptr);
    CHECK(hasNote(*ck, "model.position_ids (torch.LongStorage): not a weight"));
    checkSameSpectra(*ck, *twin);
}

TEST_CASE("a sharded pytorch_model.bin.index.json folder opens as one checkpoint", "[pickle]") {
    const auto ck = openCheckpoint(fixture("f32_sharded"));
    const auto twin = openCheckpoint(fixture("f32_sharded_safetensors"));
    CHECK(ck->format() == "hf-folder");
    CHECK(ck->files().size() == 2);
    CHECK_FALSE(ck->config().tiedEmbeddings);
    CHECK(ck->find("lm_head.weight"));
    checkSameTensors(*ck, *twin);
    for (const TensorInfo& t : ck->tensors()) CHECK(mapped(*ck, t));
    checkSameSpectra(*ck, *twin);

    SECTION("a shard missing a tensor its index lists is refused") {
        TempDir dir;
        for (const auto& e : fs::directory_iterator(fixture("f32_sharded"))) fs::copy(e.path(), dir.path());
        std::string index = "{\"weight_map\": {\"model.embed_tokens.weight\": \"pytorch_model-00002-of-00002.bin\"}}";
        pk::writeFile(dir.file("pytorch_model.bin.index.json"), std::vector<uint8_t>(index.begin(), index.end()));
        CHECK_THROWS_WITH(openCheckpoint(dir.path().string()),
                          Catch::Contains("not in shard 'pytorch_model-00002-of-00002.bin'"));
    }
}

TEST_CASE("a training .pt finds the state dict nested under 'model'", "[pickle]") {
    const auto ck = openCheckpoint(fixture("nested/ckpt.pt"));
    const auto twin = openCheckpoint(fixture("nested_safetensors"));
    CHECK(ck->format() == "pytorch");
    CHECK(hasNote(*ck, "nested dict ['model']"));
    CHECK(hasNote(*ck, "config inferred from tensor shapes"));
    checkSameTensors(*ck, *twin);  // the optimizer's exp_avg is not read
}

TEST_CASE("safetensors win over pytorch_model.bin in the same folder", "[pickle]") {
    TempDir dir;
    fs::copy(fixture("bf16_tied/pytorch_model.bin"), dir.path());
    fs::copy(fixture("bf16_tied/config.json"), dir.path());
    const auto pickled = openCheckpoint(dir.path().string());
    REQUIRE(pickled->files().size() == 1);
    CHECK(fs::path(pickled->files()[0]->path()).filename() == "pytorch_model.bin");

    fs::copy(fixture("bf16_tied_safetensors/model.safetensors"), dir.path());
    const auto ck = openCheckpoint(dir.path().string());
    REQUIRE(ck->files().size() == 1);
    CHECK(fs::path(ck->files()[0]->path()).filename() == "model.safetensors");
    checkSameTensors(*ck, *pickled);
}

TEST_CASE("PyTorch files are told from llama2.c .bin files and files of other names by their bytes", "[pickle]") {
    const std::string llama2c = ctscope::test::sourcePath("resources/examples/stories260K/stories260K.bin");
    CHECK(openCheckpoint(llama2c)->format() == "llama2c");
    TempDir dir;
    fs::copy(fixture("f16_views/pytorch_model.bin"), dir.file("weights.data"));
    fs::copy(fixture("broken/legacy.pt"), dir.file("old.ckpt"));
    fs::copy(llama2c, dir.file("stories.model"));
    CHECK(openCheckpoint(dir.file("weights.data"))->format() == "pytorch");
    CHECK_THROWS_WITH(openCheckpoint(dir.file("old.ckpt")), Catch::Contains("legacy (pre-1.6)"));
    CHECK(openCheckpoint(dir.file("stories.model"))->format() == "llama2c");
}

TEST_CASE("legacy, compressed and code-carrying torch files are refused with a reason", "[pickle]") {
    SECTION("legacy pre-1.6 format, as .pt and as .bin") {
        const std::string want = "torch.save(torch.load(f), f2)";
        CHECK_THROWS_WITH(openCheckpoint(fixture("broken/legacy.pt")), Catch::Contains("legacy (pre-1.6)") &&
                                                                           Catch::Contains(want));
        TempDir dir;
        fs::copy(fixture("broken/legacy.pt"), dir.file("pytorch_model.bin"));
        CHECK_THROWS_WITH(openCheckpoint(dir.file("pytorch_model.bin")), Catch::Contains(want));
        CHECK_THROWS_WITH(openCheckpoint(dir.path().string()), Catch::Contains(want));
    }
    SECTION("a deflated archive") {
        CHECK_THROWS_WITH(openCheckpoint(fixture("broken/compressed.pt")),
                          Catch::Contains("is compressed (deflate)"));
    }
    SECTION("a global outside the allow-list (builtins.print) is refused, not called") {
        CHECK_THROWS_WITH(openCheckpoint(fixture("broken/forbidden_global.pt")),
                          Catch::Contains("global 'builtins.print' is not allowed in a checkpoint"));
    }
}

TEST_CASE("every truncation of a torch.save archive fails cleanly", "[pickle]") {
    const std::vector<uint8_t> whole = pk::readFile(fixture("bf16_tied/pytorch_model.bin"));
    TempDir dir;
    const std::string path = dir.file("cut.pt");
    int tried = 0;
    int refused = 0;
    // Coarsely through the tensor data, byte by byte through the central directory.
    for (size_t n = 0; n < whole.size(); n += n + 400 < whole.size() ? 97 : 1) {
        ++tried;
        pk::writeFile(path, std::vector<uint8_t>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
        try {
            openCheckpoint(path);
        } catch (const FormatError& e) {
            ++refused;
            CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
    }
    CHECK(tried > 400);
    CHECK(refused == tried);
    pk::writeFile(path, whole);
    CHECK(openCheckpoint(path)->tensors().size() == 20);
}
