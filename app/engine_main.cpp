// ctscope-engine: the headless command line with the training engine
// (LibTorch) and no Qt. `ctscope eval|finetune` hand over to it; the window
// starts it as a child process to run a sweep (`finetune ... --progress json`,
// docs/engine-protocol.md). On a GPU node it is the whole command line.
#include "app/commands.h"

#include <cstdio>
#include <string>

namespace {

void printUsage(std::FILE* to) {
    std::fputs(
        "ctscope-engine " CTSCOPE_VERSION " - the headless ctscope with the training engine (no Qt)\n"
        "\n"
        "usage:\n"
        "  ctscope-engine analyze CKPT [options]        spectra by matrix type (--help for options)\n"
        "  ctscope-engine eval CKPT --data FILE         next-token loss in nats/token\n"
        "  ctscope-engine finetune CKPT --data FILE     amplitude-only vs full fine-tuning sweep\n"
        "  ctscope-engine compare BASE OTHER            what a fine-tune moved, by type\n"
        "  ctscope-engine tokenize TOKENIZER --text S   token ids of a text (--help for options)\n"
        "  ctscope-engine sweep status|merge DIR        a sweep spread over shards / Slurm tasks\n"
        "\n"
        "The window and `export` are in ctscope. `ctscope eval|finetune` run this program.\n",
        to);
}

} // namespace

int main(int argc, char** argv) {
    using namespace ctscope::cli;
    const std::string cmd = argc >= 2 ? argv[1] : "";
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        printUsage(stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::puts("ctscope-engine " CTSCOPE_VERSION " (LibTorch " CTSCOPE_TORCH_VERSION ")");
        return 0;
    }
    if (cmd == "analyze") return cmdAnalyze(argc, argv);
    if (cmd == "eval") return cmdEval(argc, argv);
    if (cmd == "finetune") return cmdFinetune(argc, argv);
    if (cmd == "compare") return cmdCompare(argc, argv);
    if (cmd == "tokenize") return cmdTokenize(argc, argv);
    if (cmd == "sweep") return cmdSweep(argc, argv);
    if (cmd == "export" || cmd.empty())
        std::fprintf(stderr, "ctscope-engine: %s is in ctscope (the window's binary), not in the engine\n",
                     cmd.empty() ? "the window" : "export");
    else
        std::fprintf(stderr, "ctscope-engine: unknown command '%s'\n", cmd.c_str());
    printUsage(stderr);
    return 2;
}
