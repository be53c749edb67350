// Clustering, all-pairs shortest paths, efficiency.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "common/interrupt.hpp"
#include "common/lapack.hpp"
#include "common/parallel.hpp"
#include "graph/graph.hpp"

namespace nn {
namespace graph {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

inline double to_length(double w, Transform t) {
  switch (t) {
    case Transform::None:
      return w;
    case Transform::Inverse:
      return 1.0 / w;
    case Transform::NegLog:
      return -std::log(w);
  }
  return w;
}

// Length matrix: +inf for absent edges and on the diagonal.  With `cube_root`
// the lengths are replaced by their cube roots (local efficiency, Wang 2016).
void build_lengths(const double* W, std::size_t n, Transform t, bool cube_root, double* L) {
  for (std::size_t i = 0; i < n; ++i) {
    const double* w = W + i * n;
    double* l = L + i * n;
    for (std::size_t j = 0; j < n; ++j) {
      if (w[j] == 0.0 || i == j) {
        l[j] = kInf;
      } else {
        double v = to_length(w[j], t);
        l[j] = cube_root ? std::cbrt(v) : v;
      }
    }
  }
}

// Single-source shortest paths on a dense (n x n) length matrix (Dijkstra with
// a linear scan; O(n^2)).  d: distances out (+inf unreachable); idx: scratch of
// n entries.  The relaxation of node w from the settled node v computes
// d[v] + L[v, w] exactly as bct.distance_wei does, so the result is the
// floating-point minimum over paths of the left-to-right path sums whatever
// the settling order (addition is monotone in each argument).
void sssp(const double* L, std::size_t n, std::size_t src, double* d, std::size_t* idx) {
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = kInf;
    idx[i] = i;
  }
  d[src] = 0.0;
  std::size_t r = n;  // idx[0..r) = unsettled nodes
  // settle the source first
  idx[src] = idx[--r];
  idx[r] = src;
  std::size_t v = src;
  while (true) {
    const double dv = d[v];
    const double* row = L + v * n;
    double best = kInf;
    std::size_t bi = r;
    for (std::size_t i = 0; i < r; ++i) {
      const std::size_t w = idx[i];
      const double c = dv + row[w];
      double dw = d[w];
      if (c < dw) {
        dw = c;
        d[w] = c;
      }
      if (dw < best) {
        best = dw;
        bi = i;
      }
    }
    if (bi == r) break;  // nothing reachable left (or nothing left)
    v = idx[bi];
    idx[bi] = idx[--r];
  }
}

// Sparser graphs with many nodes: Dijkstra with a binary heap over pruned
// adjacency lists.  An edge (v, w) is dropped when a two-hop path v -> x -> w
// through one of the kPruneK shortest edges of v is shorter by a relative
// margin of kPruneSlack: such an edge lies on no shortest path, and the margin
// (far above rounding) keeps every edge of every floating-point shortest path,
// so distances are bit-identical to the full scan.  The pruning depends only
// on the matrix, never on threads.
constexpr std::size_t kPruneK = 32;
constexpr double kPruneSlack = 1e-6;

struct Adjacency {
  std::vector<std::size_t> start;  // n + 1 offsets
  std::vector<std::uint32_t> to;
  std::vector<double> len;
};

void prune_row(const double* L, std::size_t n, std::size_t v, std::vector<std::uint32_t>& nb,
               std::vector<double>& alt, std::vector<std::uint32_t>& to_out,
               std::vector<double>& len_out) {
  const double* row = L + v * n;
  nb.clear();
  for (std::size_t w = 0; w < n; ++w)
    if (row[w] != kInf) nb.push_back(static_cast<std::uint32_t>(w));
  const std::size_t k = std::min(kPruneK, nb.size());
  std::partial_sort(nb.begin(), nb.begin() + k, nb.end(), [&](std::uint32_t x, std::uint32_t y) {
    return row[x] < row[y] || (row[x] == row[y] && x < y);
  });
  for (std::size_t w = 0; w < n; ++w) alt[w] = kInf;
  for (std::size_t t = 0; t < k; ++t) {
    const std::size_t x = nb[t];
    const double lx = row[x];
    const double* rx = L + x * n;
    for (std::size_t w = 0; w < n; ++w) {
      const double c = lx + rx[w];
      alt[w] = c < alt[w] ? c : alt[w];
    }
  }
  to_out.clear();
  len_out.clear();
  for (std::size_t w = 0; w < n; ++w)
    if (row[w] != kInf && !(alt[w] < row[w] * (1.0 - kPruneSlack))) {
      to_out.push_back(static_cast<std::uint32_t>(w));
      len_out.push_back(row[w]);
    }
}

// Builds the pruned adjacency, rows in parallel (each row independent).
void build_adjacency(const double* L, std::size_t n, int n_threads, Adjacency& adj) {
  std::vector<std::vector<std::uint32_t>> to(n);
  std::vector<std::vector<double>> len(n);
  parallel_for(n, n_threads, 8, [&](std::size_t b, std::size_t e, int) {
    std::vector<std::uint32_t> nb;
    std::vector<double> alt(n);
    nb.reserve(n);
    for (std::size_t v = b; v < e; ++v) {
      check_interrupt();
      prune_row(L, n, v, nb, alt, to[v], len[v]);
    }
  });
  adj.start.assign(n + 1, 0);
  for (std::size_t v = 0; v < n; ++v) adj.start[v + 1] = adj.start[v] + to[v].size();
  adj.to.resize(adj.start[n]);
  adj.len.resize(adj.start[n]);
  for (std::size_t v = 0; v < n; ++v) {
    std::copy(to[v].begin(), to[v].end(), adj.to.begin() + adj.start[v]);
    std::copy(len[v].begin(), len[v].end(), adj.len.begin() + adj.start[v]);
  }
}

struct HeapItem {
  double d;
  std::uint32_t v;
};
inline bool heap_after(const HeapItem& x, const HeapItem& y) { return x.d > y.d; }

void sssp_heap(const Adjacency& adj, std::size_t n, std::size_t src, double* d,
               std::vector<char>& done, std::vector<HeapItem>& heap) {
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = kInf;
    done[i] = 0;
  }
  d[src] = 0.0;
  heap.clear();
  heap.push_back({0.0, static_cast<std::uint32_t>(src)});
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), heap_after);
    const HeapItem top = heap.back();
    heap.pop_back();
    if (done[top.v]) continue;
    done[top.v] = 1;
    const double dv = top.d;
    for (std::size_t e = adj.start[top.v]; e < adj.start[top.v + 1]; ++e) {
      const std::uint32_t w = adj.to[e];
      const double c = dv + adj.len[e];
      if (c < d[w]) {
        d[w] = c;
        heap.push_back({c, w});
        std::push_heap(heap.begin(), heap.end(), heap_after);
      }
    }
  }
}

// ---- blocked Floyd-Warshall (Venkataraman, Sahni & Mukhopadhyaya 2003) -----------
// On dense graphs (>= kFloydMinDensity of the pairs joined) the n^3 min-plus
// sweep with a vectorisable inner loop beat both Dijkstra variants at 400 and
// 2000 nodes (30 % density: about 2x and 1.3x, one thread).  Distances are
// sums of sub-path distances, so they can differ from bct's path-order sums
// in the last bits (1e-16 relative).  Phase 2 and phase 3 blocks are
// independent, so threads give identical results.
constexpr std::size_t kFloydBlock = 64;
constexpr double kFloydMinDensity = 0.15;
// Below this many nodes the dense scan beats the pruned heap on sparse graphs.
constexpr std::size_t kHeapMinNodes = 200;

inline void fw_block(double* D, std::size_t n, std::size_t i0, std::size_t j0, std::size_t k0) {
  const std::size_t ie = std::min(i0 + kFloydBlock, n), je = std::min(j0 + kFloydBlock, n),
                    ke = std::min(k0 + kFloydBlock, n);
  for (std::size_t k = k0; k < ke; ++k) {
    const double* dk = D + k * n;
    for (std::size_t i = i0; i < ie; ++i) {
      const double dik = D[i * n + k];
      if (dik == kInf) continue;
      double* di = D + i * n;
      for (std::size_t j = j0; j < je; ++j) {
        const double c = dik + dk[j];
        di[j] = c < di[j] ? c : di[j];
      }
    }
  }
}

// D: (n x n) lengths with 0 on the diagonal and inf for absent edges, in place.
void floyd_warshall(double* D, std::size_t n, int n_threads) {
  const std::size_t nb = (n + kFloydBlock - 1) / kFloydBlock;
  auto phase2 = [&](std::size_t t, std::size_t kb) {
    const std::size_t k0 = kb * kFloydBlock;
    if (t < nb) {
      if (t != kb) fw_block(D, n, k0, t * kFloydBlock, k0);
    } else if (t - nb != kb) {
      fw_block(D, n, (t - nb) * kFloydBlock, k0, k0);
    }
  };
  auto phase3 = [&](std::size_t ib, std::size_t kb) {
    if (ib == kb) return;
    for (std::size_t jb = 0; jb < nb; ++jb)
      if (jb != kb) fw_block(D, n, ib * kFloydBlock, jb * kFloydBlock, kb * kFloydBlock);
  };
  for (std::size_t kb = 0; kb < nb; ++kb) {
    check_interrupt();
    const std::size_t k0 = kb * kFloydBlock;
    fw_block(D, n, k0, k0, k0);
    if (n_threads <= 1) {
      for (std::size_t t = 0; t < 2 * nb; ++t) phase2(t, kb);
      for (std::size_t ib = 0; ib < nb; ++ib) {
        check_interrupt();
        phase3(ib, kb);
      }
    } else {
      parallel_for(2 * nb, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t t = b; t < e; ++t) phase2(t, kb);
      });
      parallel_for(nb, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t ib = b; ib < e; ++ib) {
          check_interrupt();
          phase3(ib, kb);
        }
      });
    }
  }
}

enum class Method { Scan, Heap, Floyd };

// Shortest paths of one matrix: Floyd-Warshall on dense graphs, Dijkstra
// otherwise (dense scan on small graphs, pruned heap on larger ones).  The
// choice depends only on the matrix, never on threads.
class PathEngine {
 public:
  PathEngine(const double* W, std::size_t n, Transform t, int n_threads) : n_(n), L_(n * n) {
    build_lengths(W, n, t, false, L_.data());
    std::size_t edges = 0;
    for (double v : L_) edges += (v != kInf);
    const double density =
        n > 1 ? static_cast<double>(edges) / (static_cast<double>(n) * (n - 1)) : 0.0;
    if (density >= kFloydMinDensity)
      method_ = Method::Floyd;
    else if (n >= kHeapMinNodes)
      method_ = Method::Heap;
    else
      method_ = Method::Scan;
    if (method_ == Method::Heap) {
      build_adjacency(L_.data(), n, n_threads, adj_);
      L_.clear();
      L_.shrink_to_fit();
    }
  }
  Method method() const { return method_; }
  // Floyd-Warshall: all distances into D (n x n).
  void all_pairs(double* D, int n_threads) const {
    std::copy(L_.begin(), L_.end(), D);
    for (std::size_t i = 0; i < n_; ++i) D[i * n_ + i] = 0.0;
    floyd_warshall(D, n_, n_threads);
  }
  struct Work {
    std::vector<std::size_t> idx;
    std::vector<char> done;
    std::vector<HeapItem> heap;
    explicit Work(std::size_t n) : idx(n), done(n) {}
  };
  // Dijkstra from one source (Scan / Heap methods).
  void run(std::size_t src, double* d, Work& w) const {
    if (method_ == Method::Heap)
      sssp_heap(adj_, n_, src, d, w.done, w.heap);
    else
      sssp(L_.data(), n_, src, d, w.idx.data());
  }

 private:
  std::size_t n_;
  std::vector<double> L_;
  Method method_ = Method::Scan;
  Adjacency adj_;
};

}  // namespace

// ---------------------------------------------------------------------------
// clustering

namespace {

void clustering_one(const double* W, std::size_t n, double* out, double* cyc_out, double* deg_out,
                    double* ws, double* S) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) ws[i * n + j] = (i == j) ? 0.0 : std::cbrt(W[i * n + j]);
  // S = ws ws^T (ws symmetric, so S = ws^2): column-major upper = row-major lower.
  const lapack::fint nn_ = static_cast<lapack::fint>(n);
  lapack::dsyrk('U', 'N', nn_, nn_, 1.0, ws, nn_, 0.0, S, nn_);
  std::vector<double> cyc(n, 0.0);
  for (std::size_t r = 0; r < n; ++r) {
    const double* srow = S + r * n;
    const double* wrow = ws + r * n;
    for (std::size_t c = 0; c < r; ++c) {
      const double v = srow[c] * wrow[c];
      cyc[r] += v;
      cyc[c] += v;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    double k = 0.0;
    const double* w = W + i * n;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i && w[j] != 0.0) k += 1.0;
    out[i] = (cyc[i] == 0.0) ? 0.0 : cyc[i] / (k * (k - 1.0));
    if (cyc_out) cyc_out[i] = cyc[i];
    if (deg_out) deg_out[i] = k;
  }
}

}  // namespace

void clustering_onnela(StackView<const double> W, double* out, double* cyc, double* deg,
                       int n_threads) {
  const std::size_t n = W.rows, S = W.batch;
  if (W.cols != n) throw std::invalid_argument("W must be square");
  if (n == 0 || S == 0) return;
  if (S == 1) {  // one matrix: BLAS uses its own threads
    std::vector<double> ws(n * n), sq(n * n);
    clustering_one(W.data, n, out, cyc, deg, ws.data(), sq.data());
    return;
  }
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> ws(n * n), sq(n * n);
    for (std::size_t s = b; s < e; ++s) {
      check_interrupt();
      clustering_one(W.data + s * n * n, n, out + s * n, cyc ? cyc + s * n : nullptr,
                     deg ? deg + s * n : nullptr, ws.data(), sq.data());
    }
  });
}

// ---------------------------------------------------------------------------
// shortest paths

void shortest_paths(StackView<const double> W, Transform t, StackView<double> out,
                    int n_threads) {
  const std::size_t n = W.rows, S = W.batch;
  if (W.cols != n || out.rows != n || out.cols != n || out.batch != S)
    throw std::invalid_argument("shortest_paths: bad shapes");
  if (n == 0 || S == 0) return;
  if (S == 1) {
    PathEngine eng(W.data, n, t, n_threads);
    if (eng.method() == Method::Floyd) {
      eng.all_pairs(out.data, n_threads);
      return;
    }
    parallel_for(n, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
      PathEngine::Work work(n);
      for (std::size_t s = b; s < e; ++s) {
        check_interrupt();
        eng.run(s, out.data + s * n, work);
      }
    });
    return;
  }
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    PathEngine::Work work(n);
    for (std::size_t m = b; m < e; ++m) {
      PathEngine eng(W.data + m * n * n, n, t, 1);
      double* D = out.data + m * n * n;
      if (eng.method() == Method::Floyd) {
        eng.all_pairs(D, 1);
        continue;
      }
      for (std::size_t s = 0; s < n; ++s) {
        check_interrupt();
        eng.run(s, D + s * n, work);
      }
    }
  });
}

namespace {

// Summaries of the distances from one source (off-diagonal entries only).
struct RowSum {
  double sum_fin = 0.0, n_fin = 0.0, n_inf = 0.0, sum_inv = 0.0;
};

RowSum summarise_row(const double* d, std::size_t n, std::size_t src) {
  RowSum r;
  for (std::size_t j = 0; j < n; ++j) {
    if (j == src) continue;
    const double v = d[j];
    if (v == kInf) {
      r.n_inf += 1.0;
    } else {
      r.sum_fin += v;
      r.n_fin += 1.0;
      r.sum_inv += 1.0 / v;
    }
  }
  return r;
}

}  // namespace

void path_summaries(StackView<const double> W, Transform t, double* sum_fin, double* n_fin,
                    double* n_inf, double* sum_inv, int n_threads) {
  const std::size_t n = W.rows, S = W.batch;
  if (W.cols != n) throw std::invalid_argument("W must be square");
  if (n == 0 || S == 0) return;
  auto reduce = [&](const std::vector<RowSum>& rows, std::size_t m) {
    RowSum tot;
    for (const RowSum& r : rows) {  // fixed order: identical for any n_threads
      tot.sum_fin += r.sum_fin;
      tot.n_fin += r.n_fin;
      tot.n_inf += r.n_inf;
      tot.sum_inv += r.sum_inv;
    }
    sum_fin[m] = tot.sum_fin;
    n_fin[m] = tot.n_fin;
    n_inf[m] = tot.n_inf;
    sum_inv[m] = tot.sum_inv;
  };
  if (S == 1) {
    PathEngine eng(W.data, n, t, n_threads);
    std::vector<RowSum> rows(n);
    if (eng.method() == Method::Floyd) {
      std::vector<double> D(n * n);
      eng.all_pairs(D.data(), n_threads);
      for (std::size_t s = 0; s < n; ++s) rows[s] = summarise_row(D.data() + s * n, n, s);
    } else {
      parallel_for(n, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
        PathEngine::Work work(n);
        std::vector<double> d(n);
        for (std::size_t s = b; s < e; ++s) {
          check_interrupt();
          eng.run(s, d.data(), work);
          rows[s] = summarise_row(d.data(), n, s);
        }
      });
    }
    reduce(rows, 0);
    return;
  }
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    PathEngine::Work work(n);
    std::vector<double> d(n), D;
    std::vector<RowSum> rows(n);
    for (std::size_t m = b; m < e; ++m) {
      PathEngine eng(W.data + m * n * n, n, t, 1);
      if (eng.method() == Method::Floyd) {
        D.resize(n * n);
        eng.all_pairs(D.data(), 1);
        for (std::size_t s = 0; s < n; ++s) rows[s] = summarise_row(D.data() + s * n, n, s);
      } else {
        for (std::size_t s = 0; s < n; ++s) {
          check_interrupt();
          eng.run(s, d.data(), work);
          rows[s] = summarise_row(d.data(), n, s);
        }
      }
      reduce(rows, m);
    }
  });
}

// ---------------------------------------------------------------------------
// local efficiency

namespace {

struct LocalScratch {
  std::vector<std::size_t> nb, idx;
  std::vector<double> sub, cw, d;
  explicit LocalScratch(std::size_t n) : nb(n), idx(n), sub(), cw(n), d(n) {}
};

double local_eff_node(const double* W, const double* Lc, std::size_t n, std::size_t u,
                      LocalScratch& sc) {
  std::size_t k = 0;
  const double* wu = W + u * n;
  for (std::size_t j = 0; j < n; ++j)
    if (j != u && wu[j] != 0.0) sc.nb[k++] = j;
  if (k < 2) return 0.0;
  if (sc.sub.size() < k * k) sc.sub.resize(k * k);
  for (std::size_t a = 0; a < k; ++a) {
    sc.cw[a] = std::cbrt(wu[sc.nb[a]]);
    const double* lrow = Lc + sc.nb[a] * n;
    double* srow = sc.sub.data() + a * k;
    for (std::size_t b = 0; b < k; ++b) srow[b] = lrow[sc.nb[b]];
  }
  double numer = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    check_interrupt();
    sssp(sc.sub.data(), k, a, sc.d.data(), sc.idx.data());
    double acc = 0.0;
    for (std::size_t b = 0; b < k; ++b)
      if (b != a && sc.d[b] != kInf) acc += sc.cw[b] / sc.d[b];
    numer += sc.cw[a] * acc;
  }
  if (numer == 0.0) return 0.0;
  const double kk = static_cast<double>(k);
  return numer / (kk * (kk - 1.0));
}

}  // namespace

void local_efficiency(StackView<const double> W, Transform t, double* out, int n_threads) {
  const std::size_t n = W.rows, S = W.batch;
  if (W.cols != n) throw std::invalid_argument("W must be square");
  if (n == 0 || S == 0) return;
  if (S == 1) {
    std::vector<double> Lc(n * n);
    build_lengths(W.data, n, t, true, Lc.data());
    parallel_for(n, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
      LocalScratch sc(n);
      for (std::size_t u = b; u < e; ++u) out[u] = local_eff_node(W.data, Lc.data(), n, u, sc);
    });
    return;
  }
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> Lc(n * n);
    LocalScratch sc(n);
    for (std::size_t m = b; m < e; ++m) {
      const double* Wm = W.data + m * n * n;
      build_lengths(Wm, n, t, true, Lc.data());
      for (std::size_t u = 0; u < n; ++u) out[m * n + u] = local_eff_node(Wm, Lc.data(), n, u, sc);
    }
  });
}

}  // namespace graph
}  // namespace nn
