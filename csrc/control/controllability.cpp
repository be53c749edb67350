#include "control/controllability.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"

namespace nn {
namespace control {

namespace {

using lapack::fint;

void lapack_fail(const char* routine, fint info, std::size_t subject);

// Inverse of a triangular matrix (LAPACK dtrtri), typed wrapper around SciPy's export.
using dtrtri_t = void (*)(const char*, const char*, const fint*, double*, const fint*, fint*);
fint dtrtri(char uplo, char diag, fint n, double* a, fint lda) {
  static auto f = reinterpret_cast<dtrtri_t>(lapack::lookup("dtrtri"));
  fint info = 0;
  f(&uplo, &diag, &n, a, &lda, &info);
  return info;
}

// diag(M^{-1}) for symmetric positive definite M (column-major, lower triangle
// used, overwritten): M = L L^T, M^{-1} = L^{-T} L^{-1}, so entry i is the
// squared norm of column i of L^{-1}.  Returns false if M is not positive
// definite.
bool spd_inverse_diagonal(double* m, std::size_t n, double* out, std::size_t subject) {
  const fint nn = static_cast<fint>(n);
  fint info = lapack::dpotrf('L', nn, m, nn);
  if (info > 0) return false;
  if (info < 0) lapack_fail("dpotrf", info, subject);
  info = dtrtri('L', 'N', nn, m, nn);
  if (info != 0) lapack_fail("dtrtri", info, subject);
  for (std::size_t i = 0; i < n; ++i) {
    const double* col = m + i * n;
    double acc = 0.0;
    for (std::size_t k = i; k < n; ++k) acc += col[k] * col[k];
    out[i] = acc;
  }
  return true;
}

// f(l) for average controllability, the Gramian of one mode with itself.
// Discrete:   sum_{k=0}^{T-1} l^{2k}       (T = inf: 1 / (1 - l^2))
// Continuous: int_0^T e^{2 l t} dt         (T = inf: -1 / (2 l))
inline double mode_gain(double l, Horizon h, double T) {
  switch (h) {
    case Horizon::DiscreteInfinite:
      return 1.0 / (1.0 - l * l);
    case Horizon::DiscreteFinite: {
      const double l2 = l * l;
      if (l2 == 1.0) return T;
      // (1 - l^{2T}) / (1 - l^2), with l^{2T} = exp(T log l^2) for accuracy near 1
      if (l2 == 0.0) return 1.0;
      return -std::expm1(T * std::log(l2)) / (1.0 - l2);
    }
    case Horizon::ContinuousFinite:
      if (l == 0.0) return T;
      return std::expm1(2.0 * l * T) / (2.0 * l);
    case Horizon::ContinuousInfinite:
      return -0.5 / l;
  }
  return 0.0;
}

void lapack_fail(const char* routine, fint info, std::size_t subject) {
  throw std::runtime_error(std::string(routine) + " failed for A[" + std::to_string(subject) +
                           "] (info = " + std::to_string(info) + ")");
}

}  // namespace

void symmetric_flags(StackView<const double> A, double rtol, unsigned char* out, int n_threads) {
  const std::size_t n = A.rows;
  if (A.cols != n) throw std::invalid_argument("A must be square");
  constexpr std::size_t tile = 64;  // compare tiles (i, j) and (j, i) in cache
  parallel_for(A.batch, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      const double* a = A[s].data;
      double diff = 0.0, scale = 0.0;
      for (std::size_t i = 0; i < n * n; ++i) scale = std::max(scale, std::fabs(a[i]));
      for (std::size_t ib = 0; ib < n; ib += tile)
        for (std::size_t jb = ib; jb < n; jb += tile) {
          const std::size_t ie = std::min(n, ib + tile), je = std::min(n, jb + tile);
          for (std::size_t i = ib; i < ie; ++i)
            for (std::size_t j = std::max(jb, i + 1); j < je; ++j)
              diff = std::max(diff, std::fabs(a[i * n + j] - a[j * n + i]));
        }
      out[s] = diff <= rtol * scale ? 1 : 0;
    }
  });
}

void spectral_radius_symmetric(StackView<const double> A, double* out, int n_threads) {
  const std::size_t n = A.rows;
  if (A.cols != n) throw std::invalid_argument("A must be square");
  parallel_for(A.batch, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> work(n * n), w(n);
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      std::copy(A[s].data, A[s].data + n * n, work.begin());
      fint info = lapack::dsyevd('N', 'L', static_cast<fint>(n), work.data(), static_cast<fint>(n),
                                 w.data());
      if (info != 0) lapack_fail("dsyevd", info, s);
      out[s] = std::max(std::fabs(w[0]), std::fabs(w[n - 1]));
    }
  });
}

void symmetric_controllability(StackView<const double> A, Horizon horizon, double T, double* ac,
                               double* mc, int n_threads) {
  const std::size_t n = A.rows;
  if (A.cols != n) throw std::invalid_argument("A must be square");
  // Infinite horizons need no eigenvectors: sum_j V_ij^2 f(l_j) is diag(f(A)),
  // with f(A) = (I - A^2)^{-1} (discrete) or (-2A)^{-1} (continuous), both
  // symmetric positive definite exactly when A is stable: one Cholesky
  // factorisation and a triangular inverse.  Finite horizons use dsyevd.
  parallel_for(A.batch, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> v(ac != nullptr ? n * n : 0), w(n);
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      const double* a = A[s].data;
      if (mc != nullptr) {
        // sum_j V_ij^2 (1 - l_j^2) = (I - A^2)_ii = 1 - sum_k A_ik^2 (A symmetric)
        double* o = mc + s * n;
        for (std::size_t i = 0; i < n; ++i) {
          const double* row = a + i * n;
          double acc = 0.0;
          for (std::size_t k = 0; k < n; ++k) acc += row[k] * row[k];
          o[i] = 1.0 - acc;
        }
      }
      if (ac == nullptr) continue;
      double* oac = ac + s * n;
      const fint nn = static_cast<fint>(n);
      if (horizon == Horizon::DiscreteInfinite) {
        std::fill(v.begin(), v.end(), 0.0);
        for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
        // v <- I - A A^T (lower triangle); A is symmetric so its layout does not matter
        lapack::dsyrk('L', 'N', nn, nn, -1.0, a, nn, 1.0, v.data(), nn);
        if (!spd_inverse_diagonal(v.data(), n, oac, s))
          throw std::domain_error(
              "A[" + std::to_string(s) + "] is not stable for a discrete-time system (an "
              "eigenvalue has |l| >= 1): the infinite-horizon Gramian does not exist; "
              "normalise A with system='discrete' or give a finite horizon");
        continue;
      }
      if (horizon == Horizon::ContinuousInfinite) {
        for (std::size_t i = 0; i < n * n; ++i) v[i] = -2.0 * a[i];
        if (!spd_inverse_diagonal(v.data(), n, oac, s))
          throw std::domain_error(
              "A[" + std::to_string(s) + "] is not stable for a continuous-time system (an "
              "eigenvalue is >= 0): the infinite-horizon Gramian does not exist; normalise A "
              "with system='continuous' or give a finite horizon");
        continue;
      }
      std::copy(a, a + n * n, v.begin());
      fint info = lapack::dsyevd('V', 'L', nn, v.data(), nn, w.data());
      if (info != 0) lapack_fail("dsyevd", info, s);
      // Eigenvector j is the contiguous column v[j*n .. j*n+n); node sums in a
      // fixed order (j ascending).
      std::fill(oac, oac + n, 0.0);
      for (std::size_t j = 0; j < n; ++j) {
        const double fj = mode_gain(w[j], horizon, T);
        const double* col = v.data() + j * n;
        for (std::size_t i = 0; i < n; ++i) oac[i] += col[i] * col[i] * fj;
      }
    }
  });
}

void schur_modal_controllability(StackView<const double> A, double* mc, int n_threads) {
  const std::size_t n = A.rows;
  if (A.cols != n) throw std::invalid_argument("A must be square");
  parallel_for(A.batch, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> t(n * n), u(n * n), wr(n), wi(n);
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      // Column-major copy of the row-major A[s] (a transpose).
      const double* a = A[s].data;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) t[j * n + i] = a[i * n + j];
      fint sdim = 0;
      fint info = lapack::dgees('V', static_cast<fint>(n), t.data(), static_cast<fint>(n), &sdim,
                                wr.data(), wi.data(), u.data(), static_cast<fint>(n));
      if (info != 0) lapack_fail("dgees", info, s);
      double* o = mc + s * n;
      std::fill(o, o + n, 0.0);
      for (std::size_t j = 0; j < n; ++j) {
        const double r = t[j * n + j];
        const double gj = 1.0 - r * r;
        const double* col = u.data() + j * n;
        for (std::size_t i = 0; i < n; ++i) o[i] += col[i] * col[i] * gj;
      }
    }
  });
}

int real_schur(std::size_t n, double* a, double* z, double* wr, double* wi) {
  if (n == 0) return 0;
  lapack::fint sdim = 0;
  const auto nn = static_cast<lapack::fint>(n);
  return static_cast<int>(lapack::dgees('V', nn, a, nn, &sdim, wr, wi, z, nn));
}

int quasi_triangular_sylvester(char trana, char tranb, int isgn, std::size_t m, std::size_t n,
                               const double* a, const double* b, double* c, double* scale) {
  *scale = 1.0;
  if (m == 0 || n == 0) return 0;
  const auto mm = static_cast<lapack::fint>(m), nn = static_cast<lapack::fint>(n);
  return static_cast<int>(lapack::dtrsyl(trana, tranb, static_cast<lapack::fint>(isgn), mm, nn,
                                         a, mm, b, nn, c, mm, scale));
}

}  // namespace control
}  // namespace nn
