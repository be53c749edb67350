// Kraskov-Stoegbauer-Grassberger (KSG) nearest-neighbour estimators, algorithm 1,
// max-norm, for every (source, target) pair at once.
//
// Mutual information (Kraskov, Stoegbauer & Grassberger 2004, Phys. Rev. E
// 69:066138, eq. 8):
//   I(X;Y) = psi(K) + psi(n) - < psi(n_x + 1) + psi(n_y + 1) >
// Transfer entropy as the conditional mutual information I(Y_t ; X^(l) | Y^(k))
// (Frenzel & Pompe 2007, Phys. Rev. Lett. 99:204101; the KSG-1 form used by
// JIDT, Lizier 2014):
//   TE = psi(K) + < psi(n_z + 1) - psi(n_yz + 1) - psi(n_xz + 1) >
// eps_i is the max-norm distance from point i to its K-th nearest neighbour in
// the joint space; n_. counts the other points strictly closer than eps_i in
// each marginal space.  Neighbour search (neighbours.hpp): k-d trees with
// bounding boxes, built once per target for its (y, z) space; with several
// sources, each target's points also get their nearest (y, z)-space neighbours
// listed once, so that a pair's joint K-th neighbour is a short walk down that
// list; sorted 1-D marginals are counted by vectorised runs.  O(n log n) per
// target and about O(n) per pair in practice, never O(n^2).
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/arrays.hpp"

namespace nn {
namespace info {

struct KsgSpec {
  int k = 1;        // target history (>= 1 for TE)
  int l = 1;        // source history (>= 1)
  int delay = 1;    // source-target delay (>= 0)
  int neighbours = 4;
};

// Number of usable time points for TE.
std::size_t ksg_te_samples(std::size_t T, const KsgSpec& spec);

// out(i, j) = KSG TE (nats) from column i of src to column j of tgt.
void te_ksg(MatrixView<const double> src, MatrixView<const double> tgt, const KsgSpec& spec,
            bool zero_diagonal, MatrixView<double> out, int n_threads);

// out(i, j) = KSG MI (nats) between column i of x and column j of y (same time
// points).  With `symmetric` (x is y) only i < j is computed and mirrored, and
// the diagonal is 0.
void mi_ksg(MatrixView<const double> x, MatrixView<const double> y, int neighbours,
            bool symmetric, MatrixView<double> out, int n_threads);

}  // namespace info
}  // namespace nn
