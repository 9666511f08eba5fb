// Placeholder until the training engine lands (issue 3).
#include "app/commands.h"

#include <cstdio>

namespace ctscope::cli {
int cmdEval(int, char**) { std::fputs("ctscope eval: not available in this build yet\n", stderr); return 2; }
int cmdFinetune(int, char**) { std::fputs("ctscope finetune: not available in this build yet\n", stderr); return 2; }
} // namespace ctscope::cli
