#include "log8.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

namespace hfx::detail {

namespace {

// The tables from long double arithmetic (64-bit significand on x86-64), each entry then
// rounded once to double.
Log8Table make_table() {
  Log8Table t{};
  for (int j = 0; j < 16; ++j) {
    t.invc[j] = static_cast<double>(16.0L / (16 + j));
    const long double neglog = -std::log(static_cast<long double>(t.invc[j]));
    t.neglog[j] = static_cast<double>(neglog);
    t.neglog_lo[j] = static_cast<double>(neglog - t.neglog[j]);
  }
  const long double ln2 = std::log(2.0L);
  t.ln2_hi = std::bit_cast<double>(std::bit_cast<std::uint64_t>(static_cast<double>(ln2)) & ~((std::uint64_t{1} << 21) - 1));
  t.ln2_lo = static_cast<double>(ln2 - t.ln2_hi);
  return t;
}

}  // namespace

const Log8Table kLog8Table = make_table();

}  // namespace hfx::detail
