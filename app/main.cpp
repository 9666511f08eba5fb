// ctscope: the front binary. With a subcommand it runs headless; otherwise it
// opens the desktop explorer on the given checkpoint(s), or on the built-in
// demo. `eval` and `finetune` need LibTorch and are handed to ctscope-engine
// (see app/commands.h); this binary links Qt 6 and never LibTorch.
#include "app/commands.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void printUsage() {
    std::puts(
        "ctscope " CTSCOPE_VERSION " - a CT scan of transformer checkpoints\n"
        "\n"
        "usage:\n"
        "  ctscope [CKPT ...]                    open the explorer (default: the demo checkpoint)\n"
        "  ctscope analyze CKPT [options]        spectra by matrix type (--help for options)\n"
        "  ctscope eval CKPT --data FILE         next-token loss in nats/token\n"
        "  ctscope finetune CKPT --data FILE     amplitude-only vs full fine-tuning sweep\n"
        "  ctscope export CKPT --out DIR         figures and data, headless\n"
        "  ctscope compare BASE OTHER            what a fine-tune moved, by type\n"
        "  ctscope tokenize TOKENIZER --text S   token ids of a text (--help for options)\n"
        "  ctscope sweep status|merge DIR        a sweep spread over shards / Slurm tasks\n"
        "\n"
        "CKPT is a Hugging Face folder, a .safetensors, .gguf (also quantised or split), torch.save\n"
        ".pt/.pth/.bin or llama2.c .bin file, or 'demo'.\n"
        "eval and finetune run in ctscope-engine (installed beside ctscope), which also runs\n"
        "analyze, compare, tokenize and sweep without Qt, e.g. on a GPU node.");
}

} // namespace

int main(int argc, char** argv) {
    using namespace ctscope::cli;
    if (argc >= 2) {
        const std::string cmd = argv[1];
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            printUsage();
            return 0;
        }
        if (cmd == "--version") {
            std::puts("ctscope " CTSCOPE_VERSION);
            return 0;
        }
        if (cmd == "eval" || cmd == "finetune") return handOffToEngine(argc, argv);
        if (cmd == "analyze") return cmdAnalyze(argc, argv);
        if (cmd == "export") return cmdExport(argc, argv);
        if (cmd == "compare") return cmdCompare(argc, argv);
        if (cmd == "tokenize") return cmdTokenize(argc, argv);
        if (cmd == "sweep") return cmdSweep(argc, argv);
    }
    return runGui(argc, argv);
}
