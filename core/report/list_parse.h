#pragma once
/// The one parser of integer lists typed by people ("1, 2 4;8"), used by the
/// frontier's K list, the fine-tuning form and the command line. Any thread.
#include <string>
#include <vector>

namespace ctscope {

/// Splits `text` at commas, semicolons and white space and reads each part
/// as a whole decimal integer (optional sign, in int range). Empty parts are
/// skipped, so "" is an empty list. On a bad part returns false, leaves
/// `out` empty and sets `bad` (when given) to that part.
bool parseIntList(const std::string& text, std::vector<int>* out, std::string* bad = nullptr);

}  // namespace ctscope
