// Branch-free exp for non-positive arguments on scalars and on two-double vectors (GCC/Clang
// vector extension, one SSE2 register), for the element-wise loops of the maxent kernels
// (internal header; not part of the kernel API).
#pragma once
#include <cstdint>
#include <cstring>

// The 32-byte vector helpers below are always inlined into the AVX2 functions that use them:
// no 32-byte vector crosses a call boundary, so GCC's note on its changed ABI does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace nn {
namespace maxent {
namespace simd {

typedef double v2d __attribute__((vector_size(16)));
typedef std::uint64_t v2u __attribute__((vector_size(16)));
// four doubles: one AVX register in functions compiled for AVX2, two SSE2 registers elsewhere
typedef double v4d __attribute__((vector_size(32)));
typedef std::uint64_t v4u __attribute__((vector_size(32)));

// GCC on x86-64 Linux: AVX2 versions of hot loops chosen at run time (no FMA, so the clones
// round exactly as the default version does).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(_WIN32)
#define NN_HAVE_AVX2_CLONES 1
#define NN_TARGET_AVX2 __attribute__((target("avx2")))
#define NN_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
inline bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#else
#define NN_HAVE_AVX2_CLONES 0
#define NN_TARGET_AVX2
#define NN_VECTOR_CLONES
inline bool cpu_has_avx2() { return false; }
#endif

template <class To, class From>
__attribute__((always_inline)) inline To bits(const From& x) {
  static_assert(sizeof(To) == sizeof(From), "same size");
  To y;
  std::memcpy(&y, &x, sizeof y);
  return y;
}

// exp(x) for x <= 0 (V = double or v2d, U the matching unsigned integer type): x = k ln2 + r
// with |r| <= ln2 / 2 (Cody-Waite, two-part ln2), exp(r) by its Taylor series to r^13
// (truncation < 5e-18 relative), 2^k from the exponent bits.  Within about 2 ulp of std::exp;
// arguments below -708 (results < 3e-308) are clamped to -708.  The scalar and vector forms
// do the same operations in the same order (identical results).
template <class V, class U>
__attribute__((always_inline)) inline V exp_nonpositive(V x) {
  const double inv_ln2 = 1.4426950408889634074, shift = 6755399441055744.0;  // 1.5 * 2^52
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  x = x < -708.0 ? V{} - 708.0 : x;
  const V kd = x * inv_ln2 + shift;  // k = round(x / ln2) sits in the low mantissa bits
  const U ki = bits<U>(kd);
  const V k = kd - shift;
  const V r = (x - k * ln2_hi) - k * ln2_lo;
  V p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;  // 1/13!, 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * bits<V>((ki + 1023u) << 52);  // k in [-1022, 0]: a normal power of two
}

}  // namespace simd
}  // namespace maxent
}  // namespace nn
