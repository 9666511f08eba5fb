#pragma once
/// Durable output files: every file ctscope writes for the user goes through
/// here, so that a crash or a kill leaves either the old complete file or the
/// new complete one, never a torn one.
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace ctscope {

/// Writes `file` through a temporary file in the same folder (flushed and
/// fsync'd), then renames it over `file`. `write` fills the stream. The
/// temporary is removed on any failure. Throws std::runtime_error naming
/// `file` (disk full, folder missing, ...). Callable from any thread.
void writeFileAtomically(const std::string& file, const std::function<void(std::ostream&)>& write);

/// The same for a string.
void writeFileAtomically(const std::string& file, std::string_view contents);

} // namespace ctscope
