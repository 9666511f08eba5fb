#include "core/train/pre_tokenizer.h"

#include "core/train/token_regex.h"
#include "core/train/token_text.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

namespace ctscope::tok {
namespace {

using Behavior = PreTokenizer::Behavior;

struct Span {
    size_t begin, end;
    bool match;
};

// tokenizers' Pattern::find_matches for a regex: matches and the gaps
// between them, covering the whole string.
std::vector<Span> regexSpans(const TokenRegex& re, std::string_view s) {
    std::vector<Span> out;
    size_t prev = 0;
    for (const auto& [b, e] : re.findAll(s)) {
        if (prev != b) out.push_back({prev, b, false});
        out.push_back({b, e, true});
        prev = e;
    }
    if (prev != s.size()) out.push_back({prev, s.size(), false});
    return out;
}

// The same for a character predicate: each matching character is a match of its own.
template <typename Pred>
std::vector<Span> charSpans(std::string_view s, Pred pred) {
    std::vector<Span> out;
    size_t last = 0;
    for (size_t i = 0; i < s.size();) {
        size_t n = 0;
        const char32_t cp = decodeUtf8(s.substr(i), &n);
        if (pred(cp)) {
            if (last < i) out.push_back({last, i, false});
            out.push_back({i, i + n, true});
            last = i + n;
        }
        i += n;
    }
    if (last < s.size()) out.push_back({last, s.size(), false});
    return out;
}

// NormalizedString::split's delimiter behaviours.
std::vector<Span> behave(std::vector<Span> spans, Behavior b, bool invert) {
    if (invert)
        for (Span& s : spans) s.match = !s.match;
    std::vector<Span> out;
    switch (b) {
    case Behavior::Isolated:
        return spans;
    case Behavior::Removed:
        for (const Span& s : spans)
            if (!s.match) out.push_back(s);
        return out;
    case Behavior::MergedWithPrevious: {
        bool previousMatch = false;
        for (const Span& s : spans) {
            if (s.match && !previousMatch && !out.empty()) out.back().end = s.end;
            else out.push_back({s.begin, s.end, false});
            previousMatch = s.match;
        }
        return out;
    }
    case Behavior::MergedWithNext: {
        bool previousMatch = false;
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
            if (it->match && !previousMatch && !out.empty()) out.back().begin = it->begin;
            else out.push_back({it->begin, it->end, false});
            previousMatch = it->match;
        }
        return std::vector<Span>(out.rbegin(), out.rend());
    }
    case Behavior::Contiguous: {
        bool previousMatch = false;
        for (const Span& s : spans) {
            if (s.match == previousMatch && !out.empty()) out.back().end = s.end;
            else out.push_back({s.begin, s.end, false});
            previousMatch = s.match;
        }
        return out;
    }
    }
    return spans;
}

void emit(const PreToken& piece, const std::string& text, const std::vector<Span>& spans, std::vector<PreToken>& out) {
    for (const Span& s : spans) {
        if (s.end <= s.begin) continue;
        out.push_back({text.substr(s.begin, s.end - s.begin), piece.atStart && s.begin == 0});
    }
}

Behavior parseBehavior(const std::string& name, const std::string& file) {
    if (name == "Removed") return Behavior::Removed;
    if (name == "Isolated") return Behavior::Isolated;
    if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (name == "MergedWithNext") return Behavior::MergedWithNext;
    if (name == "Contiguous") return Behavior::Contiguous;
    throw FormatError(file, "pre_tokenizer Split: unknown behavior '" + name + "'");
}

bool isPunctuation(char32_t cp) {
    if (cp < 0x80) return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
                          (cp >= 0x7B && cp <= 0x7E);
    const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

std::string byteLevelMap(std::string_view s) {
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char b : s) out += byteLevelChar(b);
    return out;
}

} // namespace

const char* PreTokenizer::gpt2Pattern() {
    return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
}

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

PreTokenizer::PreTokenizer(const nlohmann::json& j, const std::string& file) {
    if (!j.is_null()) add(j, file);
}

void PreTokenizer::addSplit(const std::string& regex, Behavior behavior, bool invert, const std::string& file) {
    Step s;
    s.kind = Kind::Split;
    s.regex = std::make_shared<TokenRegex>(regex, false, file);
    s.behavior = behavior;
    s.invert = invert;
    m_steps.push_back(std::move(s));
}

void PreTokenizer::addByteLevel(bool addPrefixSpace, bool useRegex, const std::string& file) {
    Step s;
    s.kind = Kind::ByteLevel;
    s.addPrefixSpace = addPrefixSpace;
    if (useRegex) s.regex = std::make_shared<TokenRegex>(gpt2Pattern(), false, file);
    m_steps.push_back(std::move(s));
}

void PreTokenizer::addDigits(bool individual) {
    Step s;
    s.kind = Kind::CharClass;
    s.charClass = CharClass::Numeric;
    s.behavior = individual ? Behavior::Isolated : Behavior::Contiguous;
    m_steps.push_back(std::move(s));
}

void PreTokenizer::add(const nlohmann::json& j, const std::string& file) {
    const std::string type = j.is_object() ? j.value("type", std::string()) : std::string();
    Step s;
    if (type == "Sequence") {
        const auto it = j.find("pretokenizers");
        if (it == j.end() || !it->is_array())
            throw FormatError(file, "pre_tokenizer Sequence without a 'pretokenizers' list");
        for (const auto& p : *it) add(p, file);
        return;
    }
    if (type == "ByteLevel") {
        addByteLevel(j.value("add_prefix_space", true), j.value("use_regex", true), file);
        return;
    }
    if (type == "Digits") {
        addDigits(j.value("individual_digits", false));
        return;
    }
    if (type == "Split") {
        s.kind = Kind::Split;
        s.regex = patternFromJson(j.value("pattern", nlohmann::json()), file, "pre_tokenizer Split");
        s.behavior = parseBehavior(j.value("behavior", std::string("Isolated")), file);
        s.invert = j.value("invert", false);
    } else if (type == "Whitespace") {
        s.kind = Kind::Split;
        s.regex = std::make_shared<TokenRegex>("\\w+|[^\\w\\s]+", false, file);
        s.behavior = Behavior::Removed;
        s.invert = true;
    } else if (type == "WhitespaceSplit") {
        s.kind = Kind::CharClass;
        s.charClass = CharClass::Whitespace;
        s.behavior = Behavior::Removed;
    } else if (type == "Punctuation") {
        s.kind = Kind::CharClass;
        s.charClass = CharClass::Punctuation;
        s.behavior = parseBehavior(j.value("behavior", std::string("Isolated")), file);
    } else if (type == "CharDelimiterSplit") {
        s.kind = Kind::CharClass;
        s.charClass = CharClass::Delimiter;
        const std::string d = j.value("delimiter", std::string());
        if (d.empty()) throw FormatError(file, "pre_tokenizer CharDelimiterSplit without a delimiter");
        s.delimiter = decodeUtf8(d, nullptr);
        s.behavior = Behavior::Removed;
    } else if (type == "Metaspace") {
        s.kind = Kind::Metaspace;
        s.replacement = j.value("replacement", std::string("\xE2\x96\x81"));
        if (s.replacement.empty()) throw FormatError(file, "pre_tokenizer Metaspace with an empty replacement");
        s.delimiter = decodeUtf8(s.replacement, nullptr);
        s.split = j.value("split", true);
        // Older files say add_prefix_space; newer ones prepend_scheme.
        const std::string scheme =
            j.contains("prepend_scheme") && j["prepend_scheme"].is_string()
                ? j["prepend_scheme"].get<std::string>()
                : (j.value("add_prefix_space", true) ? "always" : "never");
        if (scheme == "always") s.prepend = Prepend::Always;
        else if (scheme == "first") s.prepend = Prepend::First;
        else if (scheme == "never") s.prepend = Prepend::Never;
        else throw FormatError(file, "pre_tokenizer Metaspace: unknown prepend_scheme '" + scheme + "'");
    } else {
        throw FormatError(file, "pre_tokenizer '" + (type.empty() ? j.dump() : type) +
                                    "' is not supported (ByteLevel, Split, Digits, Metaspace, Whitespace, "
                                    "WhitespaceSplit, Punctuation, CharDelimiterSplit and Sequence are)");
    }
    m_steps.push_back(std::move(s));
}

void PreTokenizer::run(std::vector<PreToken>& pieces) const {
    for (const Step& s : m_steps) runStep(s, pieces);
}

void PreTokenizer::runStep(const Step& s, std::vector<PreToken>& pieces) const {
    std::vector<PreToken> out;
    out.reserve(pieces.size());
    for (PreToken& piece : pieces) {
        if (piece.text.empty()) continue;
        switch (s.kind) {
        case Kind::ByteLevel: {
            std::string text = std::move(piece.text);
            if (s.addPrefixSpace && text[0] != ' ') text.insert(text.begin(), ' ');
            if (!s.regex) {
                out.push_back({byteLevelMap(text), piece.atStart});
                break;
            }
            for (const Span& sp : regexSpans(*s.regex, text))
                if (sp.end > sp.begin)
                    out.push_back({byteLevelMap(std::string_view(text).substr(sp.begin, sp.end - sp.begin)),
                                   piece.atStart && sp.begin == 0});
            break;
        }
        case Kind::Split:
            emit(piece, piece.text, behave(regexSpans(*s.regex, piece.text), s.behavior, s.invert), out);
            break;
        case Kind::CharClass: {
            auto pred = [&s](char32_t cp) {
                switch (s.charClass) {
                case CharClass::Numeric: return isNumeric(cp);
                case CharClass::Whitespace: return isWhitespace(cp);
                case CharClass::Punctuation: return isPunctuation(cp);
                case CharClass::Delimiter: return cp == s.delimiter;
                }
                return false;
            };
            emit(piece, piece.text, behave(charSpans(piece.text, pred), s.behavior, s.invert), out);
            break;
        }
        case Kind::Metaspace: {
            std::string text;
            text.reserve(piece.text.size() + 8);
            for (char c : piece.text) {
                if (c == ' ') text += s.replacement;
                else text += c;
            }
            const bool startsWith = text.compare(0, s.replacement.size(), s.replacement) == 0;
            if (!startsWith && (s.prepend == Prepend::Always || (s.prepend == Prepend::First && piece.atStart)))
                text.insert(0, s.replacement);
            PreToken p{std::move(text), piece.atStart};
            if (!s.split) {
                out.push_back(std::move(p));
                break;
            }
            const char32_t rep = s.delimiter;
            emit(p, p.text, behave(charSpans(p.text, [rep](char32_t cp) { return cp == rep; }),
                                   Behavior::MergedWithNext, false),
                 out);
            break;
        }
        }
    }
    pieces = std::move(out);
}

} // namespace ctscope::tok
