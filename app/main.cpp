// ctscope: the front binary. With a subcommand it runs headless; otherwise it
// opens the desktop explorer on the given checkpoint(s), or on the built-in
// demo. `eval` and `finetune` need LibTorch and are handed to ctscope-engine
// (see app/commands.h); this binary links Qt 6 and never LibTorch.
#include "app/commands.h"
#include "app/device_analysis.h"
#include "app/top_level.h"

int main(int argc, char** argv) {
    using namespace ctscope::cli;
    TopLevel top("ctscope", "ctscope " CTSCOPE_VERSION,
                 "ctscope " CTSCOPE_VERSION " - a CT scan of transformer checkpoints\n"
                 "  ctscope [CKPT ...]   open the explorer on existing paths (none: the demo checkpoint)\n"
                 "  ctscope COMMAND ...  run headless");
    top.add("analyze", "spectra by matrix type (tables, JSON, CSV)", cmdAnalyze);
    top.add("eval", "next-token loss in nats/token (runs in ctscope-engine)", handOffToEngine);
    top.add("finetune", "amplitude-only vs full fine-tuning sweep (runs in ctscope-engine)", handOffToEngine);
    top.add("export", "figures and data, headless", cmdExport);
    top.add("compare", "what a fine-tune moved, by type", cmdCompare);
    top.add("tokenize", "token ids of a text", cmdTokenize);
    top.add("sweep", "a sweep spread over shards / Slurm tasks: status or merge", cmdSweep);
    top.setWindow(runGui);
    setEngineHandOff(handOffToEngine);  // analyze/compare --device cuda run in the engine
    top.footer("CKPT is a Hugging Face folder, a .safetensors, .gguf (also quantised or split), torch.save\n"
               ".pt/.pth/.bin or llama2.c .bin file, or 'demo'.\n"
               "eval and finetune run in ctscope-engine (installed beside ctscope), which also runs\n"
               "analyze, compare, tokenize and sweep without Qt, e.g. on a GPU node.");
    return top.run(argc, argv);
}
