// ScoreBpeTokenizer::fromSentencePieceFile: a minimal reader of SentencePiece's
// ModelProto (sentencepiece_model.proto), enough for BPE tokenizers:
//   ModelProto      1 pieces (repeated), 2 trainer_spec, 3 normalizer_spec
//   SentencePiece   1 piece, 2 score (float), 3 type (enum, default NORMAL)
//   TrainerSpec     3 model_type (UNIGRAM=1 default, BPE=2, WORD=3, CHAR=4)
//   NormalizerSpec  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix (true),
//                   4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
#include "core/train/bpe_tokenizer.h"

#include "core/util/error.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace ctscope {
namespace {

class Reader {
public:
    Reader(const uint8_t* p, size_t n, const std::string& file) : m_p(p), m_end(p + n), m_file(file) {}
    bool done() const { return m_p >= m_end; }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_p >= m_end) fail("truncated varint");
            const uint8_t b = *m_p++;
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint too long");
        return 0;
    }
    float fixed32Float() {
        need(4);
        float f;
        std::memcpy(&f, m_p, 4);
        m_p += 4;
        return f;
    }
    Reader sub() {
        const uint64_t n = varint();
        need(n);
        Reader r(m_p, static_cast<size_t>(n), m_file);
        m_p += n;
        return r;
    }
    std::string bytes() {
        Reader r = sub();
        return std::string(reinterpret_cast<const char*>(r.m_p), static_cast<size_t>(r.m_end - r.m_p));
    }
    void skip(int wireType) {
        switch (wireType) {
        case 0: varint(); break;
        case 1: need(8); m_p += 8; break;
        case 2: sub(); break;
        case 5: need(4); m_p += 4; break;
        default: fail("unsupported wire type " + std::to_string(wireType));
        }
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(m_file, "not a valid SentencePiece model: " + what);
    }

private:
    void need(uint64_t n) const {
        if (static_cast<uint64_t>(m_end - m_p) < n) fail("truncated field");
    }
    const uint8_t* m_p;
    const uint8_t* m_end;
    std::string m_file;
};

} // namespace

std::unique_ptr<ScoreBpeTokenizer> ScoreBpeTokenizer::fromSentencePieceFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open tokenizer file");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();

    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int> types;
    int modelType = 1;
    bool addDummyPrefix = true, removeExtra = true, escapeWs = true;
    std::string normName, charsmap;

    Reader top(reinterpret_cast<const uint8_t*>(data.data()), data.size(), path);
    while (!top.done()) {
        const uint64_t key = top.varint();
        const int field = static_cast<int>(key >> 3), wt = static_cast<int>(key & 7);
        if (field == 1 && wt == 2) {
            Reader p = top.sub();
            std::string piece;
            float score = 0;
            int type = Normal;
            while (!p.done()) {
                const uint64_t k = p.varint();
                const int f = static_cast<int>(k >> 3), w = static_cast<int>(k & 7);
                if (f == 1 && w == 2) piece = p.bytes();
                else if (f == 2 && w == 5) score = p.fixed32Float();
                else if (f == 3 && w == 0) type = static_cast<int>(p.varint());
                else p.skip(w);
            }
            tokens.push_back(std::move(piece));
            scores.push_back(score);
            types.push_back(type);
        } else if (field == 2 && wt == 2) {
            Reader t = top.sub();
            while (!t.done()) {
                const uint64_t k = t.varint();
                const int f = static_cast<int>(k >> 3), w = static_cast<int>(k & 7);
                if (f == 3 && w == 0) modelType = static_cast<int>(t.varint());
                else t.skip(w);
            }
        } else if (field == 3 && wt == 2) {
            Reader n = top.sub();
            while (!n.done()) {
                const uint64_t k = n.varint();
                const int f = static_cast<int>(k >> 3), w = static_cast<int>(k & 7);
                if (f == 1 && w == 2) normName = n.bytes();
                else if (f == 2 && w == 2) charsmap = n.bytes();
                else if (f == 3 && w == 0) addDummyPrefix = n.varint() != 0;
                else if (f == 4 && w == 0) removeExtra = n.varint() != 0;
                else if (f == 5 && w == 0) escapeWs = n.varint() != 0;
                else n.skip(w);
            }
        } else {
            top.skip(wt);
        }
    }
    if (tokens.size() < 3) throw FormatError(path, "not a valid SentencePiece model: fewer than 3 pieces");
    if (modelType != 2)
        throw FormatError(path, "only BPE SentencePiece models are supported (this one has model_type " +
                                    std::to_string(modelType) + "; Llama-family tokenizers are BPE)");
    if (!charsmap.empty() || !escapeWs)
        throw FormatError(path, "SentencePiece normaliser '" + normName +
                                    "' is not supported (Llama-family tokenizers use 'identity')");
    return std::make_unique<ScoreBpeTokenizer>(std::move(tokens), std::move(scores), std::move(types),
                                               "sentencepiece", addDummyPrefix, removeExtra);
}

} // namespace ctscope
