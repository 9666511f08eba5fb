#include "core/train/text_data.h"

#include "core/train/tokenizer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ctscope {
namespace {

const std::string kDocSeparator = "<|endoftext|>";

std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open data file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool isJsonl(const std::string& path, const std::string& content) {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".jsonl" || ext == ".ndjson") return true;
    const auto p = content.find_first_not_of(" \t\r\n");
    return p != std::string::npos && content[p] == '{';
}

std::vector<std::string> splitOnSeparator(const std::string& content) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (true) {
        const size_t next = content.find(kDocSeparator, pos);
        out.push_back(content.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) break;
        pos = next + kDocSeparator.size();
    }
    return out;
}

std::vector<TextDocument> parseJsonl(const std::string& path, const std::string& content) {
    std::vector<TextDocument> docs;
    std::istringstream in(content);
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (stripWhitespace(line).empty()) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const std::exception& e) {
            throw FormatError(path, "line " + std::to_string(lineNo) + ": invalid JSON (" + e.what() + ")");
        }
        auto str = [&](const char* key) -> std::string {
            if (!j.is_object() || !j.contains(key)) return {};
            if (!j[key].is_string())
                throw FormatError(path, "line " + std::to_string(lineNo) + ": \"" + key + "\" is not a string");
            return j[key].get<std::string>();
        };
        TextDocument d;
        if (j.is_object() && j.contains("text")) {
            d.text = stripWhitespace(str("text"));
        } else if (j.is_object() && j.contains("prompt") && j.contains("response")) {
            d.prompt = stripWhitespace(str("prompt"));
            d.text = stripWhitespace(str("response"));
            d.hasPrompt = true;
        } else {
            throw FormatError(path, "line " + std::to_string(lineNo) +
                                        ": expected an object with \"text\" or \"prompt\" and \"response\"");
        }
        if (!d.text.empty()) docs.push_back(std::move(d));
    }
    return docs;
}

struct Stream {
    std::vector<int> tokens;
    std::vector<uint8_t> target;  // 1: the token at this position is a loss target
    void append(const TextDocument& d, const Tokenizer& tok) {
        // BOS, or the tokenizer's stand-in when it has none (see documentStartId).
        if (const int start = tok.documentStartId(); start >= 0) {
            tokens.push_back(start);
            target.push_back(0);
        }
        if (d.hasPrompt) {
            for (int id : tok.encode(d.prompt)) {
                tokens.push_back(id);
                target.push_back(0);
            }
        }
        for (int id : tok.encode(d.text)) {
            tokens.push_back(id);
            target.push_back(1);
        }
        if (d.hasPrompt) {  // teach the end of a response
            tokens.push_back(tok.eosId());
            target.push_back(1);
        }
    }
    std::vector<TokenWindow> windows(int seq, size_t begin, size_t end) const {
        std::vector<TokenWindow> out;
        const size_t s = static_cast<size_t>(seq);
        for (size_t p = begin; p + s + 1 <= end; p += s) {
            TokenWindow w;
            w.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(p),
                            tokens.begin() + static_cast<std::ptrdiff_t>(p + s + 1));
            w.mask.assign(target.begin() + static_cast<std::ptrdiff_t>(p + 1),
                          target.begin() + static_cast<std::ptrdiff_t>(p + s + 1));
            out.push_back(std::move(w));
        }
        return out;
    }
};

std::vector<TokenWindow> evenlySpaced(std::vector<TokenWindow> all, int keep) {
    if (keep <= 0 || static_cast<int>(all.size()) <= keep) return all;
    std::vector<TokenWindow> out;
    for (int i = 0; i < keep; ++i) {
        const size_t idx = static_cast<size_t>(static_cast<double>(i) * all.size() / keep);
        out.push_back(std::move(all[idx]));
    }
    return out;
}

} // namespace

std::string stripWhitespace(const std::string& s) {
    const char* ws = " \t\r\n\v\f";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

std::vector<TextDocument> readDocuments(const std::string& path) {
    const std::string content = readWholeFile(path);
    std::vector<TextDocument> docs;
    if (isJsonl(path, content)) {
        docs = parseJsonl(path, content);
    } else {
        for (auto& part : splitOnSeparator(content)) {
            TextDocument d;
            d.text = stripWhitespace(part);
            if (!d.text.empty()) docs.push_back(std::move(d));
        }
    }
    if (docs.empty()) throw FormatError(path, "no text found");
    return docs;
}

std::vector<std::string> readEvalDocuments(const std::string& path, int maxDocs) {
    std::vector<std::string> out;
    for (auto& part : splitOnSeparator(readWholeFile(path))) {
        std::string s = stripWhitespace(part);
        if (s.empty()) continue;
        out.push_back(std::move(s));
        if (maxDocs > 0 && static_cast<int>(out.size()) >= maxDocs) break;
    }
    if (out.empty()) throw FormatError(path, "no documents found");
    return out;
}

namespace {

std::vector<size_t> permutation(size_t n, int seed) {
    std::vector<size_t> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = i;
    // splitmix64-seeded xorshift: the same order on every platform (unlike std::shuffle).
    uint64_t x = 0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(seed) + 1);
    auto next = [&x]() {
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    for (size_t i = n; i > 1; --i) std::swap(p[i - 1], p[next() % i]);
    return p;
}

} // namespace

std::vector<size_t> batchWindows(size_t nTrain, int seed, int step, int batch) {
    std::vector<size_t> out;
    if (nTrain == 0) return out;
    const auto perm = permutation(nTrain, seed);
    for (int j = 0; j < batch; ++j)
        out.push_back(perm[(static_cast<size_t>(step) * static_cast<size_t>(batch) + static_cast<size_t>(j)) % nTrain]);
    return out;
}

std::vector<size_t> windowsUsed(size_t nTrain, int seeds, int steps, int batch) {
    std::vector<uint8_t> used(nTrain, 0);
    for (int s = 0; s < seeds; ++s) {
        if (nTrain == 0) break;
        const auto perm = permutation(nTrain, s);
        const size_t n = std::min(nTrain, static_cast<size_t>(steps) * static_cast<size_t>(batch));
        for (size_t i = 0; i < n; ++i) used[perm[i]] = 1;
    }
    std::vector<size_t> out;
    for (size_t i = 0; i < nTrain; ++i)
        if (used[i]) out.push_back(i);
    return out;
}

PackedData packDocuments(const std::vector<TextDocument>& docs, const Tokenizer& tok, const PackOptions& opts) {
    if (opts.seq < 2) throw std::runtime_error("sequence length must be at least 2");
    if (!(opts.heldOutFraction > 0.0 && opts.heldOutFraction < 1.0))
        throw std::runtime_error("held-out fraction must lie in (0, 1)");
    PackedData out;
    out.seq = opts.seq;
    Stream train, held;
    if (docs.size() >= 20) {
        out.splitByDocument = true;
        const size_t every = std::max<size_t>(2, static_cast<size_t>(std::lround(1.0 / opts.heldOutFraction)));
        for (size_t i = 0; i < docs.size(); ++i) ((i + 1) % every == 0 ? held : train).append(docs[i], tok);
        out.train = train.windows(opts.seq, 0, train.tokens.size());
        out.heldOut = held.windows(opts.seq, 0, held.tokens.size());
        out.trainTokens = static_cast<int64_t>(train.tokens.size());
        out.heldOutTokens = static_cast<int64_t>(held.tokens.size());
    } else {
        for (const auto& d : docs) train.append(d, tok);
        const size_t n = train.tokens.size();
        auto cut = static_cast<size_t>(std::floor(static_cast<double>(n) * (1.0 - opts.heldOutFraction)));
        // The held-out part must hold at least one whole window.
        cut = std::min(cut, n > static_cast<size_t>(opts.seq) + 1 ? n - opts.seq - 1 : 0);
        out.train = train.windows(opts.seq, 0, cut);
        out.heldOut = train.windows(opts.seq, cut, n);
        out.trainTokens = static_cast<int64_t>(cut);
        out.heldOutTokens = static_cast<int64_t>(n - cut);
    }
    if (out.train.empty() || out.heldOut.empty())
        throw std::runtime_error("not enough text for one training and one held-out window of " +
                                 std::to_string(opts.seq) + " tokens (try a smaller --seq)");
    out.heldOut = evenlySpaced(std::move(out.heldOut), opts.heldOutWindows);
    return out;
}

} // namespace ctscope
