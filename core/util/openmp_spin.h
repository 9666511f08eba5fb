#pragma once
/// How long LibTorch's idle OpenMP threads spin before they sleep.
///
/// After every parallel region libgomp's threads spin for GOMP_SPINCOUNT
/// iterations (300 000 when unset) on the very cores where OpenBLAS's own
/// threads run the next matrix product. On the 2-core benchmark VM the full
/// arm's training step took 6.9 s with the default and 5.1–5.4 s with
/// GOMP_SPINCOUNT=10000 (5.5 s fully passive; bench/bench_prefix_cache).
/// libgomp reads its environment once, in its own constructor, before main()
/// runs (and a .preinit_array setenv is undone when libc adopts the original
/// environment), so the variable has to be in the environment the process
/// starts with: the CLI and the window set it for the engine they start, and
/// the engine re-executes itself when started directly without it.
/// A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins.
#include <string>
#include <utility>

namespace ctscope::openmp_spin {

constexpr const char* kVariable = "GOMP_SPINCOUNT";
constexpr const char* kValue = "10000";
/// Set beside it, so a benchmark can start its peer as the user would run it.
constexpr const char* kMarker = "CTSCOPE_SET_GOMP_SPINCOUNT";

/// True when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set.
bool unset();
/// Sets GOMP_SPINCOUNT in this process's environment (for a child it is
/// about to exec) when unset(); returns whether it did.
bool setForChild();
/// True when GOMP_SPINCOUNT is in the environment because ctscope put it there.
bool setByCtscope();
/// When unset(): sets it and re-executes /proc/self/exe with the same argv.
/// Returns (without exec) when it is set already or the exec fails.
void reexecIfUnset(char** argv);

} // namespace ctscope::openmp_spin
