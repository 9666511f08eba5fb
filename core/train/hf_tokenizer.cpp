#include "core/train/hf_tokenizer.h"

#include "core/train/token_text.h"

namespace ctscope {

void HfTokenizer::finish() {
    m_added.build(m_normalizer);
    m_size = m_model->size();
    for (const tok::AddedToken& t : m_added.tokens()) m_size = std::max(m_size, t.id + 1);
}

std::vector<int> HfTokenizer::encode(const std::string& raw) const {
    std::vector<int> out;
    const std::string text = tok::sanitizeUtf8(raw);
    std::vector<tok::PreToken> pieces;
    // AddedVocabulary::extract_and_normalize: non-normalized added tokens are
    // cut from the raw text; each gap is normalised, and the normalized added
    // tokens cut from it; what is left is pre-tokenized and merged.
    for (const auto& seg : m_added.split(text, false)) {
        if (seg.id >= 0) {
            out.push_back(seg.id);
            continue;
        }
        const std::string norm = m_normalizer.apply(text.substr(seg.begin, seg.end - seg.begin));
        for (const auto& sub : m_added.split(norm, true)) {
            if (sub.id >= 0) {
                out.push_back(sub.id);
                continue;
            }
            pieces.clear();
            pieces.push_back({norm.substr(sub.begin, sub.end - sub.begin), seg.begin == 0 && sub.begin == 0});
            m_pre.run(pieces);
            for (const tok::PreToken& p : pieces) m_model->tokenize(p.text, out);
        }
    }
    return out;
}

std::string HfTokenizer::tokenPiece(int id) const {
    if (const tok::AddedToken* t = m_added.byId(id)) return t->content;
    return m_model->token(id);
}

int HfTokenizer::tokenId(const std::string& content) const {
    const int added = m_added.idOf(content);
    return added >= 0 ? added : m_model->id(content);
}

std::string HfTokenizer::decode(const std::vector<int>& ids) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int id : ids) {
        std::string t = tokenPiece(id);
        if (!t.empty()) tokens.push_back(std::move(t));
    }
    return m_decoder.decode(std::move(tokens));
}

} // namespace ctscope
