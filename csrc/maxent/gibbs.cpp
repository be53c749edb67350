// Gibbs sampling of Ising models: many independent chains, one generator per
// chain (xoshiro256** seeded by splitmix64 from (seed, chain)), so every chain
// and hence every result is the same for any number of threads.  Moments are
// sums of +-1 products: integers, accumulated exactly (BLAS dsyrk over batches
// of recorded samples, in doubles, exact below 2^53), so the order in which
// workers add them up does not matter.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"
#include "common/rng.hpp"
#include "maxent/maxent.hpp"

namespace nn {
namespace maxent {
namespace {


}  // namespace

void gibbs(const double* h, const double* J, int n, MatrixView<std::int8_t> states,
           std::int64_t n_burn, std::int64_t n_samples, std::int64_t thin, std::uint64_t seed,
           std::int8_t* samples, double* m1, double* m2, int n_threads) {
  const std::size_t N = static_cast<std::size_t>(n), C = states.rows;
  const bool moments = m1 != nullptr;
  const int n_workers = std::max(1, n_threads);
  std::vector<std::vector<std::int64_t>> acc1(moments ? n_workers : 0);
  std::vector<std::vector<double>> acc2(moments ? n_workers : 0);
  for (auto& a : acc1) a.assign(N, 0);
  for (auto& a : acc2) a.assign(N * N, 0.0);
  constexpr std::size_t batch = 64;

  run_range(C, n_threads, 1, C * N * N * static_cast<std::size_t>(n_burn + n_samples * thin + 1), [&](std::size_t cb, std::size_t ce, int worker) {
    std::vector<double> f(N), buf(moments ? batch * N : 0);
    std::size_t filled = 0;
    auto flush = [&]() {
      if (filled == 0) return;
      lapack::dsyrk('U', 'N', static_cast<lapack::fint>(N), static_cast<lapack::fint>(filled), 1.0,
                    buf.data(), static_cast<lapack::fint>(N), 1.0, acc2[worker].data(),
                    static_cast<lapack::fint>(N));
      filled = 0;
    };
    for (std::size_t c = cb; c < ce; ++c) {
      Rng rng = Rng::stream(seed, c);
      std::int8_t* s = states.row(c);
      for (std::size_t j = 0; j < N; ++j) {
        const double* Jj = J + j * N;
        double a = h[j];
        for (std::size_t i = 0; i < N; ++i) a += Jj[i] * s[i];
        f[j] = a;
      }
      auto sweep = [&]() {
        for (std::size_t i = 0; i < N; ++i) {
          // P(s_i = +1 | rest) = 1 / (1 + exp(-2 f_i))
          const double p_up = 1.0 / (1.0 + std::exp(-2.0 * f[i]));
          const std::int8_t v = rng.uniform() < p_up ? 1 : -1;
          if (v != s[i]) {
            const double d = 2.0 * v;  // s_i changes by 2 v
            const double* Ji = J + i * N;
            for (std::size_t j = 0; j < N; ++j) f[j] += d * Ji[j];
            s[i] = v;
          }
        }
      };
      std::int64_t since_check = 0;
      auto maybe_check = [&]() {
        since_check += static_cast<std::int64_t>(N);
        if (since_check > 20000) {
          check_interrupt();
          since_check = 0;
        }
      };
      for (std::int64_t t = 0; t < n_burn; ++t) {
        sweep();
        maybe_check();
      }
      for (std::int64_t r = 0; r < n_samples; ++r) {
        for (std::int64_t t = 0; t < thin; ++t) {
          sweep();
          maybe_check();
        }
        if (samples) std::memcpy(samples + (c * n_samples + r) * N, s, N);
        if (moments) {
          std::int64_t* a1 = acc1[worker].data();
          double* b = buf.data() + filled * N;
          for (std::size_t i = 0; i < N; ++i) {
            a1[i] += s[i];
            b[i] = s[i];
          }
          if (++filled == batch) flush();
        }
      }
    }
    if (moments) flush();
  });

  if (moments) {
    const double total = static_cast<double>(C) * static_cast<double>(n_samples);
    for (std::size_t i = 0; i < N; ++i) {
      std::int64_t a = 0;
      for (auto& w : acc1) a += w[i];
      m1[i] = total > 0 ? a / total : 0.0;
    }
    for (std::size_t i = 0; i < N; ++i) {
      m2[i * N + i] = 1.0;
      for (std::size_t j = i + 1; j < N; ++j) {
        // column-major 'U' triangle: (i, j) with i < j at i + j * N
        double a = 0.0;
        for (auto& w : acc2) a += w[i + j * N];
        const double v = total > 0 ? a / total : 0.0;
        m2[i * N + j] = v;
        m2[j * N + i] = v;
      }
    }
  }
}

}  // namespace maxent
}  // namespace nn
