#include "core/train/added_tokens.h"

#include "core/train/text_normalizer.h"
#include "core/train/token_text.h"

#include <algorithm>

namespace ctscope::tok {
namespace {

// The code point that ends s (s non-empty, well formed).
char32_t lastChar(std::string_view s) {
    size_t b = s.size() - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
    return decodeUtf8(s.substr(b), nullptr);
}

} // namespace

void AddedTokens::build(const TextNormalizer& n) {
    for (Matcher* m : {&m_raw, &m_normalized}) {
        for (auto& v : m->byFirstByte) v.clear();
        m->patterns.assign(m_tokens.size(), std::string());
        m->any = false;
    }
    m_byId.clear();
    for (size_t i = 0; i < m_tokens.size(); ++i) {
        const AddedToken& t = m_tokens[i];
        m_byId.emplace(t.id, i);
        Matcher& m = t.normalized ? m_normalized : m_raw;
        std::string p = t.normalized ? n.apply(t.content) : t.content;
        if (p.empty()) continue;
        m.byFirstByte[static_cast<unsigned char>(p[0])].push_back(static_cast<int>(i));
        m.patterns[i] = std::move(p);
        m.any = true;
    }
    for (Matcher* m : {&m_raw, &m_normalized})
        for (auto& v : m->byFirstByte)
            std::stable_sort(v.begin(), v.end(), [m](int a, int b) {
                return m->patterns[static_cast<size_t>(a)].size() > m->patterns[static_cast<size_t>(b)].size();
            });
}

std::vector<AddedTokens::Segment> AddedTokens::split(std::string_view text, bool normalizedSet) const {
    const Matcher& m = normalizedSet ? m_normalized : m_raw;
    std::vector<Segment> out;
    if (!m.any) {
        if (!text.empty()) out.push_back({0, text.size(), -1});
        return out;
    }
    // AddedVocabulary::find_matches over a leftmost-longest automaton: the
    // matches are found first, then filtered and widened one by one.
    size_t startOffset = 0;
    for (size_t i = 0; i < text.size();) {
        int hit = -1;
        for (int k : m.byFirstByte[static_cast<unsigned char>(text[i])]) {
            const std::string& p = m.patterns[static_cast<size_t>(k)];
            if (text.compare(i, p.size(), p) == 0) {
                hit = k;
                break;
            }
        }
        if (hit < 0) {
            ++i;
            continue;
        }
        const AddedToken& t = m_tokens[static_cast<size_t>(hit)];
        size_t start = i, stop = i + m.patterns[static_cast<size_t>(hit)].size();
        i = stop;
        if (start < startOffset) continue;  // inside whitespace an rstrip already took
        if (t.singleWord) {
            const bool spaceBefore = start == 0 || !isWordChar(lastChar(text.substr(0, start)));
            const bool spaceAfter = stop == text.size() || !isWordChar(decodeUtf8(text.substr(stop), nullptr));
            if (!spaceBefore || !spaceAfter) continue;
        }
        if (t.lstrip) start = std::max(start - trailingWhitespace(text.substr(0, start)), startOffset);
        if (t.rstrip) stop += leadingWhitespace(text.substr(stop));
        if (startOffset < start) out.push_back({startOffset, start, -1});
        out.push_back({start, stop, t.id});
        startOffset = stop;
        i = stop;
    }
    if (startOffset < text.size()) out.push_back({startOffset, text.size(), -1});
    return out;
}

const AddedToken* AddedTokens::byId(int id) const {
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

int AddedTokens::idOf(const std::string& content) const {
    for (const AddedToken& t : m_tokens)
        if (t.content == content) return t.id;
    return -1;
}

} // namespace ctscope::tok
