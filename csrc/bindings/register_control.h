// Bindings for csrc/control: batched controllability metrics.
#pragma once
#include "bindings/common.h"
#include "control/controllability.hpp"

namespace nnpy {

inline void register_control(py::module_& m) {
  m.def(
      "symmetric_flags",
      [](const carray<double>& A, double rtol, int n_jobs) {
        auto a = stack(A, "A");
        auto out = py::array_t<bool>(A.shape(0));
        static_assert(sizeof(bool) == 1, "bool must be one byte");
        auto* p = reinterpret_cast<unsigned char*>(out.mutable_data());
        {
          py::gil_scoped_release release;
          nn::control::symmetric_flags(a, rtol, p, n_jobs);
        }
        return out;
      },
      py::arg("A"), py::arg("rtol"), py::arg("n_jobs"),
      "Per matrix of A (S, N, N): max|A - A^T| <= rtol * max|A| -> bool (S,).");

  m.def(
      "spectral_radius_symmetric",
      [](const carray<double>& A, int n_jobs) {
        auto a = stack(A, "A");
        auto out = empty<double>({A.shape(0)});
        {
          py::gil_scoped_release release;
          nn::control::spectral_radius_symmetric(a, out.mutable_data(), n_jobs);
        }
        return out;
      },
      py::arg("A"), py::arg("n_jobs"),
      "Largest |eigenvalue| of each symmetric matrix of A (S, N, N) -> (S,).");

  m.def(
      "symmetric_controllability",
      [](const carray<double>& A, int horizon, double T, bool want_ac, bool want_mc, int n_jobs) {
        auto a = stack(A, "A");
        if (horizon < 0 || horizon > 3) throw std::invalid_argument("unknown horizon code");
        const py::ssize_t s = A.shape(0), n = A.shape(1);
        carray<double> ac = want_ac ? empty<double>({s, n}) : empty<double>({0, 0});
        carray<double> mc = want_mc ? empty<double>({s, n}) : empty<double>({0, 0});
        double* pac = want_ac ? ac.mutable_data() : nullptr;
        double* pmc = want_mc ? mc.mutable_data() : nullptr;
        {
          py::gil_scoped_release release;
          nn::control::symmetric_controllability(a, static_cast<nn::control::Horizon>(horizon), T,
                                                 pac, pmc, n_jobs);
        }
        return py::make_tuple(ac, mc);
      },
      py::arg("A"), py::arg("horizon"), py::arg("T"), py::arg("want_ac"), py::arg("want_mc"),
      py::arg("n_jobs"),
      "Average and modal controllability of symmetric A (S, N, N) -> ((S, N), (S, N)). "
      "horizon: 0 discrete infinite, 1 discrete finite, 2 continuous finite, 3 continuous "
      "infinite.");

  m.def(
      "schur_modal_controllability",
      [](const carray<double>& A, int n_jobs) {
        auto a = stack(A, "A");
        auto out = empty<double>({A.shape(0), A.shape(1)});
        {
          py::gil_scoped_release release;
          nn::control::schur_modal_controllability(a, out.mutable_data(), n_jobs);
        }
        return out;
      },
      py::arg("A"), py::arg("n_jobs"),
      "Modal controllability from the real Schur form of each A (S, N, N) -> (S, N).");

  // Column-major LAPACK on row-major arrays: the C buffer of M^T is M in column-major
  // order, so callers pass transposes and transpose the results back.
  m.def(
      "real_schur",
      [](const carray<double>& At) {
        require_ndim(At, 2, "A");
        const py::ssize_t n = At.shape(0);
        if (At.shape(1) != n) throw std::invalid_argument("A must be square");
        auto T = empty<double>({n, n});
        auto Z = empty<double>({n, n});
        auto wr = empty<double>({n});
        auto wi = empty<double>({n});
        std::copy(At.data(), At.data() + n * n, T.mutable_data());
        double *pt = T.mutable_data(), *pz = Z.mutable_data();
        double *pr = wr.mutable_data(), *pi = wi.mutable_data();
        int info = 0;
        {
          py::gil_scoped_release release;
          info = nn::control::real_schur(static_cast<std::size_t>(n), pt, pz, pr, pi);
        }
        if (info != 0) throw std::runtime_error("dgees failed (info = " + std::to_string(info) + ")");
        return py::make_tuple(T, Z, wr, wi);
      },
      py::arg("At"),
      "Real Schur form of A, given A^T (C order): (T^T, Z^T, wr, wi) with A = Z T Z^T "
      "(LAPACK dgees, no ordering; the GIL is released).");

  m.def(
      "quasi_triangular_sylvester",
      [](const carray<double>& At, const carray<double>& Bt, const carray<double>& Ct, char trana,
         char tranb, int isgn) {
        require_ndim(At, 2, "A");
        require_ndim(Bt, 2, "B");
        require_ndim(Ct, 2, "C");
        const py::ssize_t m_ = At.shape(0), n_ = Bt.shape(0);
        if (At.shape(1) != m_ || Bt.shape(1) != n_ || Ct.shape(0) != n_ || Ct.shape(1) != m_)
          throw std::invalid_argument("A (m, m), B (n, n) and C^T (n, m) expected");
        if ((trana != 'N' && trana != 'T') || (tranb != 'N' && tranb != 'T') ||
            (isgn != 1 && isgn != -1))
          throw std::invalid_argument("trana, tranb in {'N', 'T'} and isgn in {1, -1}");
        auto X = empty<double>({n_, m_});
        std::copy(Ct.data(), Ct.data() + n_ * m_, X.mutable_data());
        const double *pa = At.data(), *pb = Bt.data();
        double* px = X.mutable_data();
        double scale = 1.0;
        int info = 0;
        {
          py::gil_scoped_release release;
          info = nn::control::quasi_triangular_sylvester(trana, tranb, isgn,
                                                         static_cast<std::size_t>(m_),
                                                         static_cast<std::size_t>(n_), pa, pb, px,
                                                         &scale);
        }
        if (info < 0) throw std::runtime_error("dtrsyl failed (info = " + std::to_string(info) + ")");
        return py::make_tuple(X, scale, info);
      },
      py::arg("At"), py::arg("Bt"), py::arg("Ct"), py::arg("trana"), py::arg("tranb"),
      py::arg("isgn"),
      "op(A) X + isgn X op(B) = scale C for quasi-triangular A, B, given A^T, B^T, C^T (C "
      "order): (X^T, scale, info) (LAPACK dtrsyl; the GIL is released).");
}

}  // namespace nnpy
