#include "core/train/token_regex.h"

#include "core/train/token_text.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace ctscope::tok {

struct TokenRegex::Code {
    pcre2_code* code = nullptr;
    bool jit = false;
};

namespace {

std::string pcreMessage(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<const char*>(buf);
}

// One match block and JIT stack per thread, reused across patterns (a
// one-pair ovector is all findAll reads).
struct ThreadMatch {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    ThreadMatch() {
        if (context && stack) pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~ThreadMatch() {
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(stack);
        pcre2_match_data_free(data);
    }
};

} // namespace

TokenRegex::TokenRegex(const std::string& pattern, bool literal, const std::string& where)
    : m_pattern(pattern), m_where(where), m_code(std::make_unique<Code>()) {
    int err = 0;
    PCRE2_SIZE errOffset = 0;
    // PCRE2_LITERAL admits no UCP (a literal has no classes to widen).
    const uint32_t options = PCRE2_UTF | PCRE2_NO_UTF_CHECK | (literal ? PCRE2_LITERAL : PCRE2_UCP);
    m_code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &err,
                                 &errOffset, nullptr);
    if (!m_code->code)
        throw FormatError(where, "cannot compile the regex /" + pattern + "/ at offset " + std::to_string(errOffset) +
                                     ": " + pcreMessage(err));
    m_code->jit = pcre2_jit_compile(m_code->code, PCRE2_JIT_COMPLETE) == 0;
}

TokenRegex::~TokenRegex() {
    if (m_code && m_code->code) pcre2_code_free(m_code->code);
}

std::vector<std::pair<size_t, size_t>> TokenRegex::findAll(std::string_view text) const {
    thread_local ThreadMatch tm;
    std::vector<std::pair<size_t, size_t>> out;
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t start = 0;
    size_t lastEnd = std::string_view::npos;
    while (start <= text.size()) {
        const int rc = m_code->jit
                           ? pcre2_jit_match(m_code->code, subject, text.size(), start, 0, tm.data, tm.context)
                           : pcre2_match(m_code->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, tm.data,
                                         tm.context);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0)
            throw FormatError(m_where, "regex /" + m_pattern + "/ failed on the text: " + pcreMessage(rc));
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(tm.data);
        const size_t b = ov[0], e = ov[1];
        if (b == e) {
            if (b != lastEnd) out.emplace_back(b, e);
            if (b >= text.size()) break;
            const size_t n = utf8Length(text.substr(b));
            start = b + (n == 0 ? 1 : n);
            lastEnd = e;
            continue;
        }
        out.emplace_back(b, e);
        lastEnd = e;
        start = e;
    }
    return out;
}

std::string TokenRegex::replaceAll(std::string_view text, const std::string& content) const {
    std::string out;
    size_t prev = 0;
    for (const auto& [b, e] : findAll(text)) {
        out.append(text.data() + prev, b - prev);
        out += content;
        prev = e;
    }
    out.append(text.data() + prev, text.size() - prev);
    return out;
}

std::shared_ptr<TokenRegex> patternFromJson(const nlohmann::json& j, const std::string& file, const std::string& what) {
    if (j.is_object()) {
        if (auto it = j.find("Regex"); it != j.end() && it->is_string())
            return std::make_shared<TokenRegex>(it->get<std::string>(), false, file);
        if (auto it = j.find("String"); it != j.end() && it->is_string())
            return std::make_shared<TokenRegex>(it->get<std::string>(), true, file);
    }
    throw FormatError(file, what + ": expected a pattern {\"Regex\": ...} or {\"String\": ...}, got " + j.dump());
}

} // namespace ctscope::tok
