// The training engine's forward on Llama, Mistral, Qwen2 and Qwen3 checkpoints
// (head_dim from the config, GQA, biases, per-head q/k norm, llama3 and
// linear rope_scaling) against logits from an independent PyTorch float64
// reference (tests/data/archs/reference_forward.py, run once; fixtures
// committed beside it), and its refusals of what it does not implement.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/format/hf_writer.h"
#include "core/format/weight_inventory.h"
#include "core/train/llama_model.h"
#include "core/train/save_weights.h"
#include "core/train/suffix_model.h"
#include "core/train/sweep_plan.h"
#include "core/util/error.h"
#include "train_test_util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

const char* kFixtures[] = {"llama_head_dim", "qwen2_bias", "qwen3_qk_norm",
                           "llama3_rope",    "llama_linear_rope", "mistral_window"};

std::string fixtureDir(const std::string& name) { return test::sourcePath("tests/data/archs/" + name); }

nlohmann::json referenceJson() {
    std::ifstream in(test::sourcePath("tests/data/archs/reference.json"));
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

torch::Tensor idsOf(const std::string& name) {
    std::vector<int64_t> ids = referenceJson().at(name).at("ids").get<std::vector<int64_t>>();
    return torch::tensor(ids, torch::kInt64).unsqueeze(0);
}

/// The reference logits [T, vocab] (float32 little-endian).
torch::Tensor referenceLogits(const std::string& name, int64_t T) {
    std::ifstream in(fixtureDir(name) + "/logits.f32", std::ios::binary | std::ios::ate);
    REQUIRE(in);
    const auto bytes = static_cast<size_t>(in.tellg());
    std::vector<float> v(bytes / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
    return torch::tensor(v).view({T, -1});
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

torch::Tensor logitsOf(const LlamaModel& m, const torch::Tensor& ids) {
    torch::NoGradGuard noGrad;
    return m.forward(ids).squeeze(0);
}

/// A copy of a fixture folder whose config.json `edit` changes.
std::string editedCopy(const test::TempDir& dir, const std::string& name,
                       const std::function<void(nlohmann::json&)>& edit) {
    const fs::path out = dir.path() / name;
    fs::create_directories(out);
    fs::copy_file(fixtureDir(name) + "/model.safetensors", out / "model.safetensors");
    std::ifstream in(fixtureDir(name) + "/config.json");
    nlohmann::json j = nlohmann::json::parse(in);
    edit(j);
    std::ofstream(out / "config.json") << j.dump(2);
    return out.string();
}

std::string refusal(const Checkpoint& ck) {
    try {
        loadLlamaWeights(ck);
    } catch (const FormatError& e) {
        return e.what();
    }
    return "no error";
}

/// A folder with tensors of the given names and shapes (values 0.01) and the
/// given config.json.
std::string folderWith(const test::TempDir& dir, const std::vector<std::pair<std::string, std::vector<int64_t>>>& ts,
                       const nlohmann::json& config) {
    std::vector<NamedTensor> out;
    for (const auto& [name, shape] : ts) {
        int64_t n = 1;
        for (int64_t s : shape) n *= s;
        out.push_back({name, shape, std::vector<float>(static_cast<size_t>(n), 0.01f)});
    }
    ModelConfig c;
    c.dModel = 8;
    writeHfLlamaFolder(dir.file("m"), c, out);
    std::ofstream(dir.file("m") + "/config.json") << config.dump(2);
    return dir.file("m");
}

/// One Llama-like block whose attention and MLP are given, around d_model 8.
std::vector<std::pair<std::string, std::vector<int64_t>>> blockWith(
    const std::vector<std::pair<std::string, std::vector<int64_t>>>& inner) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> ts = {
        {"model.embed_tokens.weight", {16, 8}}, {"model.layers.0.input_layernorm.weight", {8}},
        {"model.layers.0.post_attention_layernorm.weight", {8}}, {"model.norm.weight", {8}},
        {"lm_head.weight", {16, 8}}};
    ts.insert(ts.end(), inner.begin(), inner.end());
    return ts;
}

nlohmann::json smallConfig(const std::string& type) {
    return {{"model_type", type}, {"hidden_size", 8}, {"num_hidden_layers", 1}, {"num_attention_heads", 2},
            {"num_key_value_heads", 2}, {"intermediate_size", 16}, {"vocab_size", 16}};
}

} // namespace

TEST_CASE("training engine: Phi-3's fused weights and Mixtral's experts are refused by model_type and by tensor",
          "[arch-forward]") {
    const auto phi3 = blockWith({{"model.layers.0.self_attn.qkv_proj.weight", {24, 8}},
                                 {"model.layers.0.self_attn.o_proj.weight", {8, 8}},
                                 {"model.layers.0.mlp.gate_up_proj.weight", {32, 8}},
                                 {"model.layers.0.mlp.down_proj.weight", {8, 16}}});
    std::vector<std::pair<std::string, std::vector<int64_t>>> moe;
    for (const char* n : {"q", "k", "v", "o"}) moe.push_back({std::string("model.layers.0.self_attn.") + n + "_proj.weight", {8, 8}});
    moe.push_back({"model.layers.0.block_sparse_moe.gate.weight", {2, 8}});
    for (int e = 0; e < 2; ++e)
        for (const char* w : {"w1", "w2", "w3"})
            moe.push_back({"model.layers.0.block_sparse_moe.experts." + std::to_string(e) + "." + w + ".weight",
                           w[1] == '2' ? std::vector<int64_t>{8, 16} : std::vector<int64_t>{16, 8}});
    const auto mixtral = blockWith(moe);
    struct Case {
        const char* type;
        const std::vector<std::pair<std::string, std::vector<int64_t>>>* tensors;
        const char* message;
    };
    for (const Case& k : {Case{"phi3", &phi3, "phi3: the fused qkv_proj and gate_up_proj weights"},
                          Case{"llama", &phi3, "fused q/k/v weights (tensor 'model.layers.0.self_attn.qkv_proj.weight')"},
                          Case{"mixtral", &mixtral, "mixtral: mixture-of-experts routing is not implemented"},
                          Case{"llama", &mixtral, "mixture-of-experts routing (tensor 'model.layers.0."}}) {
        INFO(k.type << ": " << k.message);
        test::TempDir dir;
        const auto ck = openCheckpoint(folderWith(dir, *k.tensors, smallConfig(k.type)));
        CHECK_THAT(refusal(*ck), Catch::Contains(k.message) && Catch::EndsWith("analyze works"));
        CHECK(buildInventory(*ck).matrices.size() == (k.tensors == &phi3 ? 1 + 7 + 1 : 1 + 4 + 6 + 1));
    }
}

TEST_CASE("forward: Llama (head_dim, GQA), Qwen2 (biases), Qwen3 (q/k norm), llama3 and linear rope_scaling, "
          "Mistral match an independent reference",
          "[arch-forward]") {
    for (const char* name : kFixtures) {
        INFO(name);
        const auto ck = openCheckpoint(fixtureDir(name));
        const LlamaModel model(loadLlamaWeights(*ck));
        const auto ids = idsOf(name);
        const auto got = logitsOf(model, ids);
        const auto want = referenceLogits(name, ids.size(1));
        REQUIRE(got.sizes() == want.sizes());
        const double diff = maxDiff(got, want);
        INFO("max |logit - reference| " << diff << " over " << got.numel() << " logits, max |logit| "
                                        << want.abs().max().item<double>());
        CHECK(diff <= 1e-4);
    }
}

TEST_CASE("forward: the config's features are what makes it match", "[arch-forward]") {
    SECTION("llama3 rope_scaling ignored: logits move by more than 1e-2") {
        auto ck = openCheckpoint(fixtureDir("llama3_rope"));
        REQUIRE(ck->config().ropeScaling.type == "llama3");
        ck->m_config.ropeScaling = RopeScaling{};
        const auto ids = idsOf("llama3_rope");
        const double diff = maxDiff(logitsOf(LlamaModel(loadLlamaWeights(*ck)), ids),
                                    referenceLogits("llama3_rope", ids.size(1)));
        INFO("without scaling: max |logit - reference| " << diff);
        CHECK(diff > 1e-2);
    }
    SECTION("linear rope_scaling ignored") {
        auto ck = openCheckpoint(fixtureDir("llama_linear_rope"));
        REQUIRE(ck->config().ropeScaling.factor == 4.0);
        ck->m_config.ropeScaling = RopeScaling{};
        const auto ids = idsOf("llama_linear_rope");
        CHECK(maxDiff(logitsOf(LlamaModel(loadLlamaWeights(*ck)), ids), referenceLogits("llama_linear_rope", ids.size(1))) >
              1e-2);
    }
    SECTION("Qwen3 without its q/k norms") {
        const auto ck = openCheckpoint(fixtureDir("qwen3_qk_norm"));
        LlamaWeights w = loadLlamaWeights(*ck);
        REQUIRE(w.blocks[0].qNorm.sizes() == std::vector<int64_t>{16});
        for (auto& b : w.blocks) b.qNorm = b.kNorm = torch::Tensor();
        const auto ids = idsOf("qwen3_qk_norm");
        CHECK(maxDiff(logitsOf(LlamaModel(std::move(w)), ids), referenceLogits("qwen3_qk_norm", ids.size(1))) > 1e-2);
    }
}

TEST_CASE("forward: llama3 inverse frequencies follow transformers' rule", "[arch-forward]") {
    ModelConfig c;
    c.ropeTheta = 500000.0;
    c.ropeScaling = {"llama3", 8.0, 1.0, 4.0, 16, ""};
    const auto inv = ropeInverseFrequencies(c, 16);
    const double base0 = 1.0;                          // wavelength 2π: between 16/4 and 16/1, interpolated
    const double smooth = (16.0 / (2 * 3.14159265358979323846) - 1.0) / 3.0;
    CHECK(inv[0].item<double>() == Approx((1 - smooth) * base0 / 8 + smooth * base0).epsilon(1e-12));
    const double base1 = std::pow(500000.0, -2.0 / 16);  // wavelength ≈ 33 > 16: divided by 8
    CHECK(inv[1].item<double>() == Approx(base1 / 8).epsilon(1e-12));
    c.ropeScaling = {};
    CHECK(ropeInverseFrequencies(c, 16)[1].item<double>() == Approx(base1).epsilon(1e-12));
}

TEST_CASE("training engine: unsupported rope_scaling and architectures are refused by name; analyze still works",
          "[arch-forward]") {
    test::TempDir dir;
    SECTION("yarn and dynamic rope_scaling") {
        for (const char* type : {"yarn", "dynamic", "longrope"}) {
            INFO(type);
            test::TempDir d;
            const auto ck = openCheckpoint(editedCopy(d, "llama3_rope", [&](nlohmann::json& j) {
                j["rope_scaling"] = {{"rope_type", type}, {"factor", 4.0}, {"original_max_position_embeddings", 16}};
                if (std::string(type) == "longrope") j["rope_scaling"]["short_factor"] = std::vector<double>(8, 1.0);
            }));
            CHECK_THAT(refusal(*ck), Catch::Contains(std::string("llama: rope_scaling type '") + type +
                                                     "' is not implemented by the training engine") &&
                                         Catch::Contains("analyze works"));
            CHECK(buildInventory(*ck).matrices.size() == 1 + 2 * 7);
        }
    }
    SECTION("llama3 rope_scaling lacking a field") {
        const auto ck = openCheckpoint(editedCopy(dir, "llama3_rope", [](nlohmann::json& j) {
            j["rope_scaling"].erase("low_freq_factor");
        }));
        CHECK_THAT(refusal(*ck), Catch::Contains("lacks a numeric 'low_freq_factor'"));
    }
    SECTION("Gemma 2") {
        const auto ck = openCheckpoint(editedCopy(dir, "qwen3_qk_norm", [](nlohmann::json& j) {
            j["model_type"] = "gemma2";
            j["architectures"] = {"Gemma2ForCausalLM"};
            j["final_logit_softcapping"] = 30.0;
        }));
        CHECK_THAT(refusal(*ck), Catch::StartsWith(ck->path()) &&
                                     Catch::Contains("gemma2: logit soft-capping and GeGLU") &&
                                     Catch::Contains("are not implemented by the training engine; analyze works"));
        CHECK(buildInventory(*ck).matrices.size() == 1 + 2 * 7);
    }
    SECTION("an unknown model_type") {
        const auto ck = openCheckpoint(editedCopy(dir, "llama_head_dim", [](nlohmann::json& j) { j["model_type"] = "granite"; }));
        CHECK_THAT(refusal(*ck), Catch::Contains("model_type 'granite' is not one the training engine implements"));
    }
    SECTION("q/k norm tensors under model_type llama") {
        const auto ck = openCheckpoint(editedCopy(dir, "qwen3_qk_norm", [](nlohmann::json& j) { j["model_type"] = "llama"; }));
        CHECK_THAT(refusal(*ck), Catch::Contains("q/k norm tensors, which model_type llama does not use"));
    }
    SECTION("partial rotary embeddings") {
        const auto ck = openCheckpoint(
            editedCopy(dir, "llama_head_dim", [](nlohmann::json& j) { j["partial_rotary_factor"] = 0.5; }));
        CHECK_THAT(refusal(*ck), Catch::Contains("partial rotary embeddings"));
    }
}

TEST_CASE("training engine: Mistral's sliding window caps the context and refuses longer sequences",
          "[arch-forward]") {
    const auto ck = openCheckpoint(fixtureDir("mistral_window"));
    REQUIRE(ck->config().slidingWindow == 32);
    const LlamaModel model(loadLlamaWeights(*ck));
    CHECK(model.config().maxSeq == 32);  // eval's context
    torch::NoGradGuard noGrad;
    const auto ids = torch::zeros({1, 33}, torch::kInt64);
    CHECK_THROWS_WITH(model.forward(ids), Catch::Contains("longer than the sliding window of 32"));
    CHECK_NOTHROW(model.forward(ids.narrow(1, 0, 32)));
}

TEST_CASE("fine-tuning Qwen3 and a head_dim Llama: every arm starts at the base model, q/k norms train, "
          "save reads back with the same logits",
          "[arch-forward]") {
    for (const char* name : {"qwen3_qk_norm", "llama_head_dim", "qwen2_bias", "mistral_window"}) {
        INFO(name);
        const auto ck = openCheckpoint(fixtureDir(name));
        const LlamaModel base(loadLlamaWeights(*ck));
        const auto ids = idsOf(name);
        const auto want = logitsOf(base, ids);
        torch::Tensor hidden;
        {
            torch::NoGradGuard noGrad;
            hidden = base.runBlocks(base.embed(ids), 0, 1);
        }
        BasisTensors basis;
        for (int m = 0; m < kBlockMatrices; ++m)
            basis.rows[static_cast<size_t>(m)] = randomOrthonormalRows(base.dModel(), 8, 7 + m);
        RunSpec amp{Arm::Amp};
        amp.k = 8;
        RunSpec lora{Arm::Lora};
        lora.k = 2;
        for (const RunSpec& spec : {RunSpec{Arm::Full}, amp, lora}) {
            INFO(armName(spec.arm));
            SuffixModel suffix(base, 1, spec, &basis);
            torch::NoGradGuard noGrad;
            CHECK(maxDiff(suffix.forward(hidden).squeeze(0), want) < 1e-4);
        }

        // One SGD step of the full arm moves the q/k norms too; the saved
        // folder reads back as the trained model.
        SuffixModel full(base, 1, RunSpec{Arm::Full});
        torch::optim::SGD opt(full.parameters(), torch::optim::SGDOptions(0.1));
        const auto targets = torch::roll(ids, -1, 1);
        maskedCrossEntropy(full.forward(hidden), targets, torch::ones_like(ids, torch::kBool)).backward();
        opt.step();
        if (std::string(name) == "qwen3_qk_norm")
            CHECK(maxDiff(full.qNorm(1), base.weights().blocks[1].qNorm) > 1e-6);
        test::TempDir dir;
        saveFinetunedModel(base, full, dir.file("tuned"));
        const auto saved = openCheckpoint(dir.file("tuned"));
        CHECK(saved->config().modelType == ck->config().modelType);
        CHECK(saved->config().headDim() == ck->config().headDim());
        CHECK(saved->config().slidingWindow == ck->config().slidingWindow);
        CHECK(saved->config().maxSeq == ck->config().maxSeq);
        const LlamaModel reread(loadLlamaWeights(*saved));
        torch::NoGradGuard noGrad;
        const auto trained = full.forward(hidden).squeeze(0);
        CHECK(maxDiff(logitsOf(reread, ids), trained) < 1e-4);
        CHECK(maxDiff(trained, want) > 1e-3);
    }
}

TEST_CASE("forward: GGUF-style rope_freqs factors equal the llama3 rescaling they encode", "[arch-forward]") {
    auto ck = openCheckpoint(fixtureDir("llama3_rope"));
    const ModelConfig scaled = ck->config();
    ck->m_config.ropeScaling = RopeScaling{};
    LlamaWeights w = loadLlamaWeights(*ck);
    // llama.cpp stores inv_freq_default / inv_freq_llama3 per frequency.
    w.ropeFreqFactors = (ropeInverseFrequencies(ck->config(), 16) / ropeInverseFrequencies(scaled, 16)).to(torch::kFloat32);
    const auto ids = idsOf("llama3_rope");
    CHECK(maxDiff(logitsOf(LlamaModel(std::move(w)), ids), referenceLogits("llama3_rope", ids.size(1))) <= 1e-4);
}

TEST_CASE("sweep plan: trainable counts match the suffix model with head_dim != d/heads and q/k norms",
          "[arch-forward]") {
    for (const char* name : {"qwen3_qk_norm", "llama_head_dim"}) {
        INFO(name);
        const auto ck = openCheckpoint(fixtureDir(name));
        const LlamaModel base(loadLlamaWeights(*ck));
        BasisTensors basis;
        for (int m = 0; m < kBlockMatrices; ++m)
            basis.rows[static_cast<size_t>(m)] = randomOrthonormalRows(base.dModel(), 8, 3 + m);
        RunSpec amp{Arm::Amp};
        amp.k = 8;
        RunSpec lora{Arm::Lora};
        lora.k = 3;
        for (const RunSpec& spec : {RunSpec{Arm::Full}, amp, lora}) {
            INFO(armName(spec.arm));
            const SuffixModel suffix(base, 1, spec, &basis);
            CHECK(suffix.trainableCount() == trainableParameters(ck->config(), 1, spec));
        }
    }
}
