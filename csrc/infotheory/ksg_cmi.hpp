// KSG (Kraskov-Stoegbauer-Grassberger algorithm 1, max-norm) conditional mutual
// information I(X; Y | Z) of arbitrary multivariate X, Y, Z (Frenzel & Pompe
// 2007), the estimator of JIDT's ConditionalMutualInfoCalculatorMultiVariateKraskov1
// (MutualInfoCalculatorMultiVariateKraskov1 when Z has no columns), in nats:
//   psi(k) - < psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) >
// with n_* the points strictly closer than the k-th neighbour in the joint space.
// Batched over candidates X sharing Y and Z and over permutations of the rows
// of each candidate (surrogates): one estimate per row of `perms`.  Neighbour search (neighbours.hpp): k-d trees of the fixed (Y, Z)
// and Z spaces (a sorted column for a 1-D Y without Z) give each row's nearest
// neighbours there once per call; every estimate (candidate x permutation)
// then finds a row's joint K-th neighbour and its marginal counts by short
// walks down those lists (a list that runs out is doubled; brute force over
// all rows for n < 64 or < 16 estimates): O(n log n) per call plus about O(n)
// per estimate.
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/arrays.hpp"

namespace nn::info {

// X, Y, Z: (n x groups*dx), (n x dy), (n x dz) row-major, dz may be 0: X holds
// `groups` candidates of dx columns each, all sharing Y and Z (and the
// neighbour structures of their spaces); perms: (groups*P x n) row indices,
// rows [g P, (g + 1) P) permuting candidate g (each row a permutation of
// 0..n-1; P == 0: each candidate as given, one estimate); out: groups*max(P, 1)
// values in the order of the rows of perms.  Rows are split over n_threads
// threads; the result does not depend on n_threads or on the grouping.
// Throws std::invalid_argument on bad shapes, k >= n, groups not dividing the
// columns of X or the rows of perms, a perms entry outside [0, n) or a perms
// row that is not a permutation.
void ksg_cmi_perms(MatrixView<const double> X, MatrixView<const double> Y,
                   MatrixView<const double> Z, MatrixView<const std::int64_t> perms, int k,
                   double* out, int n_threads, std::size_t groups = 1);

}  // namespace nn::info
