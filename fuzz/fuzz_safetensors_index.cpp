// libFuzzer target: model.safetensors.index.json of a Hugging Face folder
// (with a real config.json and a small real shard beside it) through
// loadHfFolder: weight_map names, shard file names (traversal, missing,
// duplicated), metadata.
#include "fuzz_checkpoint_read.h"
#include "fuzz_common.h"

#include "core/format/safetensors_writer.h"

#include <filesystem>
#include <fstream>

namespace {

// One real shard and config, written once per process.
const std::string& folder() {
    static const std::string dir = [] {
        const auto d = ctscope::fuzz::scratch() / "hf";
        std::filesystem::create_directories(d);
        std::ofstream(d / "config.json") << R"({"model_type":"llama","hidden_size":8,"intermediate_size":12,)"
                                         << R"("num_hidden_layers":1,"num_attention_heads":2,)"
                                         << R"("num_key_value_heads":1,"vocab_size":16,"tie_word_embeddings":true})";
        static const std::vector<float> zeros(16 * 8, 0.25f);
        auto entry = [](const char* name, std::vector<int64_t> shape) {
            return ctscope::SafetensorsEntry{name, "F32", std::move(shape), zeros.data()};
        };
        ctscope::writeSafetensors((d / "model-00001-of-00002.safetensors").string(),
                                  {entry("model.embed_tokens.weight", {16, 8}), entry("model.norm.weight", {8}),
                                   entry("model.layers.0.self_attn.q_proj.weight", {8, 8})});
        ctscope::writeSafetensors((d / "model-00002-of-00002.safetensors").string(),
                                  {entry("model.layers.0.input_layernorm.weight", {8})});
        return d.string();
    }();
    return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    const std::string dir = folder();
    {
        std::ofstream out(std::filesystem::path(dir) / "model.safetensors.index.json", std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    fuzz::expectFormatErrorOnly([&] { fuzz::readSmallTensors(*loadHfFolder(dir)); });
    return 0;
}
