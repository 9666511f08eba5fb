#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/train/bpe_tokenizer.h"
#include "core/train/text_data.h"
#include "core/train/tokenizer.h"
#include "core/util/error.h"
#include "train_test_util.h"

#include <fstream>

using namespace ctscope;
using ctscope::test::sharedPath;

namespace {

const std::vector<std::string> kGoldenText = {
    "Once upon a time, there was a little girl named Lily.",
    "  First Citizen:\nBefore we proceed any further, hear me speak.  ",
    "Caf\xC3\xA9 na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC \xE2\x84\xA2 \xF0\x9F\x98\x80 x",
};

} // namespace

TEST_CASE("tokenizer: SentencePiece .model matches libsentencepiece's ids", "[train][tokenizer]") {
    // Expected ids were produced by libsentencepiece 0.1.97 (Encode) from the
    // same model files, in a process without LibTorch.
    const std::vector<std::vector<int>> tok512 = {
        {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426},
        {410, 453, 315, 356, 410, 457, 275, 417, 451, 302, 467, 13,  445, 411, 431, 414, 276, 382, 282, 420, 414,
         331, 266, 261, 416, 422, 272, 425, 420, 413, 386, 432, 281, 295, 284, 411, 262, 427, 411, 412, 433, 426},
        {410, 457, 412, 431, 485, 297, 412, 198, 178, 360, 410, 233, 154, 168, 233, 159, 175, 410, 507, 410, 243,
         162, 155, 131, 410, 444},
    };
    auto t = openTokenizerFile(test::storiesTokenizer("tok512.model"));  // shipped: never skips
    CHECK(t->kind() == "sentencepiece");
    CHECK(t->vocabSize() == 512);
    for (size_t i = 0; i < kGoldenText.size(); ++i) CHECK(t->encode(kGoldenText[i]) == tok512[i]);

    if (!test::haveShared("models/tokenizers/llama2/tokenizer.model")) return;
    const std::vector<std::vector<int>> llama2 = {
        {9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889},
        {259, 3824, 21353, 19642, 29901, 13, 18743, 591, 8469, 738, 4340, 29892, 8293, 592, 7726, 29889, 259},
        {315, 28059, 1055, 30085, 345, 29871, 30325, 30346, 29871, 30536, 29871, 243, 162, 155, 131, 921},
    };
    auto l = openTokenizerFile(sharedPath("models/tokenizers/llama2/tokenizer.model"));
    CHECK(l->vocabSize() == 32000);
    for (size_t i = 0; i < kGoldenText.size(); ++i) CHECK(l->encode(kGoldenText[i]) == llama2[i]);
}

TEST_CASE("tokenizer: .model, tokenizer.bin and GGUF vocabulary agree on stories", "[train][tokenizer]") {
    CTSCOPE_REQUIRE_SHARED("models/stories260K-f32.gguf");
    CTSCOPE_REQUIRE_SHARED(test::kStoriesSample);
    auto sp = openTokenizerFile(test::storiesTokenizer("tok512.model"));
    auto bin = openTokenizerFile(test::storiesTokenizer("tok512.bin"));
    auto gguf = openCheckpoint(sharedPath("models/stories260K-f32.gguf"));
    auto gt = openTokenizer(gguf->tokenizer(), gguf->config(), {}, gguf->path());
    CHECK(bin->kind() == "llama2c");
    CHECK(gt->kind() == "gguf");
    CHECK(gt->bosId() == 1);
    size_t tokens = 0;
    for (const std::string& doc : readEvalDocuments(sharedPath(test::kStoriesSample), 40)) {
        const auto a = sp->encode(doc);
        CHECK(a == bin->encode(doc));
        CHECK(a == gt->encode(doc));
        tokens += std::min<size_t>(a.size(), 511);  // BOS + ids cut to 512, all but BOS predicted
    }
    CHECK(tokens == 12571);
}

TEST_CASE("tokenizer: byte fallback and decode", "[train][tokenizer]") {
    // A toy vocabulary: bytes, a few merges.
    std::vector<std::string> toks = {"<unk>", "<s>", "</s>"};
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        toks.push_back(buf);
    }
    const int base = static_cast<int>(toks.size());
    for (const char* p : {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab"}) toks.push_back(p);
    std::vector<float> scores(toks.size(), 0.0f);
    scores[static_cast<size_t>(base + 3)] = -1;  // ▁a
    scores[static_cast<size_t>(base + 4)] = -2;  // ab
    scores[static_cast<size_t>(base + 5)] = -3;  // ▁ab
    ScoreBpeTokenizer t(toks, scores, {}, "test");
    CHECK(t.encode("ab") == std::vector<int>{base + 5});
    CHECK(t.encode("ba") == std::vector<int>{base + 0, base + 2, base + 1});
    // 'z' is not in the vocabulary: its byte 0x7A comes out as <0x7A>.
    CHECK(t.encode("z") == std::vector<int>{base + 0, 3 + 0x7A});
    CHECK(t.decode(t.encode("ab ba z")) == " ab ba z");
    CHECK(t.encode("").empty());
}

TEST_CASE("tokenizer: broken files are errors naming the file", "[train][tokenizer]") {
    test::TempDir dir;
    const std::string bin = dir.file("tokenizer.bin");
    {
        std::ofstream out(bin, std::ios::binary);
        const int32_t maxLen = 7;
        const float score = 0;
        const int32_t len = 50;  // longer than max_token_length
        out.write(reinterpret_cast<const char*>(&maxLen), 4);
        out.write(reinterpret_cast<const char*>(&score), 4);
        out.write(reinterpret_cast<const char*>(&len), 4);
    }
    CHECK_THROWS_AS(openTokenizerFile(bin), FormatError);
    const std::string model = dir.file("tokenizer.model");
    {
        std::ofstream out(model, std::ios::binary);
        out << "\x0A\xFF\xFF\xFF";  // field 1 with a length that runs past the end
    }
    try {
        openTokenizerFile(model);
        FAIL("expected FormatError");
    } catch (const FormatError& e) {
        CHECK(e.file() == model);
    }
    CHECK_THROWS_AS(openTokenizerFile(dir.file("missing.model")), FormatError);
}
