// Bindings for csrc/maxent: pairwise maximum-entropy (Ising) models.
#pragma once
#include <cstdint>
#include <vector>

#include "bindings/common.h"
#include "maxent/maxent.hpp"

namespace nnpy {

namespace maxent_detail {
inline int check_model(const carray<double>& h, const carray<double>& J) {
  require_ndim(h, 1, "h");
  require_ndim(J, 2, "J");
  const auto n = h.shape(0);
  if (J.shape(0) != n || J.shape(1) != n)
    throw std::invalid_argument("J must be (N, N) with N = len(h)");
  return static_cast<int>(n);
}
}  // namespace maxent_detail

inline void register_maxent(py::module_& m) {
  m.attr("max_exact_units") = nn::maxent::max_exact_units;

  m.def(
      "all_energies",
      [](const carray<double>& h, const carray<double>& J, int n_jobs) {
        const int n = maxent_detail::check_model(h, J);
        if (n > nn::maxent::max_exact_units) throw std::invalid_argument("N too large");
        auto out = empty<double>({static_cast<py::ssize_t>(std::int64_t{1} << n)});
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          nn::maxent::all_energies(h.data(), J.data(), n, o, n_jobs);
        }
        return out;
      },
      py::arg("h"), py::arg("J"), py::arg("n_jobs"),
      "Energies of all 2^N states (state k: s_i = +1 iff bit i of k is set).");

  m.def(
      "exact_moments",
      [](const carray<double>& h, const carray<double>& J, bool hessian, int n_jobs) {
        const int n = maxent_detail::check_model(h, J);
        const py::ssize_t N = n, D = N + N * (N - 1) / 2;
        auto m1 = empty<double>({N});
        auto m2 = empty<double>({N, N});
        py::object H = py::none();
        double* hp = nullptr;
        carray<double> Harr;
        if (hessian) {
          Harr = empty<double>({D, D});
          hp = Harr.mutable_data();
          H = Harr;
        }
        double log_z = 0, mean_e = 0;
        double* p1 = m1.mutable_data();
        double* p2 = m2.mutable_data();
        {
          py::gil_scoped_release release;
          nn::maxent::exact_moments(h.data(), J.data(), n, &log_z, &mean_e, p1, p2, hp, n_jobs);
        }
        return py::make_tuple(log_z, mean_e, m1, m2, H);
      },
      py::arg("h"), py::arg("J"), py::arg("hessian"), py::arg("n_jobs"),
      "(log Z, <E>, <s_i> (N), <s_i s_j> (N, N), covariance of (s_i, s_i s_j [i<j]) or None).");

  m.def(
      "low_order_moments",
      [](const carray<double>& h, const carray<double>& J, int order, int n_jobs) {
        const int n = maxent_detail::check_model(h, J);
        if (n > nn::maxent::max_exact_units) throw std::invalid_argument("N too large");
        if (order < 0 || order > 4) throw std::invalid_argument("order must be in [0, 4]");
        const auto size = static_cast<py::ssize_t>(nn::maxent::low_order_size(n, order));
        auto masks = empty<std::int64_t>({size});
        auto W = empty<double>({size});
        double* w = W.mutable_data();
        auto* mk = reinterpret_cast<std::uint64_t*>(masks.mutable_data());
        double log_z = 0, mean_e = 0;
        {
          py::gil_scoped_release release;
          nn::maxent::low_order_masks(n, order, mk);
          nn::maxent::low_order_moments(h.data(), J.data(), n, order, w, &log_z, &mean_e, n_jobs);
        }
        return py::make_tuple(log_z, mean_e, masks, W);
      },
      py::arg("h"), py::arg("J"), py::arg("order"), py::arg("n_jobs"),
      "(log Z, <E> (NaN for order < 2), masks, W) with W[a] = <prod_{i in masks[a]} s_i> for every bit mask with at "
      "most `order` (0-4) bits, without storing the 2^N states.");

  m.def(
      "pseudolikelihood",
      [](const carray<std::int8_t>& S, py::object weights, const carray<double>& h,
         const carray<double>& J, int n_jobs) {
        auto s = matrix(S, "S");
        const int n = maxent_detail::check_model(h, J);
        if (static_cast<int>(s.cols) != n) throw std::invalid_argument("S must have N columns");
        carray<double> w;
        const double* wp = nullptr;
        if (!weights.is_none()) {
          w = weights.cast<carray<double>>();
          require_ndim(w, 1, "weights");
          if (static_cast<std::size_t>(w.shape(0)) != s.rows)
            throw std::invalid_argument("weights must have one entry per sample");
          wp = w.data();
        }
        auto gh = empty<double>({n});
        auto gJ = empty<double>({n, n});
        double value = 0;
        double* pgh = gh.mutable_data();
        double* pgJ = gJ.mutable_data();
        {
          py::gil_scoped_release release;
          nn::maxent::pseudolikelihood(s, wp, h.data(), J.data(), &value, pgh, pgJ, n_jobs);
        }
        return py::make_tuple(value, gh, gJ);
      },
      py::arg("S"), py::arg("weights"), py::arg("h"), py::arg("J"), py::arg("n_jobs"),
      "(negative log pseudolikelihood per sample, d/dh (N), d/dJ (N, N) symmetric).");

  m.def(
      "gibbs",
      [](const carray<double>& h, const carray<double>& J, carray<std::int8_t> states,
         std::int64_t n_burn, std::int64_t n_samples, std::int64_t thin, std::uint64_t seed,
         bool record, bool moments, int n_jobs) {
        const int n = maxent_detail::check_model(h, J);
        auto st = mutable_matrix(states, "states");
        if (static_cast<int>(st.cols) != n) throw std::invalid_argument("states must have N columns");
        if (n_burn < 0 || n_samples < 0 || thin < 1)
          throw std::invalid_argument("n_burn, n_samples >= 0 and thin >= 1 required");
        py::object samples = py::none(), m1 = py::none(), m2 = py::none();
        std::int8_t* sp = nullptr;
        double *p1 = nullptr, *p2 = nullptr;
        carray<std::int8_t> sarr;
        carray<double> a1, a2;
        if (record) {
          sarr = empty<std::int8_t>({static_cast<py::ssize_t>(st.rows),
                                     static_cast<py::ssize_t>(n_samples), n});
          sp = sarr.mutable_data();
          samples = sarr;
        }
        if (moments) {
          a1 = empty<double>({n});
          a2 = empty<double>({n, n});
          p1 = a1.mutable_data();
          p2 = a2.mutable_data();
          m1 = a1;
          m2 = a2;
        }
        {
          py::gil_scoped_release release;
          nn::maxent::gibbs(h.data(), J.data(), n, st, n_burn, n_samples, thin, seed, sp, p1, p2,
                            n_jobs);
        }
        return py::make_tuple(samples, m1, m2);
      },
      py::arg("h"), py::arg("J"), py::arg("states"), py::arg("n_burn"), py::arg("n_samples"),
      py::arg("thin"), py::arg("seed"), py::arg("record"), py::arg("moments"), py::arg("n_jobs"),
      "Gibbs sampling; states (chains, N) int8 updated in place. Returns (samples (C, n, N) or "
      "None, <s_i> or None, <s_i s_j> or None).");

  m.def(
      "landscape",
      [](const carray<double>& E, int n, int n_jobs) {
        require_ndim(E, 1, "energies");
        if (n < 1 || n > nn::maxent::max_exact_units ||
            E.shape(0) != static_cast<py::ssize_t>(std::int64_t{1} << n))
          throw std::invalid_argument("energies must have 2^N entries");
        const py::ssize_t S = E.shape(0);
        auto down = empty<std::int64_t>({S});
        auto basin = empty<std::int64_t>({S});
        std::vector<std::int64_t> minima, merges;
        std::int64_t* pd = down.mutable_data();
        std::int64_t* pb = basin.mutable_data();
        {
          py::gil_scoped_release release;
          nn::maxent::landscape(E.data(), n, pd, pb, minima, merges, n_jobs);
        }
        auto mins = empty<std::int64_t>({static_cast<py::ssize_t>(minima.size())});
        std::copy(minima.begin(), minima.end(), mins.mutable_data());
        auto mg = empty<std::int64_t>({static_cast<py::ssize_t>(merges.size() / 3), 3});
        std::copy(merges.begin(), merges.end(), mg.mutable_data());
        return py::make_tuple(down, basin, mins, mg);
      },
      py::arg("energies"), py::arg("n"), py::arg("n_jobs"),
      "(down (2^N), basin minimum per state (2^N), minima sorted by energy, merges (M, 3): "
      "saddle state, lower minimum, other minimum).");
}

}  // namespace nnpy
