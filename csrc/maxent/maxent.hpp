// Pairwise maximum-entropy (Ising) models: kernels.
//
// Convention everywhere in the core: spins s_i in {-1, +1}, energy
//   E(s) = -sum_i h_i s_i - sum_{i<j} J_ij s_i s_j,   P(s) = exp(-E(s)) / Z,
// with J symmetric (N x N, row-major, zero diagonal).  State index k in
// [0, 2^N) encodes s_i = +1 when bit i of k is set, -1 otherwise (unit 0 is the
// least significant bit).  The Python layer converts {0,1} models.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/arrays.hpp"

namespace nn {
namespace maxent {

// parallel_for, but runs the body inline on the calling thread when one
// thread is asked for or the work is small (starting and joining threads
// costs more than a small kernel).  Bodies here never depend on the partition,
// so results are the same either way.
void run_range(std::size_t n, int n_threads, std::size_t grain, std::size_t work,
               const std::function<void(std::size_t, std::size_t, int)>& body);

// Largest N the enumeration kernels accept (2^N states indexed by uint64).
constexpr int max_exact_units = 30;

// Energies of all 2^N states (blocks of 2^12 states sharing their high bits;
// inside a block one addition per state; threads over blocks).  out has 2^N
// entries.
void all_energies(const double* h, const double* J, int n, double* out, int n_threads);

// Exact moments of the model by enumeration.
//   log_z   : log partition function
//   mean_e  : <E>
//   m1      : <s_i>                (n)
//   m2      : <s_i s_j>            (n x n, diagonal 1)
//   hess    : if non-null, covariance of the sufficient statistics
//             phi = (s_1..s_n, s_i s_j for i<j in row-major order), D x D with
//             D = n + n(n-1)/2 (the Hessian of log Z).
// Partial sums are formed over a fixed partition of the states and combined in
// a fixed order, so results do not depend on n_threads.
void exact_moments(const double* h, const double* J, int n, double* log_z, double* mean_e,
                   double* m1, double* m2, double* hess, int n_threads);

// Spin-product moments of low order without storing the 2^N distribution: W[a] = <prod_{i in
// A_a} s_i> for every subset A_a of the units with |A_a| <= order (0 <= order <= 4), in the
// order of low_order_masks (popcount-grouped blocks; W[0] = 1 for the empty set).  Order 2
// gives the means and pair correlations, order 4 also every W[A ^ B] of two pairs (the
// Hessian of log Z).  O(2^N b) time for b = min(N, 12), O(sum_{c <= order} C(N, c)) memory per
// thread chunk.  Results do not depend on n_threads.
std::size_t low_order_size(int n, int order);
void low_order_masks(int n, int order, std::uint64_t* masks);
void low_order_moments(const double* h, const double* J, int n, int order, double* W,
                       double* log_z, double* mean_e, int n_threads);

// Negative log pseudolikelihood per sample and its gradient.
//   S    : (T x n) spins in {-1,+1} (int8)
//   w    : optional per-sample weights (T) or nullptr (all 1); normalised by sum(w)
//   value: -(1/W) sum_t w_t sum_i log P(s_i | s_-i)
//   gh   : d value / d h (n)
//   gJ   : d value / d J_ij for the symmetric coupling (n x n, symmetric,
//          zero diagonal): each J_ij enters the conditionals of i and j.
void pseudolikelihood(MatrixView<const std::int8_t> S, const double* w, const double* h,
                      const double* J, double* value, double* gh, double* gJ, int n_threads);

// Systematic-scan Gibbs sampling of n_chains independent chains.
//   states    : (n_chains x n) initial spins, overwritten by the final states
//   n_burn    : sweeps discarded first
//   n_samples : samples recorded per chain, one every `thin` sweeps
//   seed      : chain c uses a generator seeded from (seed, c): results do not
//               depend on n_threads
//   samples   : optional (n_chains x n_samples x n) output, or nullptr
//   m1, m2    : optional moments over all recorded samples (n, n x n) or nullptr
void gibbs(const double* h, const double* J, int n, MatrixView<std::int8_t> states,
           std::int64_t n_burn, std::int64_t n_samples, std::int64_t thin, std::uint64_t seed,
           std::int8_t* samples, double* m1, double* m2, int n_threads);

// Energy landscape on the single-flip graph of all 2^N states.
//   energies : 2^N energies (index convention above)
//   down     : out, 2^N: lowest-energy single-flip neighbour when strictly lower
//              than the state (ties -> smallest index), else the state itself
//   basin    : out, 2^N: the local minimum reached by steepest descent
//   minima   : out, local minima sorted by (energy, index)
//   merges   : out, triples (saddle state, minimum a, minimum b): when the
//              sublevel sets of a and b first connect, adding states in order
//              of (energy, index); a and b are the lowest minima of the two
//              components being joined.  n_minima - 1 triples.
void landscape(const double* energies, int n, std::int64_t* down, std::int64_t* basin,
               std::vector<std::int64_t>& minima, std::vector<std::int64_t>& merges,
               int n_threads);

}  // namespace maxent
}  // namespace nn
