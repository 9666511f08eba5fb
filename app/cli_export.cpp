// Placeholder until the desktop explorer lands (issue 4).
#include "app/commands.h"

#include <cstdio>

namespace ctscope::cli {
int cmdExport(int, char**) { std::fputs("ctscope export: not available in this build yet\n", stderr); return 2; }
} // namespace ctscope::cli
