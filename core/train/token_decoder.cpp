#include "core/train/token_decoder.h"

#include "core/train/token_regex.h"
#include "core/train/token_text.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

namespace ctscope::tok {
namespace {

// String::from_utf8_lossy on bytes that tokenizers' ByteFallback gathered:
// all of them as one string when valid, else one U+FFFD per byte.
std::string bytesOrReplacement(const std::string& bytes) {
    if (sanitizeUtf8(bytes) == bytes) return bytes;
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) out += "\xEF\xBF\xBD";
    return out;
}

int byteToken(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; ++i) {
        const char c = t[static_cast<size_t>(i)];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else return -1;
    }
    return v;
}

} // namespace

TokenDecoder::TokenDecoder() = default;
TokenDecoder::~TokenDecoder() = default;
TokenDecoder::TokenDecoder(TokenDecoder&&) noexcept = default;
TokenDecoder& TokenDecoder::operator=(TokenDecoder&&) noexcept = default;

TokenDecoder::TokenDecoder(const nlohmann::json& j, const std::string& file) {
    if (j.is_null()) return;
    m_none = false;
    add(j, file);
}

void TokenDecoder::addByteLevel() {
    m_none = false;
    Step s;
    s.kind = Kind::ByteLevel;
    m_steps.push_back(s);
}

void TokenDecoder::add(const nlohmann::json& j, const std::string& file) {
    const std::string type = j.is_object() ? j.value("type", std::string()) : std::string();
    Step s;
    if (type == "Sequence") {
        const auto it = j.find("decoders");
        if (it == j.end() || !it->is_array()) throw FormatError(file, "decoder Sequence without a 'decoders' list");
        for (const auto& d : *it) add(d, file);
        return;
    }
    if (type == "ByteLevel") {
        s.kind = Kind::ByteLevel;
    } else if (type == "Metaspace") {
        s.kind = Kind::Metaspace;
        s.text = j.value("replacement", std::string("\xE2\x96\x81"));
        s.prepend = j.contains("prepend_scheme") && j["prepend_scheme"].is_string()
                        ? j["prepend_scheme"].get<std::string>() != "never"
                        : j.value("add_prefix_space", true);
    } else if (type == "Replace") {
        s.kind = Kind::Replace;
        s.text = j.value("content", std::string());
        s.regex = patternFromJson(j.value("pattern", nlohmann::json()), file, "decoder Replace");
    } else if (type == "ByteFallback") {
        s.kind = Kind::ByteFallback;
    } else if (type == "Fuse") {
        s.kind = Kind::Fuse;
    } else if (type == "Strip") {
        s.kind = Kind::Strip;
        s.text = j.value("content", std::string(" "));
        s.start = j.value("start", 0);
        s.stop = j.value("stop", 0);
    } else if (type == "BPEDecoder") {
        s.kind = Kind::BpeSuffix;
        s.text = j.value("suffix", std::string("</w>"));
    } else {
        throw FormatError(file, "decoder '" + (type.empty() ? j.dump() : type) + "' is not supported");
    }
    m_steps.push_back(std::move(s));
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
    if (m_none) {
        std::string out;
        for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
        return out;
    }
    for (const Step& s : m_steps) {
        std::vector<std::string> next;
        switch (s.kind) {
        case Kind::ByteLevel: {
            std::string bytes;
            for (const std::string& t : tokens) {
                std::string mine;
                bool all = true;
                for (size_t i = 0; i < t.size() && all;) {
                    size_t n = 0;
                    const int b = byteLevelByte(decodeUtf8(std::string_view(t).substr(i), &n));
                    if (b < 0) all = false;
                    else mine += static_cast<char>(b);
                    i += n;
                }
                bytes += all ? mine : t;
            }
            next.push_back(sanitizeUtf8(bytes));
            break;
        }
        case Kind::Metaspace:
            for (size_t i = 0; i < tokens.size(); ++i) {
                std::string out;
                const std::string& t = tokens[i];
                for (size_t p = 0; p < t.size();) {
                    if (t.compare(p, s.text.size(), s.text) == 0) {
                        if (!(i == 0 && s.prepend)) out += ' ';
                        p += s.text.size();
                    } else {
                        out += t[p++];
                    }
                }
                next.push_back(std::move(out));
            }
            break;
        case Kind::Replace:
            for (const std::string& t : tokens) next.push_back(s.regex->replaceAll(t, s.text));
            break;
        case Kind::ByteFallback: {
            std::string pending;
            for (const std::string& t : tokens) {
                if (const int b = byteToken(t); b >= 0) {
                    pending += static_cast<char>(b);
                    continue;
                }
                if (!pending.empty()) next.push_back(bytesOrReplacement(pending)), pending.clear();
                next.push_back(t);
            }
            if (!pending.empty()) next.push_back(bytesOrReplacement(pending));
            break;
        }
        case Kind::Fuse: {
            std::string all;
            for (const std::string& t : tokens) all += t;
            next.push_back(std::move(all));
            break;
        }
        case Kind::Strip:
            for (std::string t : tokens) {
                for (int k = 0; k < s.start && t.compare(0, s.text.size(), s.text) == 0; ++k) t.erase(0, s.text.size());
                for (int k = 0; k < s.stop && t.size() >= s.text.size() &&
                                t.compare(t.size() - s.text.size(), s.text.size(), s.text) == 0;
                     ++k)
                    t.erase(t.size() - s.text.size());
                next.push_back(std::move(t));
            }
            break;
        case Kind::BpeSuffix:
            for (size_t i = 0; i < tokens.size(); ++i) {
                std::string t = tokens[i];
                for (size_t p; !s.text.empty() && (p = t.find(s.text)) != std::string::npos;)
                    t.replace(p, s.text.size(), i + 1 == tokens.size() ? "" : " ");
                next.push_back(std::move(t));
            }
            break;
        }
        tokens = std::move(next);
    }
    std::string out;
    for (const std::string& t : tokens) out += t;
    return out;
}

} // namespace ctscope::tok
