// Hugging Face tokenizer.json and GGUF gpt2 tokenizers against ids from an
// independent implementation (transformers.js, the @lenml/tokenizers fork),
// and the tokenizers library's documented rules on small hand-built files.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/train/hf_tokenizer.h"
#include "core/train/pre_tokenizer.h"
#include "core/train/text_data.h"
#include "core/train/tokenizer.h"
#include "core/util/error.h"
#include "test_paths.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace ctscope;
using ctscope::test::sharedPath;
using ctscope::test::sourcePath;
using nlohmann::json;

namespace {

json readJson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::string fixture(const std::string& name) { return sourcePath("tests/data/tokenizers/" + name); }

// Every reference document: encode() (add_special_tokens false) and, where
// the file has them, encodeWithSpecials(). Returns the documents matched.
int checkReference(const Tokenizer& tok, const std::string& referencePath) {
    const json ref = readJson(referencePath);
    int matched = 0;
    for (const json& d : ref["docs"]) {
        const std::string text = d["text"].get<std::string>();
        INFO("text: " << text);
        const auto ids = tok.encode(text);
        CHECK(ids == d["ids"].get<std::vector<int>>());
        if (d.contains("ids_special")) CHECK(tok.encodeWithSpecials(text) == d["ids_special"].get<std::vector<int>>());
        matched += ids == d["ids"].get<std::vector<int>>();
    }
    return matched;
}

// A GGUF `gpt2` vocabulary made from a tokenizer.json, as llama.cpp's converter
// writes one: tokens by id, merges as "a b", added special tokens as control.
TokenizerSource ggufSourceFrom(const json& j, const std::string& pre) {
    TokenizerSource s;
    s.ggufModel = "gpt2";
    s.ggufPre = pre;
    size_t n = 0;
    for (const auto& [k, v] : j["model"]["vocab"].items()) n = std::max(n, v.get<size_t>() + 1);
    for (const json& a : j["added_tokens"]) n = std::max(n, a["id"].get<size_t>() + 1);
    s.tokens.assign(n, std::string());
    s.tokenTypes.assign(n, 1);
    for (const auto& [k, v] : j["model"]["vocab"].items()) s.tokens[v.get<size_t>()] = k;
    for (const json& a : j["added_tokens"]) {
        s.tokens[a["id"].get<size_t>()] = a["content"].get<std::string>();
        s.tokenTypes[a["id"].get<size_t>()] = a["special"].get<bool>() ? 3 : 4;
    }
    for (const json& m : j["model"]["merges"])
        s.merges.push_back(m.is_string() ? m.get<std::string>()
                                         : m[0].get<std::string>() + " " + m[1].get<std::string>());
    return s;
}

// A tiny GGUF v3 file: a 1-layer llama header, the tokenizer, token_embd only.
void writeGguf(const std::string& path, const TokenizerSource& s, int bos, int eos, bool addBos) {
    std::string b;
    auto u32 = [&](uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
    auto u64 = [&](uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); };
    auto str = [&](const std::string& v) { u64(v.size()), b += v; };
    auto kvU32 = [&](const std::string& k, uint32_t v) { str(k), u32(4), u32(v); };
    auto kvStr = [&](const std::string& k, const std::string& v) { str(k), u32(8), str(v); };
    auto kvStrs = [&](const std::string& k, const std::vector<std::string>& v) {
        str(k), u32(9), u32(8), u64(v.size());
        for (const auto& x : v) str(x);
    };
    const uint32_t d = 4;
    b += "GGUF";
    u32(3), u64(1), u64(14);
    kvStr("general.architecture", "llama");
    kvU32("llama.embedding_length", d), kvU32("llama.block_count", 1), kvU32("llama.feed_forward_length", 8);
    kvU32("llama.attention.head_count", 1), kvU32("llama.context_length", 64);
    kvStr("tokenizer.ggml.model", s.ggufModel), kvStr("tokenizer.ggml.pre", s.ggufPre);
    kvStrs("tokenizer.ggml.tokens", s.tokens), kvStrs("tokenizer.ggml.merges", s.merges);
    str("tokenizer.ggml.token_type"), u32(9), u32(5), u64(s.tokenTypes.size());
    for (int t : s.tokenTypes) u32(static_cast<uint32_t>(t));
    kvU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos));
    kvU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eos));
    str("tokenizer.ggml.add_bos_token"), u32(7), b += static_cast<char>(addBos);
    str("token_embd.weight"), u32(2), u64(d), u64(s.tokens.size()), u32(0), u64(0);
    b.resize((b.size() + 31) / 32 * 32, '\0');
    std::vector<float> embed(s.tokens.size() * d, 0.01f);
    b.append(reinterpret_cast<const char*>(embed.data()), embed.size() * sizeof(float));
    std::ofstream(path, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

// A small tokenizer.json around a BPE model given by its vocabulary and merges.
json tinyTokenizer(const json& vocab, const json& merges) {
    return {{"version", "1.0"}, {"added_tokens", json::array()}, {"normalizer", nullptr},
            {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

std::vector<std::string> preTokenize(const json& preTokenizer, const std::string& text) {
    tok::PreTokenizer p(preTokenizer, "test");
    std::vector<tok::PreToken> pieces{{text, true}};
    p.run(pieces);
    std::vector<std::string> out;
    for (const auto& x : pieces) out.push_back(x.text);
    return out;
}

} // namespace

TEST_CASE("hftok: Llama 3 tokenizer.json gives the reference ids on every document", "[hftok]") {
    CTSCOPE_REQUIRE_SHARED("tokenizers/llama3/tokenizer.json");
    const auto tok = openTokenizerFile(sharedPath("tokenizers/llama3"));
    CHECK(tok->kind() == "hf-bpe");
    CHECK(tok->vocabSize() == 128256);
    // tokenizer_config.json names <|begin_of_text|>; this file's post-processor
    // (ByteLevel) adds nothing, so neither does encodeWithSpecials().
    CHECK(tok->bosId() == 128000);
    CHECK(tok->eosId() == 128001);
    CHECK_FALSE(tok->addBos());
    CHECK(tok->documentStartId() == 128000);
    CHECK(checkReference(*tok, sharedPath("tokenizers/llama3/reference_ids.json")) == 34);
    CHECK(tok->encode("<|begin_of_text|>Hi<|eot_id|>") == std::vector<int>{128000, 13347, 128009});
    CHECK(tok->decode(tok->encode("Hello, world! caf\xC3\xA9 \xF0\x9F\x98\x80")) == "Hello, world! caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST_CASE("hftok: Mistral's tokenizer.json gives the reference ids on every document", "[hftok]") {
    CTSCOPE_REQUIRE_SHARED("tokenizers/mistral/tokenizer.json");
    const auto tok = openTokenizerFile(sharedPath("tokenizers/mistral/tokenizer.json"));
    CHECK(tok->bosId() == 1);
    CHECK(tok->eosId() == 2);
    CHECK(tok->addBos());
    CHECK_FALSE(tok->addEos());
    CHECK(checkReference(*tok, sharedPath("tokenizers/mistral/reference_ids.json")) == 34);
    CHECK(tok->encodeWithSpecials("One")[0] == 1);
    CHECK(tok->decode(tok->encode("Once upon a time")) == "Once upon a time");
}

TEST_CASE("hftok: Llama 3 as a GGUF gpt2 vocabulary (llama-bpe) gives the same ids", "[hftok]") {
    CTSCOPE_REQUIRE_SHARED("tokenizers/llama3/tokenizer.json");
    const auto src = ggufSourceFrom(readJson(sharedPath("tokenizers/llama3/tokenizer.json")), "llama-bpe");
    ModelConfig c;
    c.bosId = 128000;
    c.eosId = 128001;
    const auto tok = openTokenizer(src, c, {}, "llama3.gguf");
    CHECK(tok->kind() == "gguf-bpe");
    CHECK(tok->addBos());  // llama.cpp's default for llama-bpe
    CHECK(checkReference(*tok, sharedPath("tokenizers/llama3/reference_ids.json")) == 34);
}

TEST_CASE("hftok: shipped Qwen3, GPT-2 and Mistral cut-downs match transformers.js", "[hftok]") {
    for (const char* name : {"qwen3-mini", "gpt2-mini", "mistral-mini"}) {
        INFO(name);
        const auto tok = openTokenizerFile(fixture(name));
        const json ref = readJson(fixture(std::string(name) + "/reference_ids.json"));
        CHECK(checkReference(*tok, fixture(std::string(name) + "/reference_ids.json")) ==
              static_cast<int>(ref["docs"].size()));
    }
    // Qwen: NFC composes e + U+0301 into é before the regex splits.
    const auto qwen = openTokenizerFile(fixture("qwen3-mini/tokenizer.json"));
    CHECK(qwen->encode("cafe\xCC\x81") == qwen->encode("caf\xC3\xA9"));
    CHECK(qwen->bosId() == -1);
    CHECK(qwen->documentStartId() == qwen->eosId());
    CHECK(qwen->tokenPiece(qwen->eosId()) == "<|endoftext|>");
    CHECK(qwen->decode(qwen->encode("Hello there, 123!")) == "Hello there, 123!");
    // Mistral cut-down: byte fallback for what the small vocabulary lacks.
    const auto mistral = openTokenizerFile(fixture("mistral-mini"));
    const auto rocket = mistral->encode("\xF0\x9F\x9A\x80");
    REQUIRE(rocket.size() == 5);  // ▁ then <0xF0> <0x9F> <0x9A> <0x80>
    CHECK(mistral->tokenPiece(rocket[1]) == "<0xF0>");
    CHECK(mistral->decode(rocket) == "\xF0\x9F\x9A\x80");
}

TEST_CASE("hftok: GGUF gpt2 files (gpt2, qwen2) tokenize as their tokenizer.json", "[hftok]") {
    ctscope::test::TempDir dir;
    for (const auto& [name, pre] : {std::pair{"gpt2-mini", "gpt2"}, std::pair{"qwen3-mini", "qwen2"}}) {
        INFO(name);
        const TokenizerSource src = ggufSourceFrom(readJson(fixture(std::string(name) + "/tokenizer.json")), pre);
        const std::string path = dir.file(std::string(name) + ".gguf");
        writeGguf(path, src, 1, 2, false);
        const auto ckpt = openCheckpoint(path);
        CHECK(ckpt->tokenizer().ggufPre == pre);
        CHECK(ckpt->tokenizer().merges == src.merges);
        CHECK(ckpt->tokenizer().ggufAddBos == 0);
        const auto tok = openTokenizer(ckpt->tokenizer(), ckpt->config(), {}, ckpt->path());
        CHECK(tok->kind() == "gguf-bpe");
        CHECK_FALSE(tok->addBos());
        const json ref = readJson(fixture(std::string(name) + "/reference_ids.json"));
        for (const json& d : ref["docs"]) CHECK(tok->encode(d["text"]) == d["ids"].get<std::vector<int>>());
        CHECK(openTokenizerAt(path)->encode("Hello world") == openTokenizerFile(fixture(name))->encode("Hello world"));
    }
    TokenizerSource bad = ggufSourceFrom(readJson(fixture("gpt2-mini/tokenizer.json")), "kimi-k2");
    CHECK_THROWS_WITH(openTokenizer(bad, ModelConfig{}, {}, "x.gguf"), Catch::Contains("kimi-k2"));
}

TEST_CASE("hftok: merges as \"a b\" strings and as [a, b] pairs are the same model", "[hftok]") {
    json pairs = readJson(fixture("gpt2-mini/tokenizer.json"));
    REQUIRE(pairs["model"]["merges"][0].is_array());
    json strings = pairs;
    for (json& m : strings["model"]["merges"]) m = m[0].get<std::string>() + " " + m[1].get<std::string>();
    const auto a = HfTokenizer::fromJson(pairs, json(), "pairs");
    const auto b = HfTokenizer::fromJson(strings, json(), "strings");
    for (const char* text : {"Once upon a time, there was a little girl.", "It's 12345 o'clock\n\n  x"})
        CHECK(a->encode(text) == b->encode(text));
}

TEST_CASE("hftok: byte fallback, unk, fuse_unk and ignore_merges", "[hftok]") {
    const json vocab = {{"<unk>", 0}, {"a", 1}, {"<0xC3>", 2}, {"<0xA9>", 3}, {"b", 4}, {"c", 5}, {"ab", 6}, {"abc", 7}};
    json j = tinyTokenizer(vocab, json::array({"a b"}));
    j["model"]["unk_token"] = "<unk>";
    j["model"]["byte_fallback"] = true;
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("a\xC3\xA9") == std::vector<int>{1, 2, 3});
    // "€" (E2 82 AC) has no byte tokens: unk, one per character unless fused.
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("a\xE2\x82\xAC\xE2\x82\xAC" "a") == std::vector<int>{1, 0, 0, 1});
    j["model"]["fuse_unk"] = true;
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("a\xE2\x82\xAC\xE2\x82\xAC" "a") == std::vector<int>{1, 0, 1});
    j["model"]["unk_token"] = nullptr;
    j["model"]["byte_fallback"] = false;
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("a\xE2\x82\xAC" "c") == std::vector<int>{1, 5});  // dropped
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("a\xE2\x82\xAC" "b") == std::vector<int>{6});  // then merged
    // "abc" is in the vocabulary, but no merge reaches it.
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("abc") == std::vector<int>{6, 5});
    j["model"]["ignore_merges"] = true;
    CHECK(HfTokenizer::fromJson(j, json(), "t")->encode("abc") == std::vector<int>{7});
    // continuing_subword_prefix / end_of_word_suffix: "a ##b" merges into "ab".
    json w = tinyTokenizer({{"a", 0}, {"##b", 1}, {"ab", 2}, {"b</w>", 3}, {"a##b", 4}}, json::array({"a ##b"}));
    w["model"]["continuing_subword_prefix"] = "##";
    CHECK(HfTokenizer::fromJson(w, json(), "t")->encode("ab") == std::vector<int>{2});
    CHECK(HfTokenizer::fromJson(w, json(), "t")->encode("ba").empty());  // "b", "##a" are unknown
    w["model"]["continuing_subword_prefix"] = nullptr;
    w["model"]["end_of_word_suffix"] = "</w>";
    w["model"]["merges"] = json::array();
    CHECK(HfTokenizer::fromJson(w, json(), "t")->encode("ab") == std::vector<int>{0, 3});
    // Lowest rank first: "b c" (rank 0) wins over "a b" (rank 1) in "abc".
    json r = tinyTokenizer({{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}}, json::array({"b c", "a b"}));
    CHECK(HfTokenizer::fromJson(r, json(), "t")->encode("abc") == std::vector<int>{0, 4});
}

TEST_CASE("hftok: Split behaviours, Digits and Metaspace cut as the tokenizers library documents", "[hftok]") {
    auto split = [](const char* behavior, bool invert = false) {
        return json{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
    };
    using V = std::vector<std::string>;
    const std::string s = "the-final--countdown";
    CHECK(preTokenize(split("Removed"), s) == V{"the", "final", "countdown"});
    CHECK(preTokenize(split("Isolated"), s) == V{"the", "-", "final", "-", "-", "countdown"});
    CHECK(preTokenize(split("MergedWithPrevious"), s) == V{"the-", "final-", "-", "countdown"});
    CHECK(preTokenize(split("MergedWithNext"), s) == V{"the", "-final", "-", "-countdown"});
    CHECK(preTokenize(split("Contiguous"), s) == V{"the", "-", "final", "--", "countdown"});
    CHECK(preTokenize(split("Removed", true), s) == V{"-", "-", "-"});
    CHECK(preTokenize({{"type", "Digits"}, {"individual_digits", true}}, "a123b") == V{"a", "1", "2", "3", "b"});
    CHECK(preTokenize({{"type", "Digits"}, {"individual_digits", false}}, "a123b") == V{"a", "123", "b"});
    CHECK(preTokenize({{"type", "WhitespaceSplit"}}, " a  b\tc ") == V{"a", "b", "c"});
    CHECK(preTokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}, "Hi  there") ==
          V{"\xC4\xA0Hi", "\xC4\xA0", "\xC4\xA0there"});
    const std::string m = "\xE2\x96\x81";  // ▁
    const json meta = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "always"}, {"split", true}};
    CHECK(preTokenize(meta, "Hey friend") == V{m + "Hey", m + "friend"});
    json firstOnly = meta;
    firstOnly["prepend_scheme"] = "never";
    CHECK(preTokenize(firstOnly, "Hey friend") == V{"Hey", m + "friend"});
    // prepend_scheme "first": only the piece at the start of the text; after an
    // added token the text goes on without ▁.
    json t = tinyTokenizer({{m, 0}, {"a", 1}, {"b", 2}, {m + "a", 3}, {m + "b", 4}}, json::array({m + " a", m + " b"}));
    t["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "first"}, {"split", true}};
    t["added_tokens"] = json::array({{{"id", 5}, {"content", "<x>"}, {"special", true}, {"normalized", false}}});
    const auto tok = HfTokenizer::fromJson(t, json(), "t");
    CHECK(tok->encode("a b") == std::vector<int>{3, 4});
    CHECK(tok->encode("<x>a b") == std::vector<int>{5, 1, 4});
}

TEST_CASE("hftok: added tokens: longest match, single_word, lstrip/rstrip, normalized", "[hftok]") {
    json j = tinyTokenizer({{"a", 0}, {"b", 1}, {" ", 2}, {"x", 3}, {"y", 4}}, json::array());
    j["normalizer"] = {{"type", "Lowercase"}};
    auto added = [](int id, const char* content, bool single, bool l, bool r, bool normalized) {
        return json{{"id", id}, {"content", content}, {"single_word", single}, {"lstrip", l},
                    {"rstrip", r},  {"normalized", normalized}, {"special", !normalized}};
    };
    j["added_tokens"] = json::array({added(10, "<t>", false, false, false, false),
                                     added(11, "<t><t>", false, false, false, false),
                                     added(12, "[w]", true, false, false, false),
                                     added(13, "<l>", false, true, false, false),
                                     added(14, "<r>", false, false, true, false),
                                     added(15, "xy", false, false, false, true)});
    const auto tok = HfTokenizer::fromJson(j, json(), "t");
    using V = std::vector<int>;
    CHECK(tok->encode("a<t><t><t>b") == V{0, 11, 10, 1});
    CHECK(tok->encode("a [w] b") == V{0, 2, 12, 2, 1});
    CHECK(tok->encode("a[w] b") == V{0, 2, 1});  // '[', 'w', ']' are not in the vocabulary: dropped
    CHECK(tok->encode("a  <l>  b") == V{0, 13, 2, 2, 1});
    CHECK(tok->encode("a  <r>  b") == V{0, 2, 2, 14, 1});
    // "xy" is normalized: found in the lowercased text; "<T>" is not.
    CHECK(tok->encode("aXYb") == V{0, 15, 1});
    CHECK(tok->encode("<T>") == V{});
}

TEST_CASE("hftok: unsupported and broken tokenizer.json files are refused with the file's name", "[hftok]") {
    json j = tinyTokenizer({{"a", 0}}, json::array());
    j["model"]["type"] = "Unigram";
    CHECK_THROWS_WITH(HfTokenizer::fromJson(j, json(), "u.json"), Catch::Contains("u.json") && Catch::Contains("Unigram"));
    j = tinyTokenizer({{"a", 0}}, json::array({"a b"}));
    CHECK_THROWS_WITH(HfTokenizer::fromJson(j, json(), "m.json"), Catch::Contains("m.json") && Catch::Contains("'b'"));
    j = tinyTokenizer({{"a", 0}}, json::array());
    j["normalizer"] = {{"type", "Precompiled"}};
    CHECK_THROWS_WITH(HfTokenizer::fromJson(j, json(), "n.json"), Catch::Contains("Precompiled"));
    j = tinyTokenizer({{"a", 0}}, json::array());
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    CHECK_THROWS_WITH(HfTokenizer::fromJson(j, json(), "r.json"), Catch::Contains("r.json") && Catch::Contains("(unclosed"));
    ctscope::test::TempDir dir;
    std::ofstream(dir.file("tokenizer.json")) << "{not json";
    CHECK_THROWS_WITH(openTokenizerFile(dir.path().string()), Catch::Contains("tokenizer.json"));
    CHECK_THROWS_AS(openTokenizerFile(dir.file("empty-folder-name")), FormatError);
}

TEST_CASE("hftok: a megabyte of text tokenises in seconds", "[hftok]") {
    CTSCOPE_REQUIRE_SHARED("tokenizers/llama3/tokenizer.json");
    CTSCOPE_REQUIRE_SHARED("data/tinyshakespeare.txt");
    const auto tok = openTokenizerFile(sharedPath("tokenizers/llama3/tokenizer.json"));
    std::ifstream in(sharedPath("data/tinyshakespeare.txt"), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const auto t0 = std::chrono::steady_clock::now();
    const auto ids = tok->encode(text);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("Llama 3: " << text.size() << " bytes -> " << ids.size() << " tokens in " << secs << " s");
    CHECK(ids.size() > text.size() / 6);
    CHECK(secs < 10.0);
    CHECK(tok->decode(ids) == text);
}
