// Filtration-preserving edge collapse of a flag (Vietoris–Rips) filtration.
//
// J.-D. Boissonnat and S. Pritam, "Edge collapse and persistence of flag
// complexes", SoCG 2020: if an edge uv of a graph G is dominated (some vertex
// w != u, v is adjacent to u, v and to every common neighbour of u and v),
// the flag complex of G collapses onto that of G - uv.  M. Glisse and
// S. Pritam, "Swap, shift and trim to edge collapse a filtration", SoCG 2022:
// processing the edges from the last to the first, an edge can be moved to
// the first later filtration value at which it is no longer dominated (or
// removed when it stays dominated up to the end); every such move replaces
// the filtration by a naturally homotopy-equivalent one, so the persistence
// diagrams (all dimensions, vertices born at 0) are unchanged.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nn {
namespace topology {

template <class T>
struct FilteredEdge {
  std::int64_t u, v;
  T f;
};

// edges: every edge of the filtration once (u != v, f finite).  Returns the
// collapsed edges with their (possibly later) filtration values, in no
// particular order.  Keeps the current filtration values in an n x n matrix
// of T when it is small or the graph dense (kDense), else in live neighbour
// lists sorted by vertex from which removed edges are erased (kSparse); the
// collapsed graph is the same either way.  collapse_bytes gives the memory it
// needs (the caller checks it).
// gave_up (optional): set to true, with an empty result, when the last
// eighth of the edges (at least 1000) mostly survives -- the collapse would
// then remove little and the caller reduces the full filtration instead.
template <class T>
double collapse_bytes(std::size_t n, std::size_t n_edges);

// Where the current filtration values live (kAuto: as described above).
enum class TauStore { kAuto, kDense, kSparse };

template <class T>
std::vector<FilteredEdge<T>> collapse_edges(std::size_t n, std::vector<FilteredEdge<T>> edges,
                                            bool* gave_up = nullptr,
                                            TauStore store = TauStore::kAuto);

// The edges <= threshold (finite) of a dense (n, n) matrix, collapsed, sorted
// by (f, u, v) (u > v).
template <class T>
std::vector<FilteredEdge<T>> collapse_dense(const T* dist, std::size_t n, T threshold,
                                            TauStore store = TauStore::kAuto);

}  // namespace topology
}  // namespace nn
