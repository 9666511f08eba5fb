#pragma once
/// SIGINT, SIGTERM and SIGHUP ask a long command to stop cleanly: the first
/// one sets a flag that the work polls (it stops at the next step boundary,
/// keeps what finished and exits 128 + the signal: 130, 143, 129); a second
/// one exits at once with that code. Slurm (time limit, pre-emption) and
/// `timeout` send SIGTERM; closing the terminal sends SIGHUP.
namespace ctscope::cli {

class StopSignals {
public:
    /// Installs the handlers (idempotent). Call before the long work starts.
    static void install();
    /// True once a stop signal has arrived. Async-signal-safe to read.
    static bool requested();
    /// The signal received (0: none).
    static int signal();
    /// The exit code for a stopped command: 128 + the signal, 130 when none
    /// was received (cancelled some other way).
    static int exitCode();
};

} // namespace ctscope::cli
