#include "core/train/bpe_merges.h"

#include "core/train/token_text.h"
#include "core/util/error.h"

#include <cstdio>
#include <queue>

namespace ctscope::tok {
namespace {

constexpr size_t kMaxCachedWord = 256;   // tokenizers caches words shorter than this
constexpr size_t kMaxCacheEntries = 1u << 16;  // then cleared: bounded memory

uint64_t pairKey(int a, int b) { return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b); }

struct Symbol {
    int id;
    int prev, next;
    uint32_t len;  // bytes of the word; 0 once merged away
};

struct Merge {
    int rank;
    int pos;
    int newId;
};

// tokenizers' order: lowest rank first, then the leftmost position.
struct MergeAfter {
    bool operator()(const Merge& a, const Merge& b) const {
        return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
    }
};

} // namespace

BpeModel::BpeModel(const std::vector<std::pair<std::string, int>>& vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                   const std::string& file)
    : m_opt(std::move(options)), m_file(file) {
    int maxId = -1;
    for (const auto& [t, id] : vocab) {
        if (id < 0) throw FormatError(file, "vocabulary id " + std::to_string(id) + " of '" + t + "' is negative");
        maxId = std::max(maxId, id);
    }
    m_tokens.assign(static_cast<size_t>(maxId + 1), std::string());
    for (const auto& [t, id] : vocab) m_tokens[static_cast<size_t>(id)] = t;
    // Views are taken only once m_tokens is complete: it never changes again.
    m_vocab.reserve(vocab.size());
    for (const auto& [t, id] : vocab) m_vocab[std::string_view(m_tokens[static_cast<size_t>(id)])] = id;

    const size_t prefixLen = m_opt.continuingSubwordPrefix.size();
    m_merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const int ia = id(a), ib = id(b);
        if (ia < 0 || ib < 0)
            throw FormatError(file, "merge " + std::to_string(rank) + " ('" + a + "' '" + b + "'): '" +
                                        (ia < 0 ? a : b) + "' is not in the vocabulary");
        const bool prefixed = prefixLen > 0 && b.compare(0, prefixLen, m_opt.continuingSubwordPrefix) == 0;
        const std::string merged = a + (prefixed ? b.substr(prefixLen) : b);
        const int im = id(merged);
        if (im < 0)
            throw FormatError(file, "merge " + std::to_string(rank) + " ('" + a + "' '" + b + "'): its result '" +
                                        merged + "' is not in the vocabulary");
        m_merges[pairKey(ia, ib)] = {static_cast<int>(rank), im};  // a later duplicate wins, as in tokenizers
    }

    if (!m_opt.unkToken.empty()) m_unkId = id(m_opt.unkToken);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        m_byteIds[b] = id(name);
    }
}

int BpeModel::id(std::string_view token) const {
    const auto it = m_vocab.find(token);
    return it == m_vocab.end() ? -1 : it->second;
}

const std::string& BpeModel::token(int id) const {
    static const std::string kNone;
    return id >= 0 && id < size() ? m_tokens[static_cast<size_t>(id)] : kNone;
}

void BpeModel::tokenize(std::string_view word, std::vector<int>& out) const {
    if (word.empty()) return;
    if (m_opt.ignoreMerges) {
        if (const int whole = id(word); whole >= 0) {
            out.push_back(whole);
            return;
        }
    }
    if (word.size() >= kMaxCachedWord) {
        merge(word, out);
        return;
    }
    const std::string key(word);
    {
        std::lock_guard<std::mutex> lock(m_cacheMutex);
        if (const auto it = m_cache.find(key); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int> ids;
    merge(word, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(m_cacheMutex);
    if (m_cache.size() >= kMaxCacheEntries) m_cache.clear();
    m_cache.emplace(key, std::move(ids));
}

void BpeModel::merge(std::string_view w, std::vector<int>& out) const {
    // tokenizers' BPE::merge_word: characters, with the subword prefix and
    // word suffix, byte fallback, then unk (fused or not).
    std::vector<Symbol> sym;
    sym.reserve(w.size());
    auto add = [&sym](int id, size_t len) {
        const int n = static_cast<int>(sym.size());
        sym.push_back({id, n - 1, n + 1, static_cast<uint32_t>(len)});
    };
    int unkId = -1;
    size_t unkLen = 0;
    std::string piece;
    for (size_t i = 0; i < w.size();) {
        size_t n = utf8Length(w.substr(i));
        if (n == 0) n = 1;
        piece.assign(w.data() + i, n);
        if (i > 0 && !m_opt.continuingSubwordPrefix.empty()) piece = m_opt.continuingSubwordPrefix + piece;
        if (i + n == w.size() && !m_opt.endOfWordSuffix.empty()) piece += m_opt.endOfWordSuffix;
        i += n;
        if (const int id = this->id(piece); id >= 0) {
            if (unkId >= 0) add(unkId, unkLen), unkId = -1;
            add(id, n);
            continue;
        }
        if (m_opt.byteFallback) {
            bool all = true;
            for (unsigned char b : piece) all = all && m_byteIds[b] >= 0;
            if (all) {
                if (unkId >= 0) add(unkId, unkLen), unkId = -1;
                for (unsigned char b : piece) add(m_byteIds[b], 1);
                continue;
            }
        }
        if (m_opt.unkToken.empty()) continue;
        if (m_unkId < 0) throw FormatError(m_file, "unk_token '" + m_opt.unkToken + "' is not in the vocabulary");
        if (unkId >= 0 && m_opt.fuseUnk) {
            unkLen += n;
        } else {
            if (unkId >= 0) add(unkId, unkLen);
            unkId = m_unkId;
            unkLen = n;
        }
    }
    if (unkId >= 0) add(unkId, unkLen);
    if (sym.empty()) return;
    sym.back().next = -1;

    std::priority_queue<Merge, std::vector<Merge>, MergeAfter> queue;
    auto pairAt = [&](int pos) {
        const int next = sym[static_cast<size_t>(pos)].next;
        if (next < 0) return;
        const auto it = m_merges.find(pairKey(sym[static_cast<size_t>(pos)].id, sym[static_cast<size_t>(next)].id));
        if (it != m_merges.end()) queue.push({it->second.first, pos, it->second.second});
    };
    for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i) pairAt(i);
    while (!queue.empty()) {
        const Merge top = queue.top();
        queue.pop();
        Symbol& s = sym[static_cast<size_t>(top.pos)];
        if (s.len == 0 || s.next < 0) continue;
        Symbol& right = sym[static_cast<size_t>(s.next)];
        // A stale entry: the pair here now merges into something else, or not at all.
        const auto it = m_merges.find(pairKey(s.id, right.id));
        if (it == m_merges.end() || it->second.second != top.newId) continue;
        s.id = top.newId;
        s.len += right.len;
        right.len = 0;
        s.next = right.next;
        if (s.next >= 0) sym[static_cast<size_t>(s.next)].prev = top.pos;
        if (s.prev >= 0) pairAt(s.prev);
        pairAt(top.pos);
    }
    for (int i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) out.push_back(sym[static_cast<size_t>(i)].id);
}

} // namespace ctscope::tok
