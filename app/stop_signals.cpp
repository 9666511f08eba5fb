#include "app/stop_signals.h"

#include <atomic>
#include <csignal>
#include <initializer_list>
#include <unistd.h>

namespace ctscope::cli {

namespace {

std::atomic<int> g_signal{0};

extern "C" void onStopSignal(int sig) {
    int expected = 0;
    if (!g_signal.compare_exchange_strong(expected, sig)) {
        // The second signal: the user (or the scheduler) means it.
        static const char msg[] = "\nctscope: second signal, exiting now\n";
        [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
        ::_exit(128 + sig);
    }
}

} // namespace

void StopSignals::install() {
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and the work sees the flag
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

bool StopSignals::requested() { return g_signal.load() != 0; }

int StopSignals::signal() { return g_signal.load(); }

int StopSignals::exitCode() {
    const int s = g_signal.load();
    return s ? 128 + s : 130;
}

} // namespace ctscope::cli
