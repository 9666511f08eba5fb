#pragma once
/// A caching CPU allocator for LibTorch's large tensors.
///
/// A training step allocates the same large tensors every step (gradients,
/// AdamW's temporaries, activations, logits) and frees them again. With the
/// default allocator every one of them is a fresh mmap, touched page by page:
/// on the 2-core benchmark VM a 4 KiB first-touch fault costs 3.3 ms per MB,
/// and the full arm (two blocks + head, 153 M trainable parameters) spent a
/// third of its step in the kernel. This allocator maps large blocks on 2 MiB
/// huge pages and keeps freed ones, by size, for the next step.
///
/// Bounds: freed blocks stay cached up to `cacheLimit` bytes. A request that
/// finds no block of its size unmaps the cached blocks that have gone unused
/// for longer than twice the longest reuse distance seen so far (counted in
/// large allocations), so a change of arm does not leave the old arm's blocks
/// resident beside the new, while the blocks a step reuses in the next one
/// survive. (Evicting the least recently freed blocks on every miss instead
/// thrashed: each step's misses evicted the blocks the next step needed.)
/// Requests below `threshold` go to the allocator that was installed before.
#include <c10/core/Allocator.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>

namespace ctscope {

class CachingCpuAllocator final : public c10::Allocator {
public:
    struct Stats {
        int64_t hits = 0, misses = 0, evictions = 0;
        uint64_t maxReuseDistance = 0;  ///< large allocations between a block's free and its reuse
        std::size_t cachedBytes = 0;  ///< freed, kept for reuse
        std::size_t liveBytes = 0;    ///< handed out, not yet freed
    };

    /// `fallback` serves requests below `threshold` bytes (and must outlive this).
    CachingCpuAllocator(c10::Allocator* fallback, std::size_t threshold, std::size_t cacheLimit);
    ~CachingCpuAllocator() override;
    CachingCpuAllocator(const CachingCpuAllocator&) = delete;
    CachingCpuAllocator& operator=(const CachingCpuAllocator&) = delete;

    c10::DataPtr allocate(std::size_t bytes) const override;
    Stats stats() const;
    /// Unmaps every cached block (live ones are untouched).
    void releaseCached();

private:
    struct Block {
        void* ptr;
        std::size_t size;  ///< the mapped size (a multiple of 2 MiB)
        const CachingCpuAllocator* owner;
        uint64_t freedAt = 0;  ///< the allocation clock when it was freed
    };
    static void free(void* ctx);
    void giveBack(Block* b) const;
    void evictLocked(std::size_t atLeast) const;
    void unmapFrontLocked() const;

    c10::Allocator* m_fallback;
    std::size_t m_threshold, m_limit;
    mutable std::mutex m_mutex;
    mutable std::list<Block*> m_lru;  ///< cached blocks, least recently freed first
    mutable std::multimap<std::size_t, std::list<Block*>::iterator> m_bySize;
    mutable Stats m_stats;
    mutable uint64_t m_clock = 0;  ///< large allocations so far
};

/// Installs one process-wide CachingCpuAllocator as LibTorch's CPU allocator
/// (idempotent; the allocator is never destroyed, since tensors may outlive
/// any scope). Blocks from 2 MiB; cache limit a quarter of physical memory,
/// at most 8 GiB. A no-op under AddressSanitizer, whose own allocator must
/// see every buffer to find overflows, and when CTSCOPE_CPU_ALLOCATOR=default.
/// Returns the installed allocator, or nullptr when none was installed.
CachingCpuAllocator* installCachingCpuAllocator();

} // namespace ctscope
