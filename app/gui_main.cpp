// Placeholder until the desktop explorer lands (issue 4): runs `analyze` on the
// given checkpoint or the demo.
#include "app/commands.h"

#include <string>
#include <vector>

namespace ctscope::cli {
int runGui(int argc, char** argv) {
    std::vector<std::string> store{"ctscope", "analyze", argc >= 2 ? argv[1] : "demo"};
    std::vector<char*> args;
    for (auto& s : store) args.push_back(s.data());
    return cmdAnalyze(static_cast<int>(args.size()), args.data());
}
} // namespace ctscope::cli
