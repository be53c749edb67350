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
}

}  // namespace nnpy
