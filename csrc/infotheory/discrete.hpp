// Plug-in (histogram) estimators of transfer entropy and mutual information
// for integer-coded time series, for every (source, target) pair at once.
//
// Transfer entropy (Schreiber 2000, Phys. Rev. Lett. 85:461) from source X to
// target Y with target history k, source history l and delay d:
//
//   TE = sum p(y_t, y_{t-k..t-1}, x_{t-d-l+1..t-d}, w_{t-1})
//          log [ p(y_t | y^(k), x^(l), w) / p(y_t | y^(k), w) ]
//
// where w is an optional conditioning state (one integer code per time point,
// read at t - 1, as in Lizier 2008 "complete" TE and PyInform).  With k = 0,
// l = 1, d = 0 and no condition this is the mutual information I(X_t; Y_t).
//
// Counts are exact integers; the value is assembled from sums of c log c so
// the result does not depend on how counts were obtained:
//   n TE = S(A,S) - S(B,S) - S(A) + S(B),   S(.) = sum over states of c ln c,
// with A = (y_t, y^(k), w), B = (y^(k), w), S = x^(l).  Small state spaces count
// with AND + popcount over bit-packed indicator vectors, larger ones with a
// table per thread, the largest by sorting the joint codes (no table).
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/arrays.hpp"

namespace nn {
namespace info {

struct DiscreteSpec {
  int base = 2;           // alphabet size b (codes 0..b-1)
  int k = 1;              // target history length (>= 0)
  int l = 1;              // source history length (>= 1)
  int delay = 1;          // source-target delay d (>= 0; the source ends at t - d)
  int cond_base = 1;      // alphabet of the condition code (1 = no condition)
  std::size_t segment = 0;  // length of one trial (0 = whole series); rows of different
                            // trials are never joined into one embedding vector
};

// Number of usable samples per trial (time points t with a full embedding).
std::size_t discrete_samples(std::size_t T, const DiscreteSpec& spec);

// Bytes of scratch the kernel will allocate for (Ns sources, Nt targets, T rows,
// n_threads threads); the Python layer checks this against available memory.
double discrete_scratch_bytes(std::size_t T, std::size_t Ns, std::size_t Nt,
                              const DiscreteSpec& spec, int n_threads);

// out(i, j) = TE (nats) from column i of `src` to column j of `tgt`.  `cond` is
// nullptr or a (T,) array of codes in [0, cond_base).  With `zero_diagonal`
// (src and tgt are the same series) out(i, i) = 0 and is not computed.
void te_discrete(MatrixView<const std::int32_t> src, MatrixView<const std::int32_t> tgt,
                 const std::int32_t* cond, const DiscreteSpec& spec, bool zero_diagonal,
                 MatrixView<double> out, int n_threads);

// "Complete" TE (nats) of every ordered pair of columns of `codes` (T, N),
// conditioned on the joint state of all other N - 2 columns at t - 1 (Lizier
// 2008).  The conditioning state is identified by a 64-bit hash of the other
// columns (random odd multipliers from a fixed seed; a collision between two
// distinct states has probability about 2^-63 per pair of time points), then
// relabelled densely; all four entropies are counted by sorting.  spec.cond_base
// is ignored.  Diagonal 0.
void te_discrete_conditional_all(MatrixView<const std::int32_t> codes, const DiscreteSpec& spec,
                                 MatrixView<double> out, int n_threads);

// Local TE (nats) of one pair: out[s] for every usable sample s (trial-major order).
void te_discrete_local(const std::int32_t* src, const std::int32_t* tgt, std::size_t T,
                       const std::int32_t* cond, const DiscreteSpec& spec, double* out);

}  // namespace info
}  // namespace nn
