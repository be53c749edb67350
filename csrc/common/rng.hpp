// Random numbers for the kernels: xoshiro256** (Blackman & Vigna 2018), its
// state filled by splitmix64 (Steele, Lea & Flood 2014).
//
// Reproducibility across thread counts comes from streams, not from sharing a
// generator: a kernel derives one generator per work item (chain, subject,
// surrogate) with Rng::stream(seed, item), so the numbers an item sees do not
// depend on which thread runs it.
#pragma once
#include <cstdint>

namespace nn {

// One step of splitmix64: advances x and returns a well-mixed 64-bit value.
inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& v : s_) v = splitmix64(x);
  }
  // Independent generator number `stream` of the family selected by `seed`.
  static Rng stream(std::uint64_t seed, std::uint64_t stream) {
    return Rng(seed ^ (0xD1B54A32D192ED03ull * (stream + 1)));
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n) without modulo bias (n >= 1), by rejection.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = (~std::uint64_t(0)) - ((~std::uint64_t(0)) % n + 1) % n;
    std::uint64_t x;
    do {
      x = next();
    } while (x > limit);
    return x % n;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace nn
