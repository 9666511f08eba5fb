#pragma once
/// The spectral engine's worker pool (internal to core/spectral).
#include "core/util/error.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ctscope::spectral_detail {

/// Runs fn(i) for i in [0, n) on `threads` workers while the calling thread
/// reports progress; rethrows the first worker exception; throws Cancelled.
template <class Fn, class Report>
void parallelFor(size_t n, int threads, Fn fn, Report report) {
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::atomic<int> running{threads};
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (;;) {
                if (stop) break;
                size_t i = next++;
                if (i >= n) break;
                try {
                    fn(i);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (!error) error = std::current_exception();
                    stop = true;
                }
            }
            std::lock_guard<std::mutex> lock(mutex);
            if (--running == 0) done.notify_all();
        });
    }
    bool cancelled = false;
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (running > 0) {
            done.wait_for(lock, std::chrono::milliseconds(100));
            lock.unlock();
            if (!cancelled && !report()) {
                cancelled = true;
                stop = true;
            }
            lock.lock();
        }
    }
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
    if (cancelled) throw Cancelled();
}

} // namespace ctscope::spectral_detail
