#pragma once
/// An independent GGML block quantiser for the tests, written from the block
/// layouts of the GGUF specification (ggml's block structs) and shares no code
/// with ctscope's decoders. It picks each block's fields by simple min/max
/// rules (not ggml's rounding search: any valid encoding will do), packs them
/// by the element-index formulas of each layout, and computes, from its own
/// fields and never by unpacking the bytes, the float32 values the format
/// defines for them.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope::test::quant {

enum class QType { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K };

struct QSpec {
    const char* name;
    uint32_t ggmlId;     ///< GGML type id in a GGUF tensor info
    size_t blockSize;    ///< values per block
    size_t blockBytes;   ///< bytes per block
};

const QSpec& spec(QType t);
/// Every type above, in declaration order.
const std::vector<QType>& allTypes();

struct Quantised {
    std::vector<uint8_t> bytes;  ///< the packed blocks, as a GGUF tensor stores them
    std::vector<float> values;   ///< what a correct decoder must return for `bytes`
};

/// Quantises `x` (a whole number of blocks, else std::invalid_argument).
Quantised quantise(QType t, const std::vector<float>& x);

} // namespace ctscope::test::quant
