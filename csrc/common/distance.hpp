// Pairwise distances between the rows of point clouds.
#pragma once
#include <string>

#include "common/arrays.hpp"

namespace nn {

enum class Metric { Euclidean, SqEuclidean, Cityblock, Chebyshev, Minkowski, Cosine };

// Parses "euclidean", "sqeuclidean", "cityblock"/"manhattan"/"l1",
// "chebyshev"/"max"/"linf", "minkowski", "cosine"; throws std::invalid_argument.
Metric parse_metric(const std::string& name);

// out(i, j) = d(x_i, y_j) for X (n x d), Y (m x d), out (n x m).  Computed from
// coordinate differences (not the |x|^2 + |y|^2 - 2 x.y shortcut), so results
// match SciPy's cdist to rounding.  `p` is used by Minkowski only.
void cross_distances(MatrixView<const double> X, MatrixView<const double> Y, Metric metric,
                     double p, MatrixView<double> out, int n_threads);

// Symmetric (n x n) distance matrix of the rows of X with a zero diagonal.
void pairwise_distances(MatrixView<const double> X, Metric metric, double p,
                        MatrixView<double> out, int n_threads);

}  // namespace nn
