#include "core/train/text_normalizer.h"

#include "core/train/token_regex.h"
#include "core/train/token_text.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <cstdlib>

namespace ctscope::tok {
namespace {

std::string unicodeMap(const std::string& text, int options) {
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            static_cast<utf8proc_ssize_t>(text.size()), &out,
                                            static_cast<utf8proc_option_t>(options));
    if (n < 0) {
        std::free(out);
        throw FormatError("", std::string("Unicode normalisation failed: ") + utf8proc_errmsg(n));
    }
    std::string s(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
    std::free(out);
    return s;
}

std::string lowercase(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        size_t n = 0;
        const char32_t cp = decodeUtf8(std::string_view(text).substr(i), &n);
        appendUtf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
        i += n;
    }
    return out;
}

int unicodeOptions(const std::string& form) {
    const int base = UTF8PROC_STABLE;
    if (form == "NFC") return base | UTF8PROC_COMPOSE;
    if (form == "NFD") return base | UTF8PROC_DECOMPOSE;
    if (form == "NFKC") return base | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    if (form == "NFKD") return base | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
    return 0;
}

} // namespace

TextNormalizer::TextNormalizer() = default;
TextNormalizer::~TextNormalizer() = default;
TextNormalizer::TextNormalizer(TextNormalizer&&) noexcept = default;
TextNormalizer& TextNormalizer::operator=(TextNormalizer&&) noexcept = default;

TextNormalizer::TextNormalizer(const nlohmann::json& j, const std::string& file) {
    if (!j.is_null()) add(j, file);
}

void TextNormalizer::addUnicodeForm(const std::string& form) {
    Step s;
    s.kind = Kind::Unicode;
    s.unicodeOptions = unicodeOptions(form);
    m_steps.push_back(std::move(s));
}

void TextNormalizer::add(const nlohmann::json& j, const std::string& file) {
    const std::string type = j.is_object() ? j.value("type", std::string()) : std::string();
    Step s;
    if (type == "Sequence") {
        const auto it = j.find("normalizers");
        if (it == j.end() || !it->is_array()) throw FormatError(file, "normalizer Sequence without a 'normalizers' list");
        for (const auto& n : *it) add(n, file);
        return;
    }
    if (unicodeOptions(type) != 0) {
        addUnicodeForm(type);
        return;
    }
    if (type == "Lowercase") {
        s.kind = Kind::Lowercase;
    } else if (type == "Strip") {
        s.kind = Kind::Strip;
        s.left = j.value("strip_left", true);
        s.right = j.value("strip_right", true);
    } else if (type == "Prepend") {
        s.kind = Kind::Prepend;
        s.text = j.value("prepend", std::string());
    } else if (type == "Replace") {
        s.kind = Kind::Replace;
        s.text = j.value("content", std::string());
        s.regex = patternFromJson(j.value("pattern", nlohmann::json()), file, "normalizer Replace");
    } else {
        throw FormatError(file, "normalizer '" + (type.empty() ? j.dump() : type) +
                                    "' is not supported (NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, "
                                    "Replace and Sequence are)");
    }
    m_steps.push_back(std::move(s));
}

std::string TextNormalizer::apply(std::string text) const {
    for (const Step& s : m_steps) {
        switch (s.kind) {
        case Kind::Unicode:
            if (!text.empty()) text = unicodeMap(text, s.unicodeOptions);
            break;
        case Kind::Lowercase:
            text = lowercase(text);
            break;
        case Kind::Strip: {
            const size_t lead = s.left ? leadingWhitespace(text) : 0;
            const size_t trail = s.right && lead < text.size() ? trailingWhitespace(std::string_view(text).substr(lead)) : 0;
            text = text.substr(lead, text.size() - lead - trail);
            break;
        }
        case Kind::Prepend:
            // tokenizers prepends only to a non-empty string.
            if (!text.empty()) text = s.text + text;
            break;
        case Kind::Replace:
            text = s.regex->replaceAll(text, s.text);
            break;
        }
    }
    return text;
}

} // namespace ctscope::tok
