// HfTokenizer construction: tokenizer.json + tokenizer_config.json, and GGUF
// `gpt2` vocabularies.
#include "core/train/hf_tokenizer.h"

#include "core/format/checkpoint.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace ctscope {
namespace {

using nlohmann::json;

std::string optString(const json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool optBool(const json& j, const char* key, bool fallback) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// tokenizer_config.json writes a token as "<s>" or as {"content": "<s>", ...}.
std::string configToken(const json& config, const char* key) {
    if (!config.is_object() || !config.contains(key)) return {};
    const json& v = config[key];
    if (v.is_string()) return v.get<std::string>();
    return optString(v, "content");
}

json readJson(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, std::string("cannot open ") + what);
    std::ostringstream ss;
    ss << in.rdbuf();
    try {
        return json::parse(ss.str());
    } catch (const json::exception& e) {
        throw FormatError(path, std::string("invalid JSON in ") + what + " (" + e.what() + ")");
    }
}

std::pair<std::string, std::string> splitMerge(const std::string& m, size_t rank, const std::string& file) {
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 >= m.size())
        throw FormatError(file, "merge " + std::to_string(rank) + " '" + m + "' is not two tokens separated by a space");
    return {m.substr(0, sp), m.substr(sp + 1)};
}

// The special tokens the post-processor puts before and after a single text.
struct Template {
    std::vector<int> prefix, suffix;
};

void readPostProcessor(const json& p, Template& t, const std::string& file) {
    if (p.is_null()) return;
    const std::string type = optString(p, "type");
    if (type == "Sequence") {
        for (const json& q : p.value("processors", json::array())) readPostProcessor(q, t, file);
    } else if (type == "TemplateProcessing") {
        const json specials = p.value("special_tokens", json::object());
        bool afterText = false;
        for (const json& item : p.value("single", json::array())) {
            if (item.contains("Sequence")) {
                afterText = true;
                continue;
            }
            const std::string name = item.contains("SpecialToken") ? optString(item["SpecialToken"], "id") : "";
            if (name.empty() || !specials.contains(name) || !specials[name].contains("ids"))
                throw FormatError(file, "post_processor TemplateProcessing: item " + item.dump() +
                                            " names no entry of special_tokens");
            for (const json& id : specials[name]["ids"]) (afterText ? t.suffix : t.prefix).push_back(id.get<int>());
        }
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
        const json cls = p.value("cls", json()), sep = p.value("sep", json());
        if (!cls.is_array() || cls.size() != 2 || !sep.is_array() || sep.size() != 2)
            throw FormatError(file, "post_processor " + type + " without [token, id] pairs for cls and sep");
        t.prefix.push_back(cls[1].get<int>());
        t.suffix.push_back(sep[1].get<int>());
    } else if (type != "ByteLevel") {
        throw FormatError(file, "post_processor '" + type + "' is not supported");
    }
}

// Split patterns tokenizer.json files use, by llama.cpp's tokenizer.ggml.pre name.
const char* kLlama3Split =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* kQwen2Split =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* kTekkenSplit =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}|"
    " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

} // namespace

std::unique_ptr<HfTokenizer> HfTokenizer::fromFile(const std::string& path) {
    const json tok = readJson(path, "tokenizer.json");
    const auto configPath = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
    const json config =
        std::filesystem::is_regular_file(configPath) ? readJson(configPath.string(), "tokenizer_config.json") : json();
    return fromJson(tok, config, path);
}

std::unique_ptr<HfTokenizer> HfTokenizer::fromJson(const json& j, const json& config, const std::string& file) {
    std::unique_ptr<HfTokenizer> t(new HfTokenizer());
    try {
        if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
            throw FormatError(file, "not a tokenizer.json: expected an object with a 'model'");
        const json& model = j["model"];
        std::string type = optString(model, "type");
        if (type.empty() && model.contains("merges")) type = "BPE";
        if (type != "BPE")
            throw FormatError(file, "tokenizer model '" + type + "' is not supported (only BPE is)");
        if (!model.contains("vocab") || !model["vocab"].is_object())
            throw FormatError(file, "model.vocab is missing or not an object");
        std::vector<std::pair<std::string, int>> vocab;
        vocab.reserve(model["vocab"].size());
        for (const auto& [k, v] : model["vocab"].items()) {
            if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > std::numeric_limits<int>::max())
                throw FormatError(file, "model.vocab[" + k + "] is " + v.dump() + ", expected a token id in [0, 2^31)");
            vocab.emplace_back(k, static_cast<int>(v.get<int64_t>()));
        }
        std::vector<std::pair<std::string, std::string>> merges;
        const json mergesJson = model.value("merges", json::array());
        merges.reserve(mergesJson.size());
        for (const json& m : mergesJson) {
            if (m.is_string()) merges.push_back(splitMerge(m.get<std::string>(), merges.size(), file));
            else if (m.is_array() && m.size() == 2) merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
            else throw FormatError(file, "merge " + std::to_string(merges.size()) + " is " + m.dump() +
                                             ", expected \"a b\" or [\"a\", \"b\"]");
        }
        tok::BpeOptions o;
        o.unkToken = optString(model, "unk_token");
        o.fuseUnk = optBool(model, "fuse_unk", false);
        o.byteFallback = optBool(model, "byte_fallback", false);
        o.ignoreMerges = optBool(model, "ignore_merges", false);
        o.continuingSubwordPrefix = optString(model, "continuing_subword_prefix");
        o.endOfWordSuffix = optString(model, "end_of_word_suffix");
        t->m_model = std::make_unique<tok::BpeModel>(vocab, merges, std::move(o), file);

        t->m_normalizer = tok::TextNormalizer(j.value("normalizer", json()), file);
        t->m_pre = tok::PreTokenizer(j.value("pre_tokenizer", json()), file);
        t->m_decoder = tok::TokenDecoder(j.value("decoder", json()), file);
        for (const json& a : j.value("added_tokens", json::array())) {
            tok::AddedToken at;
            at.content = optString(a, "content");
            at.id = a.value("id", -1);
            if (at.content.empty() || at.id < 0) throw FormatError(file, "added token " + a.dump() + " has no content or id");
            at.special = optBool(a, "special", false);
            at.singleWord = optBool(a, "single_word", false);
            at.lstrip = optBool(a, "lstrip", false);
            at.rstrip = optBool(a, "rstrip", false);
            at.normalized = optBool(a, "normalized", !at.special);
            t->m_added.add(std::move(at));
        }
        t->finish();

        // BOS/EOS: what the post-processor adds, unless tokenizer_config.json
        // says add_bos_token/add_eos_token (transformers then rebuilds the
        // template from its bos_token/eos_token, as LlamaTokenizerFast does).
        Template tmpl;
        readPostProcessor(j.value("post_processor", json()), tmpl, file);
        if (tmpl.prefix.size() > 1 || tmpl.suffix.size() > 1)
            throw FormatError(file, "post_processor adds " + std::to_string(tmpl.prefix.size()) + " token(s) before and " +
                                        std::to_string(tmpl.suffix.size()) +
                                        " after a text; only one BOS and one EOS are supported");
        auto configId = [&](const char* key) {
            const std::string name = configToken(config, key);
            if (name.empty()) return -1;
            const int id = t->tokenId(name);
            if (id < 0) throw FormatError(file, std::string("tokenizer_config.json: ") + key + " '" + name +
                                                    "' is not a token of the vocabulary");
            return id;
        };
        int bos = configId("bos_token"), eos = configId("eos_token");
        bool addBos = !tmpl.prefix.empty(), addEos = !tmpl.suffix.empty();
        if (config.is_object() && config.contains("add_bos_token") && config["add_bos_token"].is_boolean())
            addBos = config["add_bos_token"].get<bool>() && bos >= 0;
        else if (addBos)
            bos = tmpl.prefix[0];
        if (config.is_object() && config.contains("add_eos_token") && config["add_eos_token"].is_boolean())
            addEos = config["add_eos_token"].get<bool>() && eos >= 0;
        else if (addEos)
            eos = tmpl.suffix[0];
        t->setSpecialIds(bos, eos);
        t->setAddSpecials(addBos, addEos);
        t->setOwnsSpecialIds(bos >= 0 || eos >= 0);
    } catch (const json::exception& e) {
        throw FormatError(file, std::string("unexpected tokenizer.json content (") + e.what() + ")");
    }
    return t;
}

std::unique_ptr<HfTokenizer> HfTokenizer::fromGguf(const TokenizerSource& src, const std::string& file) {
    if (src.tokens.empty()) throw FormatError(file, "GGUF tokenizer has no tokenizer.ggml.tokens");
    if (src.merges.empty()) throw FormatError(file, "GGUF tokenizer 'gpt2' has no tokenizer.ggml.merges");
    std::unique_ptr<HfTokenizer> t(new HfTokenizer());
    t->m_kind = "gguf-bpe";
    const std::string& pre = src.ggufPre;
    static const std::set<std::string> llama3 = {"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"};
    static const std::set<std::string> llama3Regex = {"dbrx", "smaug-bpe"};
    static const std::set<std::string> qwen2 = {"qwen2", "deepseek-r1-qwen"};
    static const std::set<std::string> gpt2 = {"gpt2", "gpt-2", "default", "", "phi-2", "jais"};
    static const std::set<std::string> starcoder = {"starcoder", "refact", "smollm", "codeshell"};
    tok::BpeOptions o;
    bool addBos = false;
    if (llama3.count(pre) || llama3Regex.count(pre)) {
        t->m_pre.addSplit(kLlama3Split, tok::PreTokenizer::Behavior::Isolated, false, file);
        t->m_pre.addByteLevel(false, false, file);
        o.ignoreMerges = addBos = llama3.count(pre) > 0;
    } else if (pre == "tekken") {
        t->m_pre.addSplit(kTekkenSplit, tok::PreTokenizer::Behavior::Isolated, false, file);
        t->m_pre.addByteLevel(false, false, file);
        o.ignoreMerges = addBos = true;
    } else if (qwen2.count(pre)) {
        t->m_normalizer.addUnicodeForm("NFC");
        t->m_pre.addSplit(kQwen2Split, tok::PreTokenizer::Behavior::Isolated, false, file);
        t->m_pre.addByteLevel(false, false, file);
    } else if (gpt2.count(pre)) {
        t->m_pre.addByteLevel(false, true, file);
    } else if (starcoder.count(pre)) {
        t->m_pre.addDigits(true);
        t->m_pre.addByteLevel(false, true, file);
    } else {
        throw FormatError(file, "GGUF pre-tokenizer '" + pre +
                                    "' (tokenizer.ggml.pre) is not supported (llama-bpe, llama3, tekken, qwen2, gpt2, "
                                    "default, starcoder, smollm and their aliases are); pass --tokenizer tokenizer.json");
    }
    t->m_decoder.addByteLevel();

    // GGUF token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    std::vector<std::pair<std::string, int>> vocab;
    vocab.reserve(src.tokens.size());
    for (size_t i = 0; i < src.tokens.size(); ++i) {
        const int type = src.tokenTypes.empty() ? 1 : src.tokenTypes[i];
        const int id = static_cast<int>(i);
        if (type == 3 || type == 4) {
            tok::AddedToken at;
            at.content = src.tokens[i];
            at.id = id;
            at.special = type == 3;
            if (!at.content.empty()) t->m_added.add(std::move(at));
        } else if (type != 5) {
            vocab.emplace_back(src.tokens[i], id);
        }
    }
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(src.merges.size());
    for (const std::string& m : src.merges) merges.push_back(splitMerge(m, merges.size(), file));
    t->m_model = std::make_unique<tok::BpeModel>(vocab, merges, std::move(o), file);
    t->finish();
    t->m_size = static_cast<int>(src.tokens.size());
    t->setAddSpecials(src.ggufAddBos >= 0 ? src.ggufAddBos == 1 : addBos, src.ggufAddEos == 1);
    return t;
}

} // namespace ctscope
