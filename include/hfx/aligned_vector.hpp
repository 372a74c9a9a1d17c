// A std::vector whose storage starts at a 64-byte (cache-line) boundary (an
// implementation detail, public only because Evaluator's members use it), for the
// tables and scratch that the vectorised kernels read and write four or eight doubles at
// a time from offsets that are multiples of 32 bytes: none of those accesses then
// straddles two cache lines (a straddling access costs a second cache access) or two
// pages; with std::vector's 16-byte alignment the evaluation time depended on where the
// allocator put the tables (docs/benchmarks.md, "Performance notes from the kernels").
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace hfx::detail {

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};

  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }

  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
};

using AlignedDoubles = std::vector<double, CacheLineAllocator<double>>;

}  // namespace hfx::detail
