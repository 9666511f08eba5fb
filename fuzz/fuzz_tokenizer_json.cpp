// libFuzzer target: a Hugging Face tokenizer.json (BPE model, merges, added
// tokens, normalizer, pre-tokenizer and decoder) through
// HfTokenizer::fromFile, then an encode/decode round of a fixed text.
#include "fuzz_common.h"

#include "core/train/hf_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    const std::string path = fuzz::writeScratch("tokenizer.json", data, size);
    fuzz::expectFormatErrorOnly([&] {
        const auto tok = HfTokenizer::fromFile(path);
        const auto ids = tok->encode("Hello, world! 123 <|endoftext|> héllo\n\tdone");
        (void)tok->decode(ids);
        for (int id = 0; id < std::min(tok->vocabSize(), 64); ++id) (void)tok->tokenPiece(id);
    });
    return 0;
}
