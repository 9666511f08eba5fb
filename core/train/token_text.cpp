#include "core/train/token_text.h"

#include <utf8proc.h>

#include <array>

namespace ctscope::tok {

size_t utf8Length(std::string_view s) {
    if (s.empty()) return 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return 0;
    if (len > s.size()) return 0;
    for (size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

std::string sanitizeUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8Length(s.substr(i));
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
    return out;
}

char32_t decodeUtf8(std::string_view s, size_t* length) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char c = p[0];
    size_t n = 1;
    char32_t cp = c;
    if (c >= 0xF0 && s.size() >= 4) n = 4, cp = c & 0x07;
    else if (c >= 0xE0 && s.size() >= 3) n = 3, cp = c & 0x0F;
    else if (c >= 0xC0 && s.size() >= 2) n = 2, cp = c & 0x1F;
    for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (p[i] & 0x3F);
    if (length) *length = n;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool isWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isNumeric(char32_t cp) {
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

bool isWordChar(char32_t cp) {
    if (cp == '_') return true;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) || isNumeric(cp);
}

size_t trailingWhitespace(std::string_view s) {
    size_t end = s.size();
    while (end > 0) {
        size_t begin = end - 1;
        while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80) --begin;
        if (!isWhitespace(decodeUtf8(s.substr(begin, end - begin), nullptr))) break;
        end = begin;
    }
    return s.size() - end;
}

size_t leadingWhitespace(std::string_view s) {
    size_t p = 0;
    while (p < s.size()) {
        size_t n = 0;
        if (!isWhitespace(decodeUtf8(s.substr(p), &n))) break;
        p += n;
    }
    return p;
}

namespace {

struct ByteLevelTables {
    std::array<std::string, 256> chars;
    std::array<char32_t, 256> codepoints{};
    ByteLevelTables() {
        // bytes_to_unicode(): printable Latin-1 bytes stand for themselves,
        // the other 68 take U+0100 onwards in byte order.
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            codepoints[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
            appendUtf8(chars[static_cast<size_t>(b)], codepoints[static_cast<size_t>(b)]);
        }
    }
};

const ByteLevelTables& tables() {
    static const ByteLevelTables t;
    return t;
}

} // namespace

const std::string& byteLevelChar(unsigned char b) { return tables().chars[b]; }

int byteLevelByte(char32_t cp) {
    if (cp < 256) {
        const bool printable = (cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255);
        return printable ? static_cast<int>(cp) : -1;
    }
    if (cp >= 256 + 68) return -1;
    const auto& cps = tables().codepoints;
    for (int b = 0; b < 256; ++b)
        if (cps[static_cast<size_t>(b)] == cp) return b;
    return -1;
}

} // namespace ctscope::tok
