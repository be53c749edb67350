// Vietoris–Rips persistent homology (Ripser-class engine).
//
// Persistent cohomology of the Vietoris–Rips filtration of a finite metric
// space, computed as in U. Bauer, "Ripser: efficient computation of
// Vietoris–Rips persistence barcodes", J. Appl. Comput. Topol. 5 (2021):
// simplices indexed by the combinatorial number system, the coboundary matrix
// never stored (cofacets enumerated on the fly), clearing, apparent and
// emergent pairs, coefficients in Z/p.  Dimension 0 uses union–find on the
// sorted edges.  The engine is templated on the value type (float or double):
// with float it computes exactly what ripser.py / Ripser compute.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace nn {
namespace topology {

using index_t = std::int64_t;

// Thrown when the engine's storage would exceed the caller's memory budget.
struct RipsMemoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RipsOptions {
  int maxdim = 1;
  double threshold = 0;        // filtration threshold (inf allowed)
  std::int64_t modulus = 2;    // prime p of Z/p
  int n_threads = 1;           // threads for column assembly (results identical for any value)
  bool cocycles = false;       // keep representative cocycles of finite and essential classes
  double memory_limit = 0;     // bytes; 0 = unlimited
  // Edge-collapse the flag filtration before reducing dimensions >= 1
  // (edge_collapse.hpp); ignored when maxdim < 1 or cocycles are requested.
  // Diagrams are identical either way.
  bool collapse = false;
  // A column being reduced switches from pushing every cofacet of an added
  // simplex to lazy cofacet streams once it has pushed this many entries
  // (results are identical; memory stays proportional to the simplices
  // added rather than to their cofacets).  -1 = automatic: once the column
  // has pushed max(2^16, edges / 8) entries (measured: on dragon_2000,
  // dims 0-1, the engine's peak is 39 MB with edges / 8, 56 MB with
  // edges / 2 and 120 MB without streams, at about the same speed).
  std::int64_t lazy_after = -1;
};

// One representative cocycle: rows of (v_0, ..., v_dim, coefficient).
struct Cocycle {
  std::vector<index_t> data;  // flattened, (dim + 2) values per simplex
};

struct RipsResult {
  // pairs[d] holds (birth, death) flattened; death = +inf for essential classes.
  std::vector<std::vector<double>> pairs;
  // cocycles[d][k] belongs to the k-th pair of pairs[d] (d >= 1, when requested).
  std::vector<std::vector<Cocycle>> cocycles;
  std::int64_t num_edges = 0;  // edges with length <= threshold
};

// Dense distances: full row-major n x n symmetric matrix (only the lower
// triangle is read); the diagonal is ignored.  births: nullptr (every vertex
// born at 0) or n vertex birth times, which only change dimension 0
// (ripser.py's convention: a merged component keeps the older birth).
// n_edges: the number of pairs i > j with dist(i, j) <= threshold when the
// caller has counted them (rips_input.cpp), else -1.
template <class T>
RipsResult rips_dense(const T* dist, std::size_t n, const RipsOptions& opt,
                      const T* births = nullptr, std::int64_t n_edges = -1);

// Sparse distances: CSR neighbour lists (both directions present, column
// indices sorted within each row, no diagonal), values = edge lengths.
template <class T>
RipsResult rips_sparse(std::size_t n, const std::int64_t* indptr, const std::int64_t* indices,
                       const T* values, const RipsOptions& opt, const T* births = nullptr);

// Enclosing radius min_i max_j d(i, j) of a dense matrix (full row-major n x n).
template <class T>
T enclosing_radius(const T* dist, std::size_t n);

}  // namespace topology
}  // namespace nn
