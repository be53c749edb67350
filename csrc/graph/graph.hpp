// Graph metrics, null models and community detection on dense matrices.
//
// All matrices are row-major (n x n) double; batches are stacks (S x n x n).
// The Python layer (netneuro.graph / netneuro.generate) validates inputs
// (square, finite, non-negative, symmetric where needed) before calling here.
// A zero entry means "no edge".  Diagonals are ignored by every kernel.
//
// Threads: single matrices are parallelised inside (sources / nodes), stacks
// across subjects.  Every result is written by item index, so the output is
// identical for every n_threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/arrays.hpp"
#include "common/rng.hpp"

namespace nn {
namespace graph {

// Weight -> length transforms for path-based measures.
enum class Transform : int {
  None = 0,     // the matrix already holds lengths
  Inverse = 1,  // length = 1 / w   (bct.weight_conversion(W, 'lengths'))
  NegLog = 2,   // length = -log(w) (w in (0, 1])
};

// ---- clustering -----------------------------------------------------------------
// Onnela weighted clustering (bct.clustering_coef_wu): out[s, i] =
// [(W^{1/3})^3]_ii / (k_i (k_i - 1)), 0 when there is no triangle.  Also writes
// the numerator cyc3 and the degree into cyc (S x n) and deg (S x n) when not
// null (transitivity uses them).
void clustering_onnela(StackView<const double> W, double* out, double* cyc, double* deg,
                       int n_threads);

// ---- shortest paths -------------------------------------------------------------
// All-pairs shortest path lengths.  Per matrix: blocked Floyd-Warshall when
// >= 15 % of the pairs are joined, else Dijkstra from every source (dense scan
// below 200 nodes, binary heap over pruned adjacency lists above).  The choice
// depends only on the matrix.  out: (S x n x n); +inf where unreachable, 0 on
// the diagonal.
void shortest_paths(StackView<const double> W, Transform t, StackView<double> out,
                    int n_threads);

// Per-matrix summaries without storing the distance matrices:
//   sum_fin[s]  = sum of finite off-diagonal distances, n_fin[s] = their count,
//   n_inf[s]    = number of unreachable ordered pairs,
//   sum_inv[s]  = sum of 1/d over off-diagonal pairs (1/inf = 0).
void path_summaries(StackView<const double> W, Transform t, double* sum_fin, double* n_fin,
                    double* n_inf, double* sum_inv, int n_threads);

// Local efficiency, Wang et al. (2016) variant as bct.efficiency_wei(W, local=True):
// E_u = sum_{i != j in N(u)} (w_ui w_uj)^{1/3} / d^{(u)}_ij / (k_u (k_u - 1)),
// with d^{(u)} the shortest paths inside the neighbourhood of u using lengths
// (transform(w))^{1/3}.  out: (S x n).
void local_efficiency(StackView<const double> W, Transform t, double* out, int n_threads);

using nn::Rng;  // xoshiro256** from common/rng.hpp

// ---- null models ----------------------------------------------------------------
// Maslov-Sneppen double-edge swaps on an undirected matrix (in place), until
// n_swaps swaps were accepted or max_attempts were tried.  Each attempt picks two edges (a,b), (c,d) and, if a,b,c,d are distinct and
// neither (a,d) nor (c,b) exists, rewires them to (a,d), (c,b); each edge keeps
// its weight.  Degrees are preserved exactly.  With `lattice`, a swap is only
// accepted when it does not increase sum_e w_e * ring(i, j) where ring is the
// distance from the diagonal on a ring (latticisation, Sporns & Zwi 2004).
// Returns the number of accepted swaps.
std::size_t rewire_undirected(MatrixView<double> W, std::uint64_t n_swaps,
                              std::uint64_t max_attempts, bool lattice, std::uint64_t seed);

// Rubinov & Sporns (2011)-style weight reassignment: given the binary skeleton B
// (already degree-randomised) and the original weights (a list) and target
// strengths, assigns weights to the edges of B so that strengths are
// approximately preserved: edges ranked by expected weight s_i s_j (remaining
// strengths) receive weights of the same rank; ranks are recomputed after every
// `batch_fraction` of the remaining edges.  Then n_refine random swaps of the
// weights of two edges, kept when they lower sum_i (s_i - strength_i)^2.
// out: (n x n) symmetric.
void assign_weights_strength(MatrixView<const double> B, const double* weights,
                             std::size_t n_weights, const double* strength,
                             double batch_fraction, std::uint64_t n_refine, std::uint64_t seed,
                             MatrixView<double> out);

// ---- communities ----------------------------------------------------------------
// Louvain modularity maximisation (Blondel et al. 2008) with resolution gamma.
// Nodes are visited in a seeded random order.  Writes community labels 0..K-1
// (by order of first appearance) into `labels`; returns the modularity.
double louvain(MatrixView<const double> W, double gamma, std::uint64_t seed,
               std::int64_t* labels);

}  // namespace graph
}  // namespace nn
