// Exact enumeration of pairwise maximum-entropy models: energies and moments.
//
// The 2^N states are split into blocks of 2^b states sharing their high bits.
// Inside a block the low bits follow a Gray code, so each step flips one spin
// and updates the energy and the local fields in O(N).  Moments are weighted
// sums over states; second moments (and the covariance of the sufficient
// statistics for Newton's method) are formed block-wise with BLAS dsyrk.
// Blocks are grouped into a fixed number of chunks (independent of the thread
// count); each chunk keeps its own running sums with its own log-scale shift,
// and chunks are combined in chunk order, so results are identical for any
// number of threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"
#include "maxent/maxent.hpp"
#include "maxent/simd_exp.hpp"

namespace nn {
namespace maxent {
namespace {

void check_n(int n) {
  if (n < 1 || n > max_exact_units)
    throw std::invalid_argument("exact enumeration needs 1 <= N <= " +
                                std::to_string(max_exact_units) + ", got N = " +
                                std::to_string(n));
}

int block_bits(int n) { return std::min(n, 12); }

// Energies of the 2^b states of block `blk` (high bits = blk), stored by their
// low bits.  f and s are scratch of size n.
void block_energies(const double* h, const double* J, int n, int b, std::uint64_t blk,
                    double* E, std::vector<double>& f, std::vector<double>& s) {
  const std::uint64_t k0 = blk << b;
  for (int i = 0; i < n; ++i) s[i] = ((k0 >> i) & 1u) ? 1.0 : -1.0;
  double e = 0.0;
  for (int j = 0; j < n; ++j) {
    const double* Jj = J + static_cast<std::size_t>(j) * n;
    double acc = h[j];
    for (int i = 0; i < n; ++i) acc += Jj[i] * s[i];
    f[j] = acc;
  }
  for (int i = 0; i < n; ++i) e -= 0.5 * s[i] * (h[i] + f[i]);
  E[0] = e;
  const std::uint64_t nb = std::uint64_t{1} << b;
  std::uint64_t g = 0;
  for (std::uint64_t t = 1; t < nb; ++t) {
    const int i = __builtin_ctzll(t);
    g ^= std::uint64_t{1} << i;
    const double si = s[i];
    e += 2.0 * si * f[i];
    const double* Ji = J + static_cast<std::size_t>(i) * n;
    const double c = 2.0 * si;
    for (int j = 0; j < n; ++j) f[j] -= c * Ji[j];
    s[i] = -si;
    E[g] = e;
  }
}

}  // namespace

void run_range(std::size_t n, int n_threads, std::size_t grain, std::size_t work,
               const std::function<void(std::size_t, std::size_t, int)>& body) {
  if (n == 0) return;
  if (n_threads <= 1 || n <= grain || work < (std::size_t{1} << 16)) {
    body(0, n, 0);
    return;
  }
  parallel_for(n, n_threads, grain, body);
}

// Energies of all states by splitting the units into b low and n - b high bits:
//   E(hi, lo) = E_hi(hi) + C(lo) - F(lo),  F(lo) = sum_{i < b} g_i(hi) s_i,
//   g_i = h_i + sum_{j >= b} J_ij s_j,
// with C the coupling energy among the low units (one table of 2^b entries for all blocks).
// Per block of 2^b states, F is built by doubling (setting bit t adds 2 g_t): one addition per
// state instead of the O(N) local-field update of a Gray code.
struct BitSplit {
  int n, b;
  std::size_t B;
  std::vector<double> C;
  double c_min, c_max;

  BitSplit(const double* J, int n_) : n(n_), b(block_bits(n_)), B(std::size_t{1} << b), C(B) {
    for (std::size_t k = 0; k < B; ++k) {
      double c = 0.0;
      for (int i = 0; i < b; ++i) {
        const double si = ((k >> i) & 1u) ? 1.0 : -1.0;
        double acc = 0.0;
        for (int j = i + 1; j < b; ++j)
          acc += J[static_cast<std::size_t>(i) * n + j] * (((k >> j) & 1u) ? 1.0 : -1.0);
        c -= si * acc;
      }
      C[k] = c;
    }
    c_min = *std::min_element(C.begin(), C.end());
    c_max = *std::max_element(C.begin(), C.end());
  }

  // High-bit energy E_hi of block blk; g[i] = 2 g_i (the change of F when s_i goes -1 -> +1);
  // *f0 = F of the low state 0 (all low spins -1).  s is scratch of n entries.
  double block(const double* h, const double* J, std::uint64_t blk, double* s, double* g,
               double* f0) const {
    const std::uint64_t k0 = blk << b;
    for (int j = b; j < n; ++j) s[j] = ((k0 >> j) & 1u) ? 1.0 : -1.0;
    double e_hi = 0.0;
    for (int j = b; j < n; ++j) {
      double acc = h[j];
      for (int l = j + 1; l < n; ++l) acc += J[static_cast<std::size_t>(j) * n + l] * s[l];
      e_hi -= s[j] * acc;
    }
    double f = 0.0;
    for (int i = 0; i < b; ++i) {
      double acc = h[i];
      const double* Ji = J + static_cast<std::size_t>(i) * n;
      for (int j = b; j < n; ++j) acc += Ji[j] * s[j];
      g[i] = 2.0 * acc;
      f -= acc;
    }
    *f0 = f;
    return e_hi;
  }
};

void all_energies(const double* h, const double* J, int n, double* out, int n_threads) {
  check_n(n);
  const BitSplit sp(J, n);
  const std::uint64_t n_blocks = std::uint64_t{1} << (n - sp.b);
  run_range(n_blocks, n_threads, 1, (std::size_t{1} << n) * 4, [&](std::size_t begin, std::size_t end, int) {
    std::vector<double> g(sp.b), F(sp.B), s(n);
    for (std::size_t blk = begin; blk < end; ++blk) {
      if ((blk & 63) == 0) check_interrupt();
      double f0;
      const double e_hi = sp.block(h, J, blk, s.data(), g.data(), &f0);
      F[0] = f0;
      for (int t = 0; t < sp.b; ++t) {
        const std::size_t m = std::size_t{1} << t;
        const double gt = g[t];
        for (std::size_t k = 0; k < m; ++k) F[m + k] = F[k] + gt;
      }
      double* E = out + (static_cast<std::uint64_t>(blk) << sp.b);
      const double* C = sp.C.data();
      for (std::size_t k = 0; k < sp.B; ++k) E[k] = (e_hi + C[k]) - F[k];
    }
  });
}

void exact_moments(const double* h, const double* J, int n, double* log_z, double* mean_e,
                   double* m1, double* m2, double* hess, int n_threads) {
  check_n(n);
  const int b = block_bits(n);
  const std::size_t B = std::size_t{1} << b;
  const std::uint64_t n_blocks = std::uint64_t{1} << (n - b);
  const std::size_t n_chunks = static_cast<std::size_t>(std::min<std::uint64_t>(n_blocks, 64));
  const std::size_t N = static_cast<std::size_t>(n);
  const std::size_t D = N + N * (N - 1) / 2;
  const bool want_h = hess != nullptr;

  struct Chunk {
    double shift = -std::numeric_limits<double>::infinity();
    double z = 0.0, se = 0.0;
    std::vector<double> s1, s2, sh;
  };
  std::vector<Chunk> chunks(n_chunks);

  run_range(n_chunks, n_threads, 1, (std::size_t{1} << n) * (want_h ? D * D : N * N), [&](std::size_t cb, std::size_t ce, int) {
    std::vector<double> f(N), s(N), E(B), A(B * N), Phi(want_h ? B * D : 0);
    for (std::size_t c = cb; c < ce; ++c) {
      Chunk& ch = chunks[c];
      ch.s1.assign(N, 0.0);
      ch.s2.assign(N * N, 0.0);
      if (want_h) ch.sh.assign(D * D, 0.0);
      const std::uint64_t blk0 = n_blocks * c / n_chunks;
      const std::uint64_t blk1 = n_blocks * (c + 1) / n_chunks;
      for (std::uint64_t blk = blk0; blk < blk1; ++blk) {
        check_interrupt();
        block_energies(h, J, n, b, blk, E.data(), f, s);
        double lmax = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < B; ++k) lmax = std::max(lmax, -E[k]);
        if (lmax > ch.shift) {
          const double scale = std::isinf(ch.shift) ? 0.0 : std::exp(ch.shift - lmax);
          ch.z *= scale;
          ch.se *= scale;
          for (double& v : ch.s1) v *= scale;
          for (double& v : ch.s2) v *= scale;
          for (double& v : ch.sh) v *= scale;
          ch.shift = lmax;
        }
        const std::uint64_t k0 = blk << b;
        for (std::size_t k = 0; k < B; ++k) {
          const double w = std::exp(-E[k] - ch.shift);
          ch.z += w;
          ch.se += w * E[k];
          const double rw = std::sqrt(w);
          const std::uint64_t idx = k0 | k;
          double* a = A.data() + k * N;
          for (std::size_t i = 0; i < N; ++i) {
            const double si = ((idx >> i) & 1u) ? 1.0 : -1.0;
            a[i] = rw * si;
            ch.s1[i] += w * si;
          }
          if (want_h) {
            double* p = Phi.data() + k * D;
            for (std::size_t i = 0; i < N; ++i) p[i] = a[i];
            std::size_t q = N;
            for (std::size_t i = 0; i < N; ++i) {
              const double si = ((idx >> i) & 1u) ? 1.0 : -1.0;
              for (std::size_t j = i + 1; j < N; ++j, ++q) {
                const double sj = ((idx >> j) & 1u) ? 1.0 : -1.0;
                p[q] = rw * si * sj;
              }
            }
          }
        }
        // sum_k a_k a_k^T: A is (B x N) row-major = (N x B) column-major.
        lapack::dsyrk('U', 'N', static_cast<lapack::fint>(N), static_cast<lapack::fint>(B), 1.0,
                      A.data(), static_cast<lapack::fint>(N), 1.0, ch.s2.data(),
                      static_cast<lapack::fint>(N));
        if (want_h)
          lapack::dsyrk('U', 'N', static_cast<lapack::fint>(D), static_cast<lapack::fint>(B), 1.0,
                        Phi.data(), static_cast<lapack::fint>(D), 1.0, ch.sh.data(),
                        static_cast<lapack::fint>(D));
      }
    }
  });

  // Combine chunks in order.
  double shift = -std::numeric_limits<double>::infinity();
  for (const Chunk& ch : chunks) shift = std::max(shift, ch.shift);
  double z = 0.0, se = 0.0;
  std::vector<double> s1(N, 0.0), s2(N * N, 0.0), sh(want_h ? D * D : 0, 0.0);
  for (const Chunk& ch : chunks) {
    const double sc = std::exp(ch.shift - shift);
    z += sc * ch.z;
    se += sc * ch.se;
    for (std::size_t i = 0; i < N; ++i) s1[i] += sc * ch.s1[i];
    for (std::size_t i = 0; i < N * N; ++i) s2[i] += sc * ch.s2[i];
    if (want_h)
      for (std::size_t i = 0; i < D * D; ++i) sh[i] += sc * ch.sh[i];
  }
  *log_z = shift + std::log(z);
  *mean_e = se / z;
  for (std::size_t i = 0; i < N; ++i) m1[i] = s1[i] / z;
  // Column-major 'U' triangle: element (r, c) with r <= c at r + c * N.
  for (std::size_t c = 0; c < N; ++c)
    for (std::size_t r = 0; r <= c; ++r) {
      const double v = s2[r + c * N] / z;
      m2[r * N + c] = v;
      m2[c * N + r] = v;
    }
  for (std::size_t i = 0; i < N; ++i) m2[i * N + i] = 1.0;
  if (want_h) {
    std::vector<double> mphi(D);
    for (std::size_t i = 0; i < N; ++i) mphi[i] = m1[i];
    std::size_t q = N;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i + 1; j < N; ++j, ++q) mphi[q] = m2[i * N + j];
    for (std::size_t c = 0; c < D; ++c)
      for (std::size_t r = 0; r <= c; ++r) {
        const double v = sh[r + c * D] / z - mphi[r] * mphi[c];
        hess[r * D + c] = v;
        hess[c * D + r] = v;
      }
  }
}

namespace {

// R consecutive levels of the butterfly (a, b) -> (a + b, b - a) on the 2^R entries v[m].
template <int R>
__attribute__((always_inline)) inline void butterflies(double* v) {
  constexpr int M = 1 << R;
  for (int lev = 0; lev < R; ++lev) {
    const int st = 1 << lev;
    for (int m = 0; m < M; ++m)
      if (!(m & st)) {
        const double a = v[m], d = v[m + st];
        v[m] = a + d;
        v[m + st] = d - a;
      }
  }
}

// Levels len, ..., 2^(R-1) len inside one cache-resident block of B entries.
template <int R>
__attribute__((always_inline)) inline void radix_block(double* x, std::size_t B,
                                                       std::size_t len) {
  constexpr int M = 1 << R;
  for (std::size_t g = 0; g < B; g += M * len)
    for (std::size_t t = 0; t < len; ++t) {
      double v[M];
      for (int m = 0; m < M; ++m) v[m] = x[g + t + m * len];
      butterflies<R>(v);
      for (int m = 0; m < M; ++m) x[g + t + m * len] = v[m];
    }
}

// Walsh-Hadamard transform of one block of B = 2^b values in cache, three bits a pass.
inline void transform_block(double* x, std::size_t B, int b) {
  for (int lev = 0; lev < b; lev += 3) {
    const std::size_t len = std::size_t{1} << lev;
    if (b - lev >= 3)
      radix_block<3>(x, B, len);
    else if (b - lev == 2)
      radix_block<2>(x, B, len);
    else
      radix_block<1>(x, B, len);
  }
}

// Masks over `bits` bits with popcount <= p, ordered by popcount, then value: those of popcount
// <= r form a prefix, of length cnt[r] (cnt has p + 1 entries).
std::vector<std::uint64_t> masks_upto(int bits, int p, std::vector<std::size_t>& cnt) {
  std::vector<std::uint64_t> out;
  cnt.assign(static_cast<std::size_t>(p) + 1, 0);
  for (int c = 0; c <= p; ++c) {
    if (c <= bits) {
      const std::uint64_t S = std::uint64_t{1} << bits;
      for (std::uint64_t m = 0; m < S; ++m)
        if (__builtin_popcountll(m) == c) out.push_back(m);
    }
    cnt[c] = out.size();
  }
  return out;
}

// The three-level split of the units used by low_order_moments: b low bits (one block of
// states, transformed in cache), k middle bits (2^k blocks form a super-block), t top bits.
struct LowOrderPlan {
  int n, p, b, k, t;
  std::vector<std::uint64_t> lo, mid, top;
  std::vector<std::size_t> cnt_lo, cnt_mid, cnt_top;
  std::vector<std::uint32_t> v_row, v_mid;  // stage-two entries (low row, middle mask index)
  std::vector<std::size_t> v_off, v_len;    // their slots in the accumulator
  std::size_t size = 0;

  LowOrderPlan(int n_, int p_) : n(n_), p(p_) {
    b = block_bits(n);
    k = std::min(n - b, 6);
    t = n - b - k;
    lo = masks_upto(b, p, cnt_lo);
    mid = masks_upto(k, p, cnt_mid);
    top = masks_upto(t, p, cnt_top);
    for (std::size_t r = 0; r < lo.size(); ++r) {
      const int pl = __builtin_popcountll(lo[r]);
      for (std::size_t q = 0; q < cnt_mid[p - pl]; ++q) {
        const int rest = p - pl - __builtin_popcountll(mid[q]);
        v_row.push_back(static_cast<std::uint32_t>(r));
        v_mid.push_back(static_cast<std::uint32_t>(q));
        v_off.push_back(size);
        v_len.push_back(cnt_top[rest]);
        size += cnt_top[rest];
      }
    }
  }

  void masks(std::uint64_t* out) const {
    for (std::size_t v = 0; v < v_row.size(); ++v) {
      const std::uint64_t m = lo[v_row[v]] | (mid[v_mid[v]] << b);
      for (std::size_t u = 0; u < v_len[v]; ++u) out[v_off[v] + u] = m | (top[u] << (b + k));
    }
  }
};


// Boltzmann weights x[lo] = exp(e_ref - E(blk, lo)) of the 2^b states of one block, with e_ref
// <= every energy of the block (returned), and (transform) their Walsh-Hadamard transform over
// the low bits; *zsum = sum of the weights when not transformed.  Weights are products of
// per-bit factors with e_ref = e_hi + c_min - max_lo F(lo), so that
// x[lo] = exp(c_min - C(lo)) exp(F(lo) - max F) <= 1 and no energy is formed; blocks whose
// factors could leave the floating-point range (sum_t |2 g_t| + c_max - c_min >= 600) take
// exp of the energies, relative to their minimum.  The clones (AVX2 and default) do the same
// operations in the same order: identical results.
NN_VECTOR_CLONES
double block_weights(const BitSplit& sp, const double* h, const double* J, std::uint64_t blk,
                     const double* ce, double* s, double* g, double* x, bool transform,
                     double* zsum) {
  const int b = sp.b;
  const std::size_t B = sp.B;
  double f0;
  const double e_hi = sp.block(h, J, blk, s, g, &f0);
  double G = 0.0, fmax = f0;
  for (int i = 0; i < b; ++i) {
    G += std::fabs(g[i]);
    fmax += std::max(g[i], 0.0);
  }
  double e_ref;
  if (G + (sp.c_max - sp.c_min) < 600.0) {
    e_ref = e_hi + sp.c_min - fmax;
    x[0] = std::exp(f0 - fmax);
    for (int i = 0; i < b; ++i) {
      const std::size_t m = std::size_t{1} << i;
      const double eg = std::exp(g[i]);
      for (std::size_t q = 0; q < m; ++q) x[m + q] = x[q] * eg;
    }
    for (std::size_t q = 0; q < B; ++q) x[q] *= ce[q];
  } else {
    x[0] = f0;
    for (int i = 0; i < b; ++i) {
      const std::size_t m = std::size_t{1} << i;
      const double gi = g[i];
      for (std::size_t q = 0; q < m; ++q) x[m + q] = x[q] + gi;
    }
    e_ref = std::numeric_limits<double>::infinity();
    for (std::size_t q = 0; q < B; ++q) {
      x[q] = (e_hi + sp.C[q]) - x[q];
      e_ref = std::min(e_ref, x[q]);
    }
    for (std::size_t q = 0; q < B; ++q)
      x[q] = simd::exp_nonpositive<double, std::uint64_t>(e_ref - x[q]);
  }
  if (!transform) {
    double z[4] = {0.0, 0.0, 0.0, 0.0};
    std::size_t q = 0;
    for (; q + 4 <= B; q += 4)
      for (int l = 0; l < 4; ++l) z[l] += x[q + l];
    for (; q < B; ++q) z[0] += x[q];
    *zsum = (z[0] + z[1]) + (z[2] + z[3]);
    return e_ref;
  }
  transform_block(x, B, b);
  return e_ref;
}

}  // namespace

std::size_t low_order_size(int n, int order) {
  check_n(n);
  return LowOrderPlan(n, order).size;
}

void low_order_masks(int n, int order, std::uint64_t* masks) {
  check_n(n);
  LowOrderPlan(n, order).masks(masks);
}

// Stage one, per block of 2^b states (high bits blk): energies (doubling tables, as in
// all_energies), Boltzmann weights relative to the block's lowest energy e_b (products of per-bit
// factors), the Walsh-Hadamard transform over the b low bits in cache, and
// the entries of low popcount <= p kept as one column of U (rows = low masks).  Stage two, per
// super-block of 2^k blocks: the columns rescaled to the super-block's lowest energy, the
// transform over the k middle bits along each row, and the entries of total popcount <= p kept.
// Stage three: each kept entry times the characters prod_{i in T} s_i of the super-block's top
// bits (|T| <= p minus its popcount) is added to its chunk's accumulator.  Chunks are a fixed
// partition of the super-blocks, each with its own energy reference, combined in order.
void low_order_moments(const double* h, const double* J, int n, int order, double* W,
                       double* log_z, double* mean_e, int n_threads) {
  check_n(n);
  if (order < 0 || order > 4) throw std::invalid_argument("order must be in [0, 4]");
  const LowOrderPlan pl(n, order);
  const BitSplit sp(J, n);
  const int b = pl.b, k = pl.k;
  const std::size_t B = sp.B, K = std::size_t{1} << k;
  const std::size_t n_rows = pl.lo.size(), n_v = pl.v_row.size();
  const std::uint64_t n_super = std::uint64_t{1} << pl.t;
  const std::size_t n_chunks = static_cast<std::size_t>(std::min<std::uint64_t>(n_super, 32));
  std::vector<double> ce(B);
  for (std::size_t q = 0; q < B; ++q) ce[q] = std::exp(sp.c_min - sp.C[q]);
  const double inf = std::numeric_limits<double>::infinity();
  struct Chunk {
    double ref = std::numeric_limits<double>::infinity();  // energy reference
    std::vector<double> acc;
  };
  std::vector<Chunk> chunks(n_chunks);

  run_range(n_chunks, n_threads, 1, (std::size_t{1} << n) * 16, [&](std::size_t cb, std::size_t ce_, int) {
    std::vector<double> g(b), x(B), s(n), U(n_rows * K), eb(K), V(n_v), chi(pl.top.size()),
        row(K);
    for (std::size_t c = cb; c < ce_; ++c) {
      Chunk& ch = chunks[c];
      ch.acc.assign(pl.size, 0.0);
      const std::uint64_t s0 = n_super * c / n_chunks, s1 = n_super * (c + 1) / n_chunks;
      for (std::uint64_t sb = s0; sb < s1; ++sb) {
        for (std::size_t j = 0; j < K; ++j) {
          const std::uint64_t blk = (sb << k) | j;
          if ((blk & 15) == 0) check_interrupt();
          double zsum;
          eb[j] = block_weights(sp, h, J, blk, ce.data(), s.data(), g.data(), x.data(), order > 0,
                                &zsum);
          if (order == 0) {  // log Z only: the sum of the weights, no transform
            U[j] = zsum;
            continue;
          }
          for (std::size_t r = 0; r < n_rows; ++r) U[r * K + j] = x[pl.lo[r]];
        }
        // stage two
        double e_sb = inf;
        for (std::size_t j = 0; j < K; ++j) e_sb = std::min(e_sb, eb[j]);
        for (std::size_t j = 0; j < K; ++j) eb[j] = std::exp(e_sb - eb[j]);
        for (std::size_t r = 0; r < n_rows; ++r) {
          double* u = U.data() + r * K;
          if (pl.cnt_mid[order - __builtin_popcountll(pl.lo[r])] == 1) {  // only M = 0 kept
            double a = 0.0;
            for (std::size_t j = 0; j < K; ++j) a += u[j] * eb[j];
            u[0] = a;
            continue;
          }
          for (std::size_t j = 0; j < K; ++j) row[j] = u[j] * eb[j];
          for (std::size_t len = 1; len < K; len <<= 1)
            for (std::size_t g0 = 0; g0 < K; g0 += 2 * len)
              for (std::size_t i = g0; i < g0 + len; ++i) {
                const double a = row[i], d = row[i + len];
                row[i] = a + d;
                row[i + len] = d - a;
              }
          std::copy(row.begin(), row.end(), u);
        }
        for (std::size_t v = 0; v < n_v; ++v) V[v] = U[pl.v_row[v] * K + pl.mid[pl.v_mid[v]]];
        // stage three
        double scale = 1.0;
        if (e_sb < ch.ref) {
          if (!std::isinf(ch.ref)) {
            const double r = std::exp(e_sb - ch.ref);
            for (double& a : ch.acc) a *= r;
          }
          ch.ref = e_sb;
        } else {
          scale = std::exp(ch.ref - e_sb);
        }
        for (std::size_t u = 0; u < pl.top.size(); ++u)
          chi[u] = (__builtin_popcountll(pl.top[u] & ~sb) & 1) ? -scale : scale;
        for (std::size_t v = 0; v < n_v; ++v) {
          const double a = V[v];
          double* acc = ch.acc.data() + pl.v_off[v];
          const std::size_t len = pl.v_len[v];
          for (std::size_t u = 0; u < len; ++u) acc[u] += a * chi[u];
        }
      }
    }
  });

  double ref = inf;
  for (const Chunk& ch : chunks) ref = std::min(ref, ch.ref);
  std::fill(W, W + pl.size, 0.0);
  for (const Chunk& ch : chunks) {
    const double sc = std::exp(ref - ch.ref);
    for (std::size_t a = 0; a < pl.size; ++a) W[a] += sc * ch.acc[a];
  }
  const double z = W[0];
  *log_z = -ref + std::log(z);
  const double inv = 1.0 / z;
  for (std::size_t a = 0; a < pl.size; ++a) W[a] *= inv;
  W[0] = 1.0;
  // <E> = -sum_i h_i <s_i> - sum_{i<j} J_ij <s_i s_j> from the moments of order 1 and 2
  *mean_e = std::numeric_limits<double>::quiet_NaN();
  if (order >= 2) {
    std::vector<std::uint64_t> mk(pl.size);
    pl.masks(mk.data());
    double e = 0.0;
    for (std::size_t a = 0; a < pl.size; ++a) {
      const int c = __builtin_popcountll(mk[a]);
      if (c == 1) {
        e -= h[__builtin_ctzll(mk[a])] * W[a];
      } else if (c == 2) {
        const int i = __builtin_ctzll(mk[a]), j = 63 - __builtin_clzll(mk[a]);
        e -= J[static_cast<std::size_t>(i) * n + j] * W[a];
      }
    }
    *mean_e = e;
  }
}

}  // namespace maxent
}  // namespace nn
