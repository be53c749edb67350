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
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"
#include "maxent/maxent.hpp"

namespace nn {
namespace maxent {

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
    std::vector<double> Sb(Tb * N), F(Tb * N), R(Tb * N);
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
          const double* ft = F.data() + t * N;
          double* rt = R.data() + t * N;
          double vt = 0.0;
          for (std::size_t i = 0; i < N; ++i) {
            const double fi = ft[i] + h[i];
            // log(2 cosh f) = |f| + log1p(e), tanh f = sign(f) (1 - e) / (1 + e), e = exp(-2|f|)
            const double a = std::fabs(fi), e = std::exp(-2.0 * a);
            vt += a + std::log1p(e) - st[i] * fi;
            const double th = std::copysign((1.0 - e) / (1.0 + e), fi);
            const double r = wt * (th - st[i]);
            rt[i] = r;
            ch.gh[i] += r;
          }
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
