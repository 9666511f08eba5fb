#pragma once
/// Subcommands of the `ctscope` and `ctscope-engine` binaries. Each returns the
/// process exit code: 0 success, 1 runtime error (message printed), 2 usage
/// error, 128 + signal when stopped (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
///
/// The two binaries never share a process: `ctscope` (app/main.cpp) holds the
/// window and `export` (Qt 6) and links no LibTorch; `ctscope-engine`
/// (app/engine_main.cpp) holds `eval` and `finetune` (LibTorch) and links no
/// Qt. Both run the torch-free commands (analyze, compare, tokenize, sweep).
namespace ctscope::cli {

int cmdAnalyze(int argc, char** argv);   ///< app/cli_analyze.cpp (both)
int cmdCompare(int argc, char** argv);   ///< app/cli_compare.cpp (both)
int cmdTokenize(int argc, char** argv);  ///< app/cli_tokenize.cpp (both)
int cmdSweep(int argc, char** argv);     ///< app/cli_sweep.cpp (both)
int cmdEval(int argc, char** argv);      ///< app/cli_train.cpp (engine)
int cmdFinetune(int argc, char** argv);  ///< app/cli_train.cpp (engine)
/// Headless figures; exit 2 in a build without the window. app/cli_export.cpp (front)
int cmdExport(int argc, char** argv);
/// Opens the window; argv holds checkpoint paths (none: the demo). Exit 2 in
/// a build without the window. app/gui_main.cpp (front)
int runGui(int argc, char** argv);
/// Replaces this process (execv, same pid, same arguments) with the
/// `ctscope-engine` installed beside the running binary (the directory of
/// /proc/self/exe), so its exit status is the command's. Returns only when
/// that fails: 1, with the reason on stderr. app/engine_handoff.cpp (front)
int handOffToEngine(int argc, char** argv);

} // namespace ctscope::cli
