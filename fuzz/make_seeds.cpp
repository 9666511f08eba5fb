// Writes the generated part of the fuzzing seed corpus: small valid
// checkpoints from the tests' independent fixture writer
// (tests/core/fixture_writer.h), one folder per target.
// usage: make_seeds OUTDIR
#include "core/fixture_writer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

using namespace ctscope::test::fixture;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const fs::path out = argv[1];
    for (const char* t : {"safetensors", "safetensors_index", "gguf", "llama2c"}) fs::create_directories(out / t);
    LlamaSpec spec;
    spec.dim = 8;
    spec.hidden = 12;
    spec.layers = 1;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.vocab = 16;
    const auto tensors = llamaTensorsHf(spec);
    int n = 0;
    for (Dt dt : {Dt::F32, Dt::F16, Dt::BF16}) {
        std::vector<StEntry> entries;
        for (const Tensor& t : tensors) entries.push_back(stEntry(t, dt));
        writeFile((out / "safetensors" / ("seed" + std::to_string(n) + ".safetensors")).string(), stFile(entries));
        writeFile((out / "gguf" / ("seed" + std::to_string(n) + ".gguf")).string(), llamaGguf(spec, dt).bytes());
        ++n;
    }
    writeFile((out / "gguf" / "seed_q8.gguf").string(), llamaGguf(spec, Dt::Q8_0).bytes());
    writeFile((out / "llama2c" / "seed_tied.bin").string(), llama2cModel(spec));
    spec.tied = false;
    writeFile((out / "llama2c" / "seed_untied.bin").string(), llama2cModel(spec));
    // Index seeds for the fuzz_safetensors_index folder (its two real shards).
    nlohmann::json index;
    index["metadata"] = {{"total_size", 720}};
    index["weight_map"] = {{"model.embed_tokens.weight", "model-00001-of-00002.safetensors"},
                           {"model.norm.weight", "model-00001-of-00002.safetensors"},
                           {"model.layers.0.self_attn.q_proj.weight", "model-00001-of-00002.safetensors"},
                           {"model.layers.0.input_layernorm.weight", "model-00002-of-00002.safetensors"}};
    const std::string text = index.dump();
    writeFile((out / "safetensors_index" / "seed0.json").string(), std::vector<uint8_t>(text.begin(), text.end()));
    index["weight_map"]["model.norm.weight"] = "../model-00002-of-00002.safetensors";
    const std::string t2 = index.dump(1);
    writeFile((out / "safetensors_index" / "seed1.json").string(), std::vector<uint8_t>(t2.begin(), t2.end()));
    return 0;
}
