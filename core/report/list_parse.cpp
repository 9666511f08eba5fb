#include "core/report/list_parse.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace ctscope {

namespace {
bool isSeparator(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

bool parseIntList(const std::string& text, std::vector<int>* out, std::string* bad) {
    out->clear();
    size_t i = 0;
    while (i < text.size()) {
        if (isSeparator(text[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size() && !isSeparator(text[j])) ++j;
        const std::string part = text.substr(i, j - i);
        i = j;
        errno = 0;
        char* end = nullptr;
        const long v = std::strtol(part.c_str(), &end, 10);
        // A lone sign reads as nothing; parts hold no blanks (they are separators).
        const bool digits = part.find_first_of("0123456789") != std::string::npos;
        if (end != part.c_str() + part.size() || errno == ERANGE || v < INT_MIN || v > INT_MAX || !digits) {
            out->clear();
            if (bad) *bad = part;
            return false;
        }
        out->push_back(static_cast<int>(v));
    }
    return true;
}

}  // namespace ctscope
