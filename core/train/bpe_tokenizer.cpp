#include "core/train/bpe_tokenizer.h"

#include "core/train/token_text.h"
#include "core/util/error.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <queue>

namespace ctscope {
namespace {

const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Length of the valid UTF-8 sequence at s[0..n), or 0 when it is invalid
// (SentencePiece then substitutes U+FFFD for one byte).
size_t validUtf8Length(const unsigned char* s, size_t n) {
    return tok::utf8Length(std::string_view(reinterpret_cast<const char*>(s), n));
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

int parseByteToken(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    unsigned v = 0;
    for (int i = 3; i < 5; ++i) {
        char c = t[static_cast<size_t>(i)];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
        else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
        else return -1;
    }
    return static_cast<int>(v);
}

struct Symbol {
    uint32_t begin = 0, len = 0;  // bytes of the normalized text
    int prev = -1, next = -1;
};

struct Pair {
    float score;
    int left, right;
    uint32_t len;  // len of the merged piece when queued, to detect stale pairs
};

// SentencePiece's order: higher score first, then the leftmost pair.
struct PairLess {
    bool operator()(const Pair& a, const Pair& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

} // namespace

ScoreBpeTokenizer::ScoreBpeTokenizer(std::vector<std::string> tokens, std::vector<float> scores,
                                     std::vector<int> types, std::string kind, bool addDummyPrefix,
                                     bool removeExtraWhitespaces)
    : m_tokens(std::move(tokens)), m_scores(std::move(scores)), m_types(std::move(types)),
      m_kind(std::move(kind)), m_addDummyPrefix(addDummyPrefix), m_removeExtraWhitespaces(removeExtraWhitespaces) {
    if (m_tokens.empty()) throw FormatError("", "tokenizer vocabulary is empty");
    m_scores.resize(m_tokens.size(), 0.0f);
    if (m_types.size() != m_tokens.size()) {
        m_types.assign(m_tokens.size(), Normal);
        for (size_t i = 0; i < m_tokens.size(); ++i) {
            const std::string& t = m_tokens[i];
            if (t == "<unk>") m_types[i] = Unknown;
            else if (t == "<s>" || t == "</s>" || t == "\n<s>\n" || t == "\n</s>\n") m_types[i] = Control;
            else if (parseByteToken(t) >= 0) m_types[i] = Byte;
        }
    }
    std::fill(std::begin(m_byteIds), std::end(m_byteIds), -1);
    for (size_t i = 0; i < m_tokens.size(); ++i) {
        const int id = static_cast<int>(i);
        switch (m_types[i]) {
        case Normal:
        case UserDefined:
            m_pieces.emplace(std::string_view(m_tokens[i]), id);  // first id wins
            break;
        case Byte:
            if (int b = parseByteToken(m_tokens[i]); b >= 0 && m_byteIds[b] < 0) m_byteIds[b] = id;
            break;
        case Unknown:
            m_unkId = id;
            break;
        default:
            break;
        }
    }
}

std::unique_ptr<ScoreBpeTokenizer> ScoreBpeTokenizer::fromLlama2cFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open tokenizer file");
    int32_t maxLen = 0;
    if (!in.read(reinterpret_cast<char*>(&maxLen), 4) || maxLen <= 0 || maxLen > 4096)
        throw FormatError(path, "not a llama2.c tokenizer.bin (bad max_token_length header)");
    std::vector<std::string> tokens;
    std::vector<float> scores;
    while (true) {
        float score = 0;
        if (!in.read(reinterpret_cast<char*>(&score), 4)) break;  // clean end of file
        int32_t len = 0;
        if (!in.read(reinterpret_cast<char*>(&len), 4) || len < 0 || len > maxLen)
            throw FormatError(path, "truncated or corrupt entry for token " + std::to_string(tokens.size()));
        std::string s(static_cast<size_t>(len), '\0');
        if (len > 0 && !in.read(s.data(), len))
            throw FormatError(path, "truncated text of token " + std::to_string(tokens.size()));
        // llama2.c's export wrote U+2581 as a plain space; undo that.
        std::string t;
        for (char c : s) {
            if (c == ' ') t += kSpace;
            else t += c;
        }
        tokens.push_back(std::move(t));
        scores.push_back(score);
    }
    if (tokens.size() < 3) throw FormatError(path, "tokenizer has fewer than 3 tokens");
    return std::make_unique<ScoreBpeTokenizer>(std::move(tokens), std::move(scores), std::vector<int>{},
                                               "llama2c");
}

std::vector<int> ScoreBpeTokenizer::encode(const std::string& text) const {
    std::vector<int> out;
    std::string_view src(text);
    if (m_removeExtraWhitespaces) {
        const auto b = src.find_first_not_of(' ');
        src = b == std::string_view::npos ? std::string_view() : src.substr(b, src.find_last_not_of(' ') - b + 1);
    }
    if (src.empty()) return out;
    // Normalise as SentencePiece does for Llama: dummy prefix, ' ' → U+2581.
    std::string norm;
    norm.reserve(src.size() + src.size() / 4 + 3);
    if (m_addDummyPrefix) norm += kSpace;
    const auto* bytes = reinterpret_cast<const unsigned char*>(src.data());
    for (size_t i = 0; i < src.size();) {
        if (src[i] == ' ') {
            if (!(m_removeExtraWhitespaces && i > 0 && src[i - 1] == ' ')) norm += kSpace;
            ++i;
        } else if (const size_t n = validUtf8Length(bytes + i, src.size() - i); n > 0) {
            norm.append(src.data() + i, n);
            i += n;
        } else {
            norm += kReplacement;
            ++i;
        }
    }

    std::vector<Symbol> sym;
    sym.reserve(norm.size());
    for (size_t i = 0; i < norm.size();) {
        const uint32_t n = static_cast<uint32_t>(
            std::max<size_t>(1, validUtf8Length(reinterpret_cast<const unsigned char*>(norm.data()) + i, norm.size() - i)));
        Symbol s;
        s.begin = static_cast<uint32_t>(i);
        s.len = n;
        s.prev = static_cast<int>(sym.size()) - 1;
        s.next = static_cast<int>(sym.size()) + 1;
        sym.push_back(s);
        i += n;
    }
    sym.back().next = -1;

    const std::string_view whole(norm);
    std::priority_queue<Pair, std::vector<Pair>, PairLess> agenda;
    auto tryPair = [&](int l, int r) {
        if (l < 0 || r < 0) return;
        const uint32_t len = sym[static_cast<size_t>(l)].len + sym[static_cast<size_t>(r)].len;
        auto it = m_pieces.find(whole.substr(sym[static_cast<size_t>(l)].begin, len));
        if (it == m_pieces.end()) return;
        agenda.push(Pair{m_scores[static_cast<size_t>(it->second)], l, r, len});
    };
    for (size_t i = 0; i + 1 < sym.size(); ++i) tryPair(static_cast<int>(i), static_cast<int>(i + 1));

    while (!agenda.empty()) {
        const Pair p = agenda.top();
        agenda.pop();
        Symbol& L = sym[static_cast<size_t>(p.left)];
        Symbol& R = sym[static_cast<size_t>(p.right)];
        // Stale: one side was merged away or grew since the pair was queued.
        if (L.len == 0 || R.len == 0 || L.len + R.len != p.len || L.next != p.right) continue;
        L.len += R.len;
        L.next = R.next;
        if (R.next >= 0) sym[static_cast<size_t>(R.next)].prev = p.left;
        R.len = 0;
        tryPair(L.prev, p.left);
        tryPair(p.left, L.next);
    }

    for (int i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) {
        const Symbol& s = sym[static_cast<size_t>(i)];
        const std::string_view piece = whole.substr(s.begin, s.len);
        if (auto it = m_pieces.find(piece); it != m_pieces.end()) {
            out.push_back(it->second);
            continue;
        }
        for (unsigned char b : piece) out.push_back(m_byteIds[b] >= 0 ? m_byteIds[b] : m_unkId);
    }
    return out;
}

std::string ScoreBpeTokenizer::decode(const std::vector<int>& ids) const {
    std::string out;
    for (int id : ids) {
        if (id < 0 || id >= vocabSize()) continue;
        const size_t i = static_cast<size_t>(id);
        if (m_types[i] == Byte) {
            out += static_cast<char>(parseByteToken(m_tokens[i]));
        } else if (m_types[i] == Normal || m_types[i] == UserDefined) {
            const std::string& t = m_tokens[i];
            for (size_t p = 0; p < t.size();) {
                if (t.compare(p, kSpace.size(), kSpace) == 0) {
                    out += ' ';
                    p += kSpace.size();
                } else {
                    out += t[p++];
                }
            }
        }
    }
    return out;
}

} // namespace ctscope
