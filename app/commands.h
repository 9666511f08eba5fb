#pragma once
/// Subcommands of the `ctscope` binary. Each returns the process exit code:
/// 0 success, 1 runtime error (message printed), 2 usage error, 130 cancelled.
namespace ctscope::cli {

int cmdAnalyze(int argc, char** argv);   ///< app/cli_analyze.cpp
int cmdEval(int argc, char** argv);      ///< app/cli_train.cpp
int cmdFinetune(int argc, char** argv);  ///< app/cli_train.cpp
int cmdExport(int argc, char** argv);    ///< app/cli_export.cpp
int cmdCompare(int argc, char** argv);   ///< app/cli_compare.cpp
int cmdTokenize(int argc, char** argv);  ///< app/cli_tokenize.cpp
int cmdSweep(int argc, char** argv);     ///< app/cli_sweep.cpp
/// Opens the window; argv holds checkpoint paths (none: the demo).
int runGui(int argc, char** argv);       ///< app/gui_main.cpp

} // namespace ctscope::cli
