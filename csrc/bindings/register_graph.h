// Bindings for csrc/graph: graph metrics, null models, Louvain.
#pragma once
#include <cstdint>

#include "bindings/common.h"
#include "graph/graph.hpp"

namespace nnpy {

namespace graph_detail {
inline nn::graph::Transform transform_code(int t) {
  if (t < 0 || t > 2) throw std::invalid_argument("transform code must be 0, 1 or 2");
  return static_cast<nn::graph::Transform>(t);
}
}  // namespace graph_detail

inline void register_graph(py::module_& m) {
  m.def(
      "clustering_onnela",
      [](const carray<double>& W, int n_jobs) {
        auto w = stack(W, "W");
        const py::ssize_t S = W.shape(0), n = W.shape(1);
        auto C = empty<double>({S, n});
        auto cyc = empty<double>({S, n});
        auto deg = empty<double>({S, n});
        {
          py::gil_scoped_release release;
          nn::graph::clustering_onnela(w, C.mutable_data(), cyc.mutable_data(),
                                       deg.mutable_data(), n_jobs);
        }
        return py::make_tuple(C, cyc, deg);
      },
      py::arg("W"), py::arg("n_jobs"),
      "Onnela clustering of a stack (S, n, n) -> (C, cyc3, degree), each (S, n).");

  m.def(
      "shortest_paths",
      [](const carray<double>& W, int transform, int n_jobs) {
        auto w = stack(W, "W");
        auto D = empty<double>({W.shape(0), W.shape(1), W.shape(2)});
        auto d = mutable_stack(D, "D");
        auto t = graph_detail::transform_code(transform);
        {
          py::gil_scoped_release release;
          nn::graph::shortest_paths(w, t, d, n_jobs);
        }
        return D;
      },
      py::arg("W"), py::arg("transform"), py::arg("n_jobs"),
      "All-pairs shortest path lengths of a stack (S, n, n) -> (S, n, n).");

  m.def(
      "path_summaries",
      [](const carray<double>& W, int transform, int n_jobs) {
        auto w = stack(W, "W");
        const py::ssize_t S = W.shape(0);
        auto a = empty<double>({S});
        auto b = empty<double>({S});
        auto c = empty<double>({S});
        auto d = empty<double>({S});
        auto t = graph_detail::transform_code(transform);
        {
          py::gil_scoped_release release;
          nn::graph::path_summaries(w, t, a.mutable_data(), b.mutable_data(), c.mutable_data(),
                                    d.mutable_data(), n_jobs);
        }
        return py::make_tuple(a, b, c, d);
      },
      py::arg("W"), py::arg("transform"), py::arg("n_jobs"),
      "(sum of finite distances, their count, number of infinite, sum of 1/d), each (S,).");

  m.def(
      "local_efficiency",
      [](const carray<double>& W, int transform, int n_jobs) {
        auto w = stack(W, "W");
        auto E = empty<double>({W.shape(0), W.shape(1)});
        auto t = graph_detail::transform_code(transform);
        {
          py::gil_scoped_release release;
          nn::graph::local_efficiency(w, t, E.mutable_data(), n_jobs);
        }
        return E;
      },
      py::arg("W"), py::arg("transform"), py::arg("n_jobs"),
      "Local efficiency (Wang et al. 2016) of a stack (S, n, n) -> (S, n).");

  m.def(
      "rewire_undirected",
      [](carray<double>& W, std::uint64_t n_swaps, std::uint64_t max_attempts, bool lattice,
         std::uint64_t seed) {
        auto w = mutable_matrix(W, "W");
        std::size_t acc;
        {
          py::gil_scoped_release release;
          acc = nn::graph::rewire_undirected(w, n_swaps, max_attempts, lattice, seed);
        }
        return acc;
      },
      py::arg("W"), py::arg("n_swaps"), py::arg("max_attempts"), py::arg("lattice"),
      py::arg("seed"), "Degree-preserving double-edge swaps in place; returns accepted swaps.");

  m.def(
      "assign_weights_strength",
      [](const carray<double>& B, const carray<double>& weights, const carray<double>& strength,
         double batch_fraction, std::uint64_t n_refine, std::uint64_t seed) {
        auto b = matrix(B, "B");
        require_ndim(weights, 1, "weights");
        require_ndim(strength, 1, "strength");
        if (strength.shape(0) != B.shape(0))
          throw std::invalid_argument("strength must have one entry per node");
        auto out = empty<double>({B.shape(0), B.shape(1)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::graph::assign_weights_strength(b, weights.data(),
                                             static_cast<std::size_t>(weights.shape(0)),
                                             strength.data(), batch_fraction, n_refine, seed, o);
        }
        return out;
      },
      py::arg("B"), py::arg("weights"), py::arg("strength"), py::arg("batch_fraction"),
      py::arg("n_refine"), py::arg("seed"), "Strength-preserving weight reassignment on a binary skeleton.");

  m.def(
      "louvain",
      [](const carray<double>& W, double gamma, std::uint64_t seed) {
        auto w = matrix(W, "W");
        auto labels = empty<std::int64_t>({W.shape(0)});
        double q;
        {
          py::gil_scoped_release release;
          q = nn::graph::louvain(w, gamma, seed, labels.mutable_data());
        }
        return py::make_tuple(labels, q);
      },
      py::arg("W"), py::arg("gamma"), py::arg("seed"),
      "Louvain communities -> (labels (n,), modularity).");
}

}  // namespace nnpy
