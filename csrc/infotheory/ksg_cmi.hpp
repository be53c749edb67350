// KSG (Kraskov-Stoegbauer-Grassberger algorithm 1, max-norm) conditional mutual
// information I(X; Y | Z) of arbitrary multivariate X, Y, Z (Frenzel & Pompe
// 2007), the estimator of JIDT's ConditionalMutualInfoCalculatorMultiVariateKraskov1
// (MutualInfoCalculatorMultiVariateKraskov1 when Z has no columns), in nats:
//   psi(k) - < psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) >
// with n_* the points strictly closer than the k-th neighbour in the joint space.
// Batched over permutations of the rows of X (surrogates): one estimate per row
// of `perms`.  Neighbour search (neighbours.hpp): k-d trees of the fixed (Y, Z)
// and Z spaces give each row's nearest neighbours there once per call; every
// permutation then finds a row's joint K-th neighbour and its marginal counts
// by short walks down those lists (brute force over all rows only where a list
// runs out, and for n < 64): O(n log n) per call plus about O(n) per estimate.
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/arrays.hpp"

namespace nn::info {

// X, Y, Z: (n x dx), (n x dy), (n x dz) row-major, dz may be 0; perms: (P x n)
// row indices (each row a permutation of 0..n-1; P == 0: X as given, one
// estimate); out: max(P, 1) values.  Rows are split over n_threads threads; the
// result does not depend on n_threads.  Throws std::invalid_argument on bad
// shapes, k >= n, a perms entry outside [0, n) or a perms row that is not a
// permutation.
void ksg_cmi_perms(MatrixView<const double> X, MatrixView<const double> Y,
                   MatrixView<const double> Z, MatrixView<const std::int64_t> perms, int k,
                   double* out, int n_threads);

}  // namespace nn::info
