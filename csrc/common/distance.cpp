#include "common/distance.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"

namespace nn {

Metric parse_metric(const std::string& name) {
  if (name == "euclidean" || name == "l2") return Metric::Euclidean;
  if (name == "sqeuclidean") return Metric::SqEuclidean;
  if (name == "cityblock" || name == "manhattan" || name == "l1") return Metric::Cityblock;
  if (name == "chebyshev" || name == "max" || name == "linf") return Metric::Chebyshev;
  if (name == "minkowski") return Metric::Minkowski;
  if (name == "cosine") return Metric::Cosine;
  throw std::invalid_argument("unknown metric '" + name + "'");
}

namespace {

inline double distance(const double* x, const double* y, std::size_t d, Metric metric, double p) {
  double acc = 0.0;
  switch (metric) {
    case Metric::Euclidean:
    case Metric::SqEuclidean:
      for (std::size_t k = 0; k < d; ++k) {
        double t = x[k] - y[k];
        acc += t * t;
      }
      return metric == Metric::Euclidean ? std::sqrt(acc) : acc;
    case Metric::Cityblock:
      for (std::size_t k = 0; k < d; ++k) acc += std::fabs(x[k] - y[k]);
      return acc;
    case Metric::Chebyshev:
      for (std::size_t k = 0; k < d; ++k) acc = std::max(acc, std::fabs(x[k] - y[k]));
      return acc;
    case Metric::Minkowski:
      for (std::size_t k = 0; k < d; ++k) acc += std::pow(std::fabs(x[k] - y[k]), p);
      return std::pow(acc, 1.0 / p);
    case Metric::Cosine: {
      double xy = 0, xx = 0, yy = 0;
      for (std::size_t k = 0; k < d; ++k) {
        xy += x[k] * y[k];
        xx += x[k] * x[k];
        yy += y[k] * y[k];
      }
      if (xx == 0.0 || yy == 0.0)
        throw std::invalid_argument("cosine distance is undefined for an all-zero point");
      return std::max(0.0, 1.0 - xy / std::sqrt(xx * yy));
    }
  }
  return 0.0;
}

}  // namespace

void cross_distances(MatrixView<const double> X, MatrixView<const double> Y, Metric metric,
                     double p, MatrixView<double> out, int n_threads) {
  if (X.cols != Y.cols) throw std::invalid_argument("X and Y must have the same number of columns");
  if (out.rows != X.rows || out.cols != Y.rows) throw std::invalid_argument("out has the wrong shape");
  const std::size_t d = X.cols;
  parallel_for(X.rows, n_threads, 16, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t i = b; i < e; ++i) {
      check_interrupt();
      const double* xi = X.row(i);
      double* o = out.row(i);
      for (std::size_t j = 0; j < Y.rows; ++j) o[j] = distance(xi, Y.row(j), d, metric, p);
    }
  });
}

void pairwise_distances(MatrixView<const double> X, Metric metric, double p,
                        MatrixView<double> out, int n_threads) {
  const std::size_t n = X.rows, d = X.cols;
  if (out.rows != n || out.cols != n) throw std::invalid_argument("out has the wrong shape");
  // Upper triangle by rows; grain keeps chunks balanced (row i costs n - i).
  parallel_for(n, n_threads, 8, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t i = b; i < e; ++i) {
      check_interrupt();
      const double* xi = X.row(i);
      out(i, i) = 0.0;
      for (std::size_t j = i + 1; j < n; ++j) out(i, j) = distance(xi, X.row(j), d, metric, p);
    }
  });
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) out(i, j) = out(j, i);
}

}  // namespace nn
