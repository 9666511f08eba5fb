#include "core/train/cpu_allocator.h"

#include "core/util/huge_pages.h"

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include <unistd.h>

namespace ctscope {

CachingCpuAllocator::CachingCpuAllocator(c10::Allocator* fallback, std::size_t threshold, std::size_t cacheLimit)
    : m_fallback(fallback), m_threshold(std::max(threshold, huge_pages::kPage)), m_limit(cacheLimit) {}

CachingCpuAllocator::~CachingCpuAllocator() { releaseCached(); }

c10::DataPtr CachingCpuAllocator::allocate(std::size_t bytes) const {
    if (bytes < m_threshold) return m_fallback->allocate(bytes);
    const std::size_t size = huge_pages::roundUp(bytes);
    if (size < bytes) throw std::bad_alloc();
    Block* b = nullptr;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_clock;
        if (auto it = m_bySize.find(size); it != m_bySize.end()) {
            b = *it->second;
            m_lru.erase(it->second);
            m_bySize.erase(it);
            m_stats.cachedBytes -= size;
            ++m_stats.hits;
            m_stats.maxReuseDistance = std::max(m_stats.maxReuseDistance, m_clock - b->freedAt);
        } else {
            ++m_stats.misses;
            const uint64_t stale = 2 * m_stats.maxReuseDistance + 64;
            while (!m_lru.empty() && m_clock - m_lru.front()->freedAt > stale) unmapFrontLocked();
        }
        m_stats.liveBytes += size;
    }
    if (!b) {
        try {
            b = new Block{huge_pages::map(size), size, this};
        } catch (...) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stats.liveBytes -= size;
            throw;
        }
    }
    return {b->ptr, b, &CachingCpuAllocator::free, c10::Device(c10::DeviceType::CPU)};
}

void CachingCpuAllocator::free(void* ctx) {
    auto* b = static_cast<Block*>(ctx);
    b->owner->giveBack(b);
}

void CachingCpuAllocator::giveBack(Block* b) const {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_stats.liveBytes -= b->size;
    if (b->size > m_limit) {
        lock.unlock();
        huge_pages::unmap(b->ptr, b->size);
        delete b;
        return;
    }
    if (m_stats.cachedBytes + b->size > m_limit) evictLocked(m_stats.cachedBytes + b->size - m_limit);
    b->freedAt = m_clock;
    m_lru.push_back(b);
    m_bySize.emplace(b->size, std::prev(m_lru.end()));
    m_stats.cachedBytes += b->size;
}

void CachingCpuAllocator::unmapFrontLocked() const {
    Block* b = m_lru.front();
    auto range = m_bySize.equal_range(b->size);
    for (auto it = range.first; it != range.second; ++it)
        if (*it->second == b) {
            m_bySize.erase(it);
            break;
        }
    m_lru.pop_front();
    m_stats.cachedBytes -= b->size;
    ++m_stats.evictions;
    huge_pages::unmap(b->ptr, b->size);
    delete b;
}

void CachingCpuAllocator::evictLocked(std::size_t atLeast) const {
    const std::size_t before = m_stats.cachedBytes;
    while (before - m_stats.cachedBytes < atLeast && !m_lru.empty()) unmapFrontLocked();
}

CachingCpuAllocator::Stats CachingCpuAllocator::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

void CachingCpuAllocator::releaseCached() {
    std::lock_guard<std::mutex> lock(m_mutex);
    evictLocked(static_cast<std::size_t>(-1));
}

CachingCpuAllocator* installCachingCpuAllocator() {
#if defined(__SANITIZE_ADDRESS__)
    return nullptr;
#else
    static CachingCpuAllocator* const installed = []() -> CachingCpuAllocator* {
        if (const char* v = std::getenv("CTSCOPE_CPU_ALLOCATOR"); v && std::strcmp(v, "default") == 0) return nullptr;
        const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
        const std::size_t ram = pages > 0 && pageSize > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(pageSize)
                                                          : std::size_t(8) << 30;
        const std::size_t limit = std::min(ram / 4, std::size_t(8) << 30);
        // Leaked on purpose: tensors it handed out may be freed during static destruction.
        auto* a = new CachingCpuAllocator(c10::GetCPUAllocator(), huge_pages::kPage, limit);
        c10::SetCPUAllocator(a, /*priority=*/1);
        return a;
    }();
    return installed;
#endif
}

} // namespace ctscope

