// The input path of Vietoris–Rips persistence: from the caller's float64
// distances to diagrams in one call.
//
// One pass over the (n, n) matrix checks the values (NaN, negatives), the
// symmetry, and gathers what the threshold needs (enclosing radius, largest
// finite value), converting to the engine's type (float) or symmetrising when
// needed; a second pass counts the edges below the threshold per vertex for
// the memory estimate (the engine is given that count, so it does not count
// again).  Input errors throw RipsInputError with a message naming the input;
// an estimate above the memory available throws RipsMemoryError before any
// work is done.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/arrays.hpp"
#include "common/distance.hpp"
#include "topology/edge_collapse.hpp"
#include "topology/rips.hpp"

namespace nn {
namespace topology {

// A bad input (the message names it and says what is wrong).
struct RipsInputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// How a dense matrix's two triangles are read.
enum class Symmetry {
  kCheck,  // refuse |D - D.T| beyond tolerance; read the upper triangle
  kUpper,  // read the upper triangle, whatever the lower one holds (ripser.py)
  kTrust,  // exactly symmetric by construction (distances of a point cloud)
};

struct InputOptions {
  std::string name = "X";          // the argument named in error messages
  Symmetry symmetry = Symmetry::kCheck;
  bool allow_negative = false;     // negative filtration values (flag filtrations)
  double sym_tol = 1e-10;          // |D - D.T| <= sym_tol * (1 + max |D|)
  bool auto_threshold = true;      // threshold = enclosing radius (dense) / inf (sparse)
  double available = std::numeric_limits<double>::infinity();  // bytes a run may use
  bool estimate_only = false;      // check and estimate, do not reduce
};

struct RipsRun {
  RipsResult result;             // empty when estimate_only
  double threshold = 0;          // the threshold used
  double estimated_bytes = 0;    // the engine's estimated peak (estimate_memory)
  std::int64_t num_edges = 0;    // edges <= threshold
};

// Dense (n, n) row-major float64 distances -> persistence computed in T.
// opt.threshold is used unless in.auto_threshold; births (n values or
// nullptr) are vertex birth times.
template <class T>
RipsRun rips_dense_input(const double* D, std::size_t n, const InputOptions& in,
                         RipsOptions opt, const double* births = nullptr);

// A point cloud X (n rows of coordinates): its distances (common/distance.hpp,
// n_threads) -> rips_dense_input, the distances trusted to be symmetric.
template <class T>
RipsRun rips_points_input(MatrixView<const double> X, Metric metric, double p,
                          const InputOptions& in, RipsOptions opt);

// CSR float64 distances (column indices sorted within each row).  With
// Symmetry::kCheck: duplicates and asymmetry are refused; otherwise
// (kTrust) the matrix is taken as it is.  The diagonal is ignored.
template <class T>
RipsRun rips_sparse_input(std::size_t n, const std::int64_t* indptr,
                          const std::int64_t* indices, const double* values,
                          const InputOptions& in, RipsOptions opt,
                          const double* births = nullptr);

// Many dense matrices, one per task, n_threads tasks at once (inputs checked
// first, all of them, then reduced); the first bad input, by position, throws.
template <class T>
std::vector<RipsRun> rips_dense_batch_input(const std::vector<const double*>& mats,
                                            const std::vector<std::size_t>& sizes,
                                            const std::vector<InputOptions>& ins,
                                            const RipsOptions& opt, int n_threads);

// Estimated peak bytes of a run on n vertices and n_edges edges below the
// threshold, input_bytes = input copies the run holds (see rips_input.cpp
// for what is counted).
double rips_estimate_bytes(std::size_t n, std::size_t n_edges, int maxdim, std::size_t itemsize,
                           bool collapse, double input_bytes);

// Refuses (RipsInputError) sizes whose simplex indices would overflow.
void check_index_range(std::size_t n, int maxdim);

// "12.3 MiB".
std::string format_bytes(double n);

}  // namespace topology
}  // namespace nn
