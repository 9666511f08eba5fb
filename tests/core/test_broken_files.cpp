// A corpus of broken checkpoints, each made by the fixture writer. Every one
// must raise FormatError naming the file and saying what is wrong; none may
// crash or allocate absurd amounts.
#include "fixture_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>

using namespace ctscope;
namespace fx = ctscope::test::fixture;
using ctscope::test::TempDir;

namespace {

const fx::LlamaSpec kSpec{8, 12, 1, 2, 1, 10, 4, true};

std::vector<fx::StEntry> entries() {
    std::vector<fx::StEntry> out;
    for (const auto& t : fx::llamaTensorsHf(kSpec)) out.push_back(fx::stEntry(t, fx::Dt::F32));
    return out;  // 0 embed, 1 attn norm, 2 q, 3 k, 4 v, 5 o, 6 ffn norm, 7 gate, 8 up, 9 down, 10 norm
}

std::string writeSt(const TempDir& dir, const std::vector<uint8_t>& bytes, const char* name = "m.safetensors") {
    fx::writeFile(dir.file(name), bytes);
    return dir.file(name);
}

/// A HF folder: model.safetensors from `es` and a config.json.
std::string hfFolder(const TempDir& dir, const std::vector<fx::StEntry>& es, const std::string& config) {
    fx::writeFile(dir.file("model.safetensors"), fx::stFile(es));
    fx::writeText(dir.file("config.json"), config);
    return dir.path().string();
}

std::string writeGguf(const TempDir& dir, const std::vector<uint8_t>& bytes) {
    fx::writeFile(dir.file("m.gguf"), bytes);
    return dir.file("m.gguf");
}

std::vector<uint8_t> goodGguf() { return fx::llamaGguf(kSpec, fx::Dt::F32).bytes(); }

/// A GGUF with one extra tensor made by `add`, after the metadata of kSpec.
std::string ggufWith(const TempDir& dir, const std::function<void(fx::GgufWriter&)>& add) {
    fx::GgufWriter g = fx::llamaGguf(kSpec, fx::Dt::F32);
    add(g);
    return writeGguf(dir, g.bytes());
}

std::string writeBin(const TempDir& dir, const std::vector<uint8_t>& bytes) {
    fx::writeFile(dir.file("m.bin"), bytes);
    return dir.file("m.bin");
}

std::vector<uint8_t> cut(std::vector<uint8_t> b, size_t size) {
    b.resize(size);
    return b;
}

std::vector<uint8_t> u64(uint64_t v) {
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
    return out;
}

void openOnly(const std::string& path) { openCheckpoint(path); }

void readAll(const std::string& path) {
    const auto ck = openCheckpoint(path);
    for (const TensorInfo& t : ck->tensors()) ck->readFloat(t);
}

void readAllMatrices(const std::string& path) {
    const auto ck = openCheckpoint(path);
    for (const WeightMatrix& m : buildInventory(*ck).matrices) readMatrix(*ck, m);
}

struct Broken {
    const char* label;
    std::vector<std::string> keywords;
    /// Writes the file(s); returns the path to open.
    std::function<std::string(const TempDir&)> make;
    std::function<void(const std::string&)> act = openOnly;
    /// The file the message must name, relative to the folder; empty: the opened path.
    std::string namedFile = {};
};

std::vector<Broken> corpus() {
    const std::string index = "model.safetensors.index.json";
    std::vector<Broken> c = {
        {"safetensors: truncated header",
         {"header length", "runs past the end"},
         [](const TempDir& d) {
             const auto b = fx::stFile(entries());
             return writeSt(d, cut(b, 8 + 40));
         }},
        {"safetensors: truncated data",
         {"model.norm.weight", "out of range", "truncated"},
         [](const TempDir& d) {
             const auto b = fx::stFile(entries());
             return writeSt(d, cut(b, b.size() - 10));
         }},
        {"safetensors: header length larger than the file",
         {"header length", "runs past the end"},
         [](const TempDir& d) {
             const auto es = entries();
             return writeSt(d, fx::stFile(es, fx::stHeader(es), fx::stFile(es).size() + 1000));
         }},
        {"safetensors: header length 2^62",
         {"header length", "100 MB"},
         [](const TempDir& d) {
             const auto es = entries();
             return writeSt(d, fx::stFile(es, fx::stHeader(es), uint64_t{1} << 62));
         }},
        {"safetensors: empty file", {"too short"}, [](const TempDir& d) { return writeSt(d, {}); }},
        {"safetensors: header is bad JSON",
         {"not valid JSON"},
         [](const TempDir& d) {
             const auto es = entries();
             std::string h = fx::stHeader(es);
             h.back() = ',';  // an object that never closes
             return writeSt(d, fx::stFile(es, h));
         }},
        {"safetensors: header is not an object",
         {"not a JSON object"},
         [](const TempDir& d) { return writeSt(d, fx::stFile({}, "[1, 2, 3]")); }},
        {"safetensors: data_offsets out of range",
         {"model.layers.0.self_attn.q_proj.weight", "data_offsets", "out of range"},
         [](const TempDir& d) {
             auto es = entries();
             es[2].offsets = std::make_pair(uint64_t{1} << 20, (uint64_t{1} << 20) + es[2].bytes.size());
             return writeSt(d, fx::stFile(es));
         }},
        {"safetensors: overlapping tensors",
         {"overlap", "model.layers.0.self_attn.k_proj.weight"},
         [](const TempDir& d) {
             auto es = entries();
             const uint64_t qBegin = es[0].bytes.size() + es[1].bytes.size();
             es[3].offsets = std::make_pair(qBegin + 4, qBegin + 4 + es[3].bytes.size());
             return writeSt(d, fx::stFile(es));
         }},
        {"safetensors: size does not match shape x dtype",
         {"model.layers.0.self_attn.q_proj.weight", "needs 224 bytes"},
         [](const TempDir& d) {
             auto es = entries();
             es[2].shape = {8, 7};
             return writeSt(d, fx::stFile(es));
         }},
        {"safetensors: a weight in an unsupported dtype (I64)",
         {"model.layers.0.self_attn.q_proj.weight", "unsupported dtype 'I64'"},
         [](const TempDir& d) {
             auto es = entries();
             es[2].dtype = "I64";
             return writeSt(d, fx::stFile(es));
         }},
        {"safetensors: negative dimension",
         {"model.layers.0.self_attn.v_proj.weight", "negative"},
         [](const TempDir& d) {
             auto es = entries();
             es[4].shape = {-4, 8};
             return writeSt(d, fx::stFile(es));
         }},
        {"safetensors: numel overflows",
         {"model.embed_tokens.weight", "overflows"},
         [](const TempDir& d) {
             auto es = entries();
             es[0].shape = {int64_t{1} << 40, int64_t{1} << 40, 16};
             return writeSt(d, fx::stFile(es));
         }},
        {"sharded: index names a missing shard",
         {"model-00002-of-00002.safetensors", "does not exist"},
         [index](const TempDir& d) {
             fx::writeFile(d.file("model-00001-of-00002.safetensors"), fx::stFile(entries()));
             fx::writeText(d.file("config.json"), fx::llamaConfigJson(kSpec));
             fx::writeText(d.file(index),
                           R"({"weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                 "model.layers.0.mlp.up_proj.weight": "model-00002-of-00002.safetensors"}})");
             return d.path().string();
         },
         openOnly,
         index},
        {"sharded: index names a tensor not in its shard",
         {"model.layers.0.extra.weight", "not in shard"},
         [index](const TempDir& d) {
             fx::writeFile(d.file("model-00001-of-00001.safetensors"), fx::stFile(entries()));
             fx::writeText(d.file("config.json"), fx::llamaConfigJson(kSpec));
             fx::writeText(d.file(index),
                           R"({"weight_map": {"model.embed_tokens.weight": "model-00001-of-00001.safetensors",
                 "model.layers.0.extra.weight": "model-00001-of-00001.safetensors"}})");
             return d.path().string();
         },
         openOnly,
         index},
        {"sharded: shard name leaves the folder",
         {"plain file name"},
         [index](const TempDir& d) {
             fx::writeText(d.file(index),
                           R"({"weight_map": {"model.embed_tokens.weight": "../elsewhere.safetensors"}})");
             return d.path().string();
         },
         openOnly,
         index},
        {"config.json: bad JSON",
         {"not valid JSON"},
         [](const TempDir& d) { return hfFolder(d, entries(), "{\"model_type\": \"llama\", "); },
         openOnly,
         "config.json"},
        {"config.json: no hidden_size",
         {"hidden_size"},
         [](const TempDir& d) {
             return hfFolder(d, entries(), R"({"model_type": "llama", "num_hidden_layers": 1, "num_attention_heads": 2,
                 "intermediate_size": 12, "vocab_size": 10})");
         },
         openOnly,
         "config.json"},
        {"tensors that follow no known naming scheme (BERT), listed",
         {"no tensor follows a naming scheme", "'bert.embeddings.word_embeddings.weight'",
          "'bert.encoder.layer.0.attention.self.query.weight'"},
         [](const TempDir& d) {
             auto es = entries();
             es[0].name = "bert.embeddings.word_embeddings.weight";
             es[1].name = "bert.encoder.layer.0.attention.self.query.weight";
             es.resize(2);
             return hfFolder(d, es, R"({"model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1})");
         },
         openOnly},
        {"config vs shapes: embedding rows differ from vocab_size",
         {"model.embed_tokens.weight", "[vocab, d_model]"},
         [](const TempDir& d) {
             fx::LlamaSpec s = kSpec;
             s.vocab = 12;
             return hfFolder(d, entries(), fx::llamaConfigJson(s));
         },
         openOnly,
         "model.safetensors"},
        {"config vs shapes: block beyond num_hidden_layers",
         {"model.layers.3.mlp.up_proj.weight", "block 3"},
         [](const TempDir& d) {
             auto es = entries();
             es[8].name = "model.layers.3.mlp.up_proj.weight";
             return hfFolder(d, es, fx::llamaConfigJson(kSpec));
         },
         openOnly,
         "model.safetensors"},
        {"config vs shapes: d_model side mismatch",
         {"model.layers.0.mlp.gate_proj.weight", "d_model 8"},
         [](const TempDir& d) {
             auto es = entries();
             es[7].shape = {16, 6};  // 96 floats, as many as [12, 8]
             return hfFolder(d, es, fx::llamaConfigJson(kSpec));
         },
         openOnly,
         "model.safetensors"},
        {"GGUF: bad magic",
         {"magic"},
         [](const TempDir& d) {
             auto b = goodGguf();
             b[3] = 'X';
             return writeGguf(d, b);
         }},
        {"GGUF: version 1",
         {"version 1"},
         [](const TempDir& d) {
             auto g = fx::llamaGguf(kSpec, fx::Dt::F32);
             g.version = 1;
             return writeGguf(d, g.bytes());
         }},
        {"GGUF: truncated metadata",
         {"truncated"},
         [](const TempDir& d) { return writeGguf(d, cut(goodGguf(), 400)); }},
        {"GGUF: absurd string length",
         {"string length", "general.name"},
         [](const TempDir& d) {
             fx::GgufWriter g;
             auto payload = u64(uint64_t{1} << 60);
             payload.insert(payload.end(), {'a', 'b', 'c'});
             g.kvRaw("general.name", 8, payload);
             return writeGguf(d, g.bytes());
         }},
        {"GGUF: absurd array length",
         {"array length", "tokenizer.ggml.tokens"},
         [](const TempDir& d) {
             fx::GgufWriter g;
             std::vector<uint8_t> payload = {8, 0, 0, 0};
             const auto n = u64(uint64_t{1} << 61);
             payload.insert(payload.end(), n.begin(), n.end());
             g.kvRaw("tokenizer.ggml.tokens", 9, payload);
             return writeGguf(d, g.bytes());
         }},
        {"GGUF: alignment 0",
         {"general.alignment"},
         [](const TempDir& d) {
             auto g = fx::llamaGguf(kSpec, fx::Dt::F32);
             g.alignment = 0;
             return writeGguf(d, g.bytes());
         }},
        {"GGUF: tensor offset beyond the file",
         {"extra.weight", "beyond the end"},
         [](const TempDir& d) {
             return ggufWith(d, [](fx::GgufWriter& g) {
                 g.tensor("extra.weight", {8}, 0, fx::encode(fx::Dt::F32, std::vector<float>(8)), uint64_t{1} << 30);
             });
         }},
        {"GGUF: Q4_K rows not whole super-blocks",
         {"extra.weight", "Q4_K rows of 128", "blocks of 256"},
         [](const TempDir& d) {
             return ggufWith(d,
                             [](fx::GgufWriter& g) { g.tensor("extra.weight", {128, 2}, 12, std::vector<uint8_t>(144)); });
         }},
        {"GGUF: absurd dimension count",
         {"extra.weight", "1000 dimensions"},
         [](const TempDir& d) {
             return ggufWith(d, [](fx::GgufWriter& g) {
                 g.tensor("extra.weight", {8}, 0, std::vector<uint8_t>(32), std::nullopt, 1000u);
             });
         }},
        {"GGUF: Q8_0 rows not whole blocks",
         {"extra.weight", "whole blocks"},
         [](const TempDir& d) {
             return ggufWith(d, [](fx::GgufWriter& g) {
                 g.tensor("extra.weight", {16, 2}, 8, std::vector<uint8_t>(34));
             });
         }},
        {"llama2.c: truncated",
         {"truncated"},
         [](const TempDir& d) {
             const auto b = fx::llama2cModel(kSpec);
             return writeBin(d, cut(b, b.size() - 100));
         }},
        {"llama2.c: shorter than its header",
         {"28-byte"},
         [](const TempDir& d) { return writeBin(d, cut(fx::llama2cModel(kSpec), 10)); }},
        {"llama2.c: negative dim",
         {"dim is -64"},
         [](const TempDir& d) {
             return writeBin(d, fx::llama2cFile({-64, 172, 5, 8, 4, 512, 512}, {}));
         }},
        {"llama2.c: zero layers",
         {"n_layers is 0"},
         [](const TempDir& d) {
             return writeBin(d, fx::llama2cFile({64, 172, 0, 8, 4, 512, 512}, {}));
         }},
        {"NaN weight: readFloat names tensor and element",
         {"model.layers.0.self_attn.o_proj.weight", "element 5", "NaN"},
         [](const TempDir& d) {
             auto t = fx::llamaTensorsHf(kSpec);
             t[5].values[5] = std::numeric_limits<float>::quiet_NaN();
             std::vector<fx::StEntry> es;
             for (const auto& x : t) es.push_back(fx::stEntry(x, fx::Dt::F32));
             return writeSt(d, fx::stFile(es));
         },
         readAll},
        {"Inf weight: readMatrix names tensor and element",
         {"model.layers.0.mlp.down_proj.weight", "element 13", "Inf"},
         [](const TempDir& d) {
             auto t = fx::llamaTensorsHf(kSpec);
             t[9].values[13] = std::numeric_limits<float>::infinity();
             std::vector<fx::StEntry> es;
             for (const auto& x : t) es.push_back(fx::stEntry(x, fx::Dt::F16));
             return hfFolder(d, es, fx::llamaConfigJson(kSpec));
         },
         readAllMatrices,
         "model.safetensors"},
        {"nonexistent path",
         {"no such file or folder"},
         [](const TempDir& d) { return d.file("missing/model.safetensors"); }},
        {"empty folder", {"no model.safetensors"}, [](const TempDir& d) { return d.path().string(); }},
    };
    return c;
}

}  // namespace

TEST_CASE("broken checkpoints raise FormatError naming the file and the fault", "[broken]") {
    const std::vector<Broken> cases = corpus();
    REQUIRE(cases.size() >= 22);
    for (const Broken& b : cases) {
        SECTION(b.label) {
            TempDir dir;
            const std::string path = b.make(dir);
            const std::string named = b.namedFile.empty() ? path : dir.file(b.namedFile);
            try {
                b.act(path);
                FAIL("no error raised");
            } catch (const FormatError& e) {
                INFO(e.what());
                CHECK(e.file() == named);
                CHECK_THAT(e.what(), Catch::StartsWith(named));
                for (const std::string& k : b.keywords) CHECK_THAT(e.what(), Catch::Contains(k));
            }
        }
    }
}

TEST_CASE("buildInventory rejects a matrix without a d_model side", "[broken]") {
    Checkpoint ck;
    ck.m_path = "in-memory";
    ck.m_format = "demo";
    ck.m_config.dModel = 8;
    auto buf = std::make_shared<std::vector<uint8_t>>(8 * 6 * 4, 0);
    ck.m_buffers.push_back(buf);
    TensorInfo t;
    t.name = "model.layers.0.self_attn.q_proj.weight";
    t.shape = {8, 6};
    t.data = buf->data();
    t.nbytes = buf->size();
    ck.m_tensors.push_back(t);
    try {
        buildInventory(ck);
        FAIL("no error raised");
    } catch (const FormatError& e) {
        CHECK(e.file() == "in-memory");
        CHECK_THAT(e.what(), Catch::Contains("model.layers.0.self_attn.q_proj.weight") && Catch::Contains("[8, 6]") &&
                                 Catch::Contains("d_model 8"));
    }
}

TEST_CASE("randomly corrupted files load or raise FormatError, never anything else", "[broken]") {
    const fx::LlamaSpec spec{32, 64, 2, 4, 2, 40, 16, false};
    std::vector<fx::StEntry> es;
    for (const auto& t : fx::llamaTensorsHf(spec)) es.push_back(fx::stEntry(t, fx::Dt::F16));
    const std::pair<const char*, std::vector<uint8_t>> forms[] = {{"m.safetensors", fx::stFile(es)},
                                                                  {"m.gguf", fx::llamaGguf(spec, fx::Dt::Q8_0).bytes()},
                                                                  {"m.bin", fx::llama2cModel(spec)}};
    std::mt19937 gen(123);
    TempDir dir;
    int errors = 0, loaded = 0;
    for (const auto& [name, good] : forms) {
        const std::string path = dir.file(name);
        for (int trial = 0; trial < 300; ++trial) {
            std::vector<uint8_t> b = good;
            if (trial % 3 == 0) {
                b.resize(gen() % b.size());
            } else {
                // Mostly the header region, where a flip changes how the rest is read.
                const size_t span = trial % 3 == 1 ? std::min<size_t>(b.size(), 2048) : b.size();
                for (uint32_t i = 0, n = 1 + gen() % 4; i < n; ++i) b[gen() % span] = static_cast<uint8_t>(gen());
            }
            fx::writeFile(path, b);
            try {
                const auto ck = openCheckpoint(path);
                for (const WeightMatrix& m : buildInventory(*ck).matrices) readMatrix(*ck, m);
                ++loaded;
            } catch (const FormatError& e) {
                ++errors;
                REQUIRE_THAT(e.what(), Catch::StartsWith(path));
            }
        }
    }
    CHECK(errors > 100);
    CHECK(loaded > 10);
}
