// Bindings for csrc/common: build information, threads, pairwise distances.
#pragma once
#include "bindings/common.h"
#include "common/distance.hpp"
#include "common/parallel.hpp"

namespace nnpy {

inline void register_common(py::module_& m) {
  m.def("hardware_threads", &nn::hardware_threads,
        "Number of hardware threads the core sees (std::thread::hardware_concurrency).");

  m.def(
      "pairwise_distances",
      [](const carray<double>& X, const std::string& metric, double p, int n_jobs) {
        auto x = matrix(X, "X");
        nn::Metric mt = nn::parse_metric(metric);
        auto out = empty<double>({X.shape(0), X.shape(0)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::pairwise_distances(x, mt, p, o, n_jobs);
        }
        return out;
      },
      py::arg("X"), py::arg("metric"), py::arg("p"), py::arg("n_jobs"),
      "Symmetric distance matrix of the rows of X (n, d) -> (n, n).");

  m.def(
      "cross_distances",
      [](const carray<double>& X, const carray<double>& Y, const std::string& metric, double p,
         int n_jobs) {
        auto x = matrix(X, "X");
        auto y = matrix(Y, "Y");
        nn::Metric mt = nn::parse_metric(metric);
        auto out = empty<double>({X.shape(0), Y.shape(0)});
        auto o = mutable_matrix(out, "out");
        {
          py::gil_scoped_release release;
          nn::cross_distances(x, y, mt, p, o, n_jobs);
        }
        return out;
      },
      py::arg("X"), py::arg("Y"), py::arg("metric"), py::arg("p"), py::arg("n_jobs"),
      "Distances between the rows of X (n, d) and Y (m, d) -> (n, m).");
}

}  // namespace nnpy
