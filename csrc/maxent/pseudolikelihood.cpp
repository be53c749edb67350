// Negative log pseudolikelihood of a pairwise Ising model and its gradient
// (Besag 1975; for Ising inference Aurell & Ekeberg 2012, PRL 108:090201, in
// its symmetric form: one J_ij shared by the conditionals of i and j).
//
// Samples are processed in blocks of rows; local fields F = S J come from BLAS
// dgemm and the gradient's pair part G = S^T R from another dgemm.  Blocks are
// grouped into a fixed number of chunks (independent of the thread count), each
// with its own accumulators, combined in chunk order: identical results for
// any number of threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"
#include "maxent/maxent.hpp"
#include "maxent/simd_exp.hpp"

namespace nn {
namespace maxent {
namespace {

using simd::bits;
using simd::exp_nonpositive;
using simd::v2d;
using simd::v2u;

// One element: e = exp(-2|f|), q = |f| - s f, r = w (tanh f - s); log(2 cosh f) = |f| + log(1+e).
template <class V, class U>
__attribute__((always_inline)) inline void element(V f, V s, double w, V& q, V& p, V& r) {
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  const U fb = bits<U>(f);
  const V a = bits<V>(fb & ~sign);
  const V e = exp_nonpositive<V, U>(-2.0 * a);
  q = a - s * f;
  p = 1.0 + e;
  const V t = (1.0 - e) / p;
  r = w * (bits<V>(bits<U>(t) | (fb & sign)) - s);  // tanh f = copysign(t, f)
}

// Per-sample terms of one row: r_i = w (tanh f_i - s_i) (also added to gh); returns
// sum_i log(2 cosh f_i) - s_i f_i.  The logs are taken of products of at most 256 factors
// 1 + e_i in (1, 2] (one log per 256 terms instead of one log1p per term).  q and p are
// scratch of n entries.
// The element-wise part of row_terms on L-lane vectors V (lanes independent: the same results
// for any L); returns the first index not done.
template <class V, class U, std::size_t L>
__attribute__((always_inline)) inline std::size_t row_elements(const double* ft, const double* h,
                                                               const double* st, double wt,
                                                               std::size_t n, double* rt,
                                                               double* gh, double* q, double* p) {
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    V f, hv, s, g, qv, pv, rv;
    std::memcpy(&f, ft + i, sizeof f);
    std::memcpy(&hv, h + i, sizeof hv);
    std::memcpy(&s, st + i, sizeof s);
    element<V, U>(f + hv, s, wt, qv, pv, rv);
    std::memcpy(q + i, &qv, sizeof qv);
    std::memcpy(p + i, &pv, sizeof pv);
    std::memcpy(rt + i, &rv, sizeof rv);
    std::memcpy(&g, gh + i, sizeof g);
    g += rv;
    std::memcpy(gh + i, &g, sizeof g);
  }
  return i;
}

#if NN_HAVE_AVX2_CLONES
NN_TARGET_AVX2 std::size_t row_elements_avx2(const double* ft, const double* h, const double* st,
                                             double wt, std::size_t n, double* rt, double* gh,
                                             double* q, double* p) {
  return row_elements<simd::v4d, simd::v4u, 4>(ft, h, st, wt, n, rt, gh, q, p);
}
#endif

double row_terms(const double* ft, const double* h, const double* st, double wt, std::size_t n,
                 double* rt, double* gh, double* q, double* p) {
  std::size_t i;
#if NN_HAVE_AVX2_CLONES
  if (simd::cpu_has_avx2())
    i = row_elements_avx2(ft, h, st, wt, n, rt, gh, q, p);
  else
#endif
    i = row_elements<v2d, v2u, 2>(ft, h, st, wt, n, rt, gh, q, p);
  for (; i < n; ++i) {
    element<double, std::uint64_t>(ft[i] + h[i], st[i], wt, q[i], p[i], rt[i]);
    gh[i] += rt[i];
  }
  double lin[4] = {0.0, 0.0, 0.0, 0.0}, logs = 0.0;
  i = 0;
  while (i < n) {
    const std::size_t end = std::min(n, i + 4 * 256);
    double prod[4] = {1.0, 1.0, 1.0, 1.0};
    for (; i + 4 <= end; i += 4)
      for (int l = 0; l < 4; ++l) {
        lin[l] += q[i + l];
        prod[l] *= p[i + l];
      }
    for (; i < end; ++i) {
      lin[0] += q[i];
      prod[0] *= p[i];
    }
    logs += std::log(prod[0] * prod[1]) + std::log(prod[2] * prod[3]);
  }
  return (lin[0] + lin[1]) + (lin[2] + lin[3]) + logs;
}

}  // namespace

void pseudolikelihood(MatrixView<const std::int8_t> S, const double* w, const double* h,
                      const double* J, double* value, double* gh, double* gJ, int n_threads) {
  const std::size_t T = S.rows, N = S.cols;
  const std::size_t Tb = 256;
  const std::size_t n_blocks = (T + Tb - 1) / Tb;
  // At most 32 chunks and about 256 MiB of chunk accumulators.
  const std::size_t cap = std::max<std::size_t>(
      1, std::min<std::size_t>(32, (std::size_t{256} << 20) / (8 * N * N + 8)));
  const std::size_t n_chunks = std::max<std::size_t>(1, std::min(n_blocks, cap));
  struct Chunk {
    double v = 0.0, wsum = 0.0;
    std::vector<double> gh, G;
  };
  std::vector<Chunk> chunks(n_chunks);
  const auto fN = static_cast<lapack::fint>(N);

  run_range(n_chunks, n_threads, 1, T * N * N, [&](std::size_t cb, std::size_t ce, int) {
    std::vector<double> Sb(Tb * N), F(Tb * N), R(Tb * N), q(N), p(N);
    for (std::size_t c = cb; c < ce; ++c) {
      Chunk& ch = chunks[c];
      ch.gh.assign(N, 0.0);
      ch.G.assign(N * N, 0.0);
      const std::size_t b0 = n_blocks * c / n_chunks, b1 = n_blocks * (c + 1) / n_chunks;
      for (std::size_t blk = b0; blk < b1; ++blk) {
        check_interrupt();
        const std::size_t t0 = blk * Tb, t1 = std::min(T, t0 + Tb), nt = t1 - t0;
        for (std::size_t t = 0; t < nt; ++t) {
          const std::int8_t* src = S.row(t0 + t);
          double* dst = Sb.data() + t * N;
          for (std::size_t i = 0; i < N; ++i) dst[i] = static_cast<double>(src[i]);
        }
        // F (nt x N, row-major) = Sb J; in column-major terms F^T = J^T Sb^T = J Sb^T.
        lapack::dgemm('N', 'N', fN, static_cast<lapack::fint>(nt), fN, 1.0, J, fN, Sb.data(), fN,
                      0.0, F.data(), fN);
        for (std::size_t t = 0; t < nt; ++t) {
          const double wt = w ? w[t0 + t] : 1.0;
          ch.wsum += wt;
          const double* st = Sb.data() + t * N;
          const double vt = row_terms(F.data() + t * N, h, st, wt, N, R.data() + t * N,
                                      ch.gh.data(), q.data(), p.data());
          ch.v += wt * vt;
        }
        // G += Sb^T R (only G + G^T is used).
        lapack::dgemm('N', 'T', fN, fN, static_cast<lapack::fint>(nt), 1.0, Sb.data(), fN,
                      R.data(), fN, 1.0, ch.G.data(), fN);
      }
    }
  });

  double v = 0.0, wsum = 0.0;
  std::vector<double> G(N * N, 0.0);
  for (std::size_t i = 0; i < N; ++i) gh[i] = 0.0;
  for (const Chunk& ch : chunks) {
    v += ch.v;
    wsum += ch.wsum;
    for (std::size_t i = 0; i < N; ++i) gh[i] += ch.gh[i];
    for (std::size_t i = 0; i < N * N; ++i) G[i] += ch.G[i];
  }
  const double inv = wsum > 0 ? 1.0 / wsum : 0.0;
  *value = v * inv;
  for (std::size_t i = 0; i < N; ++i) gh[i] *= inv;
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j)
      gJ[i * N + j] = i == j ? 0.0 : (G[i * N + j] + G[j * N + i]) * inv;
}

}  // namespace maxent
}  // namespace nn
