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

void check_stable(const double* w, std::size_t n, Horizon h, std::size_t subject) {
  if (h == Horizon::DiscreteInfinite) {
    const double rho = std::max(std::fabs(w[0]), std::fabs(w[n - 1]));
    if (!(rho < 1.0))
      throw std::domain_error(
          "A[" + std::to_string(subject) + "] is not stable for a discrete-time system (spectral "
          "radius " + std::to_string(rho) + " >= 1): the infinite-horizon Gramian does not exist; "
          "normalise A with system='discrete' or give a finite horizon");
  } else if (h == Horizon::ContinuousInfinite) {
    if (!(w[n - 1] < 0.0))
      throw std::domain_error(
          "A[" + std::to_string(subject) + "] is not stable for a continuous-time system (largest "
          "eigenvalue " + std::to_string(w[n - 1]) + " >= 0): the infinite-horizon Gramian does "
          "not exist; normalise A with system='continuous' or give a finite horizon");
  }
}

void lapack_fail(const char* routine, fint info, std::size_t subject) {
  throw std::runtime_error(std::string(routine) + " failed for A[" + std::to_string(subject) +
                           "] (info = " + std::to_string(info) + ")");
}

}  // namespace

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
  parallel_for(A.batch, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> v(n * n), w(n), f(n), g(n);
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      std::copy(A[s].data, A[s].data + n * n, v.begin());
      // Symmetric: the row-major input is its own column-major transpose.
      fint info = lapack::dsyevd('V', 'L', static_cast<fint>(n), v.data(), static_cast<fint>(n),
                                 w.data());
      if (info != 0) lapack_fail("dsyevd", info, s);
      if (ac != nullptr) check_stable(w.data(), n, horizon, s);
      for (std::size_t j = 0; j < n; ++j) {
        f[j] = mode_gain(w[j], horizon, T);
        g[j] = 1.0 - w[j] * w[j];
      }
      // Eigenvector j is the contiguous column v[j*n .. j*n+n); accumulate
      // node sums in a fixed order (j ascending).
      double* oac = ac != nullptr ? ac + s * n : nullptr;
      double* omc = mc != nullptr ? mc + s * n : nullptr;
      if (oac != nullptr) std::fill(oac, oac + n, 0.0);
      if (omc != nullptr) std::fill(omc, omc + n, 0.0);
      for (std::size_t j = 0; j < n; ++j) {
        const double* col = v.data() + j * n;
        if (oac != nullptr) {
          const double fj = f[j];
          for (std::size_t i = 0; i < n; ++i) oac[i] += col[i] * col[i] * fj;
        }
        if (omc != nullptr) {
          const double gj = g[j];
          for (std::size_t i = 0; i < n; ++i) omc[i] += col[i] * col[i] * gj;
        }
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

}  // namespace control
}  // namespace nn
