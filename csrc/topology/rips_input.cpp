// The input path of Vietoris–Rips persistence: see rips_input.hpp.
#include "topology/rips_input.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <type_traits>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"

namespace nn {
namespace topology {
namespace {

std::string fmt_value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string fmt_g3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string at(std::size_t i, std::size_t j) {
  return "(" + std::to_string(i) + ", " + std::to_string(j) + ")";
}

// What one pass over the input finds.
struct Scan {
  // first NaN, smallest value (for the negative check)
  bool nan = false;
  std::size_t nan_i = 0, nan_j = 0;
  double min = std::numeric_limits<double>::infinity();
  std::size_t min_i = 0, min_j = 0;
  bool inf_mismatch = false;  // an entry infinite where its mirror is not
  bool exact = true;          // D == D.T bitwise (non-NaN)
  double worst = 0;           // max |D - D.T| over entries finite on both sides
  double scale = 0;           // max |D| over finite entries
  bool has_inf = false;       // an infinite value among the entries read
  double max_finite = 0;      // largest finite value read (0: the diagonal)

  void value(double x, std::size_t i, std::size_t j) {
    if (std::isnan(x)) {
      if (!nan) {
        nan = true;
        nan_i = i;
        nan_j = j;
      }
      return;
    }
    if (x < min) {
      min = x;
      min_i = i;
      min_j = j;
    }
    if (std::isfinite(x)) scale = std::max(scale, std::fabs(x));
  }

  void raise(const InputOptions& in) const {
    const std::string& nm = in.name;
    if (nan)
      throw RipsInputError(nm + " must not contain NaN; found NaN at index " + at(nan_i, nan_j));
    if (!in.allow_negative && min < 0)
      throw RipsInputError(nm + " must be non-negative distances; found " + fmt_value(min) +
                           " at index " + at(min_i, min_j));
    if (inf_mismatch) throw RipsInputError(nm + " must be symmetric; its infinite entries are not");
    if (worst > in.sym_tol + in.sym_tol * scale)
      throw RipsInputError(nm + " must be symmetric; max |" + nm + " - " + nm +
                           ".T| = " + fmt_g3(worst));
  }
};

// The prepared input of the engine: a full symmetric matrix in T (the
// caller's when it can be used as it is), the threshold and the lower degrees.
template <class T>
struct DenseReady {
  std::vector<T> owned;
  const T* d = nullptr;
  std::size_t n = 0;
  double threshold = 0;
  std::size_t n_edges = 0;
  double extra_bytes = 0;  // input held by the caller of the engine (a point cloud's distances)
  double input_bytes() const {
    return extra_bytes + static_cast<double>(owned.size() * sizeof(T));
  }
};

template <class T>
void prepare_dense(const double* D, std::size_t n, const InputOptions& in, double threshold,
                   DenseReady<T>& out) {
  constexpr bool kSame = std::is_same<T, double>::value;
  const bool both = in.symmetry == Symmetry::kCheck;   // read and compare both triangles
  const bool check = in.symmetry != Symmetry::kTrust;  // check the values read
  // Copy now when the type changes; a double matrix is used in place unless
  // it turns out not to be exactly symmetric.
  if (!kSame) out.owned.assign(n * n, T(0));
  Scan sc;
  std::vector<T> rowmax(n, T(0));
  T maxfin = T(0);
  bool has_inf = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = D + i * n;
    if (both) sc.value(row[i], i, i);
    for (std::size_t j = 0; j < i; ++j) {
      const double a = row[j];
      double b = a;
      if (check) {
        b = D[j * n + i];
        sc.value(b, j, i);
        if (!(a == b)) sc.exact = false;
      }
      if (both) {
        sc.value(a, i, j);
        if (!(a == b) && !(std::isnan(a) || std::isnan(b))) {
          const bool fa = std::isfinite(a), fb = std::isfinite(b);
          if (fa != fb)
            sc.inf_mismatch = true;
          else if (fa)
            sc.worst = std::max(sc.worst, std::fabs(a - b));
        }
      }
      const T v = static_cast<T>(b);  // the upper triangle's value
      if (!kSame) {
        out.owned[i * n + j] = v;
        out.owned[j * n + i] = v;
      }
      rowmax[i] = std::max(rowmax[i], v);
      rowmax[j] = std::max(rowmax[j], v);
      if (std::isfinite(v))
        maxfin = std::max(maxfin, v);
      else if (!std::isnan(v))
        has_inf = true;
    }
    if ((i & 63) == 0) check_interrupt();
  }
  if (check) sc.raise(in);
  if (kSame && check && !sc.exact) {  // symmetrise from the upper triangle (rare)
    out.owned.assign(n * n, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        out.owned[i * n + j] = static_cast<T>(D[i * n + j]);
        out.owned[j * n + i] = static_cast<T>(D[i * n + j]);
      }
  }
  if (out.owned.empty()) {
    if constexpr (kSame) out.d = D;
  } else {
    out.d = out.owned.data();
  }
  out.n = n;
  // Threshold: the enclosing radius by default; never above the largest
  // finite distance when some are infinite (infinite entries are no edges).
  double thr = threshold;
  if (in.auto_threshold) {
    T r = std::numeric_limits<T>::infinity();
    for (std::size_t i = 0; i < n; ++i) r = std::min(r, rowmax[i]);
    thr = n > 1 ? static_cast<double>(r) : 0.0;
  }
  if (has_inf) thr = std::min(thr, static_cast<double>(maxfin));
  out.threshold = thr;
  // Edges below the threshold (the memory estimate and the engine's choice
  // between a dense and a neighbour-list walk).
  const T t = static_cast<T>(thr);
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = out.d + i * n;
    std::size_t c = 0;
    for (std::size_t j = 0; j < i; ++j) c += row[j] <= t;
    total += c;
  }
  out.n_edges = total;
}

void guard(std::size_t n, int maxdim, std::size_t n_edges, std::size_t itemsize, bool collapse,
           double input_bytes, const InputOptions& in, double& estimate) {
  check_index_range(n, maxdim);
  estimate = rips_estimate_bytes(n, n_edges, maxdim, itemsize, collapse, input_bytes);
  if (!in.estimate_only && estimate > in.available)
    throw RipsMemoryError("Vietoris-Rips persistence up to dimension " + std::to_string(maxdim) +
                          " of " + std::to_string(n) + " points would need about " +
                          format_bytes(estimate) + " but only " + format_bytes(in.available) +
                          " is available; lower maxdim or the threshold");
}

RipsOptions engine_options(RipsOptions opt, const InputOptions& in, double threshold) {
  opt.threshold = threshold;
  if (std::isfinite(in.available) && opt.memory_limit <= 0) opt.memory_limit = 0.9 * in.available;
  return opt;
}

template <class T>
std::vector<T> births_as(const double* births, std::size_t n) {
  if (births == nullptr) return {};
  return std::vector<T>(births, births + n);
}

template <class T>
RipsRun run_dense(DenseReady<T>& ready, const InputOptions& in, const RipsOptions& opt,
                  const double* births) {
  RipsRun run;
  run.threshold = ready.threshold;
  run.num_edges = static_cast<std::int64_t>(ready.n_edges);
  guard(ready.n, opt.maxdim, ready.n_edges, sizeof(T), opt.collapse && !opt.cocycles,
        ready.input_bytes(), in, run.estimated_bytes);
  if (in.estimate_only) return run;
  const std::vector<T> b = births_as<T>(births, ready.n);
  run.result = rips_dense<T>(ready.d, ready.n, engine_options(opt, in, ready.threshold),
                             b.empty() ? nullptr : b.data(),
                             static_cast<std::int64_t>(ready.n_edges));
  return run;
}

}  // namespace

std::string format_bytes(double n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (u < 5 && std::fabs(n) >= 1024) {
    n /= 1024.0;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", n, units[u]);
  return buf;
}

void check_index_range(std::size_t n, int maxdim) {
  if (n < 2) return;
  // C(n, k) >= 2^62 for k = min(maxdim + 2, n)?  Exact, through the smaller
  // of k and n - k, whose partial products only grow.
  std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(maxdim) + 2, n);
  k = std::min(k, n - k);
  const unsigned __int128 cap = static_cast<unsigned __int128>(1) << 62;
  unsigned __int128 c = 1;
  for (std::size_t i = 1; i <= k; ++i) {
    c = c * (n - k + i) / i;
    if (c >= cap)
      throw RipsInputError(std::to_string(n) + " points are too many for maxdim=" +
                           std::to_string(maxdim) +
                           ": simplex indices would overflow 64-bit integers; lower maxdim");
  }
}

double rips_estimate_bytes(std::size_t n, std::size_t n_edges, int maxdim, std::size_t itemsize,
                           bool collapse, double input_bytes) {
  // Measured on random clouds and correlation distances (see
  // benchmarks/results_topology.md): the engine's peak is set by the edges
  // below the threshold.  Dimension 0 holds them sorted (16 bytes each) with
  // flag bytes; dimension 1 its columns (the cycle edges not in an apparent
  // pair, 16 bytes), their pivot table (2-4 slots of 24 bytes per column)
  // and, for long columns, every vertex's neighbours sorted for the lazy
  // cofacet streams (2 entries per edge, 8 bytes in float, 16 in double):
  // about 64 / 80 bytes per edge in all.  Clearing and apparent pairs keep
  // the columns of higher dimensions few (the engine's own guard stops a run
  // that outgrows the memory limit); the simplices kept for the next
  // assembly add about 8 bytes per edge and dimension.  The edge collapse
  // holds its edge lists and table of filtration values (collapse_bytes)
  // before the reduction starts.
  const double e = static_cast<double>(n_edges);
  const double fixed = 4.0 * (1 << 20);  // binomial table, threads, allocator slack
  const double per_edge = itemsize == 4 ? 64.0 : 80.0;
  double engine = maxdim == 0 ? 18.0 * e : per_edge * e + 8.0 * e * (maxdim - 1);
  if (collapse && maxdim >= 1 && n >= 4) {
    const double c = itemsize == 4 ? collapse_bytes<float>(n, n_edges)
                                   : collapse_bytes<double>(n, n_edges);
    engine = std::max(engine, c + 18.0 * e);
  }
  return input_bytes + engine + fixed;
}

template <class T>
RipsRun rips_dense_input(const double* D, std::size_t n, const InputOptions& in,
                         RipsOptions opt, const double* births) {
  DenseReady<T> ready;
  prepare_dense<T>(D, n, in, opt.threshold, ready);
  return run_dense<T>(ready, in, opt, births);
}

template <class T>
RipsRun rips_points_input(MatrixView<const double> X, Metric metric, double p,
                          const InputOptions& in, RipsOptions opt) {
  const std::size_t n = X.rows;
  std::vector<double> dist(n * n);
  pairwise_distances(X, metric, p, MatrixView<double>{dist.data(), n, n}, opt.n_threads);
  InputOptions trusted = in;
  trusted.symmetry = Symmetry::kTrust;
  DenseReady<T> ready;
  prepare_dense<T>(dist.data(), n, trusted, opt.threshold, ready);
  if (ready.owned.empty())  // the engine reads the distances themselves
    ready.extra_bytes = 8.0 * static_cast<double>(n) * static_cast<double>(n);
  else
    std::vector<double>().swap(dist);  // it reads the copy
  return run_dense<T>(ready, trusted, opt, nullptr);
}

template <class T>
std::vector<RipsRun> rips_dense_batch_input(const std::vector<const double*>& mats,
                                            const std::vector<std::size_t>& sizes,
                                            const std::vector<InputOptions>& ins,
                                            const RipsOptions& opt, int n_threads) {
  const std::size_t S = mats.size();
  if (sizes.size() != S || ins.size() != S)
    throw std::invalid_argument("one size and one input description per matrix are required");
  std::vector<DenseReady<T>> ready(S);
  std::vector<std::exception_ptr> err(S);
  // Phase 1: check and prepare every input (the first bad one, by position, throws).
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t s = b; s < e; ++s) {
      try {
        prepare_dense<T>(mats[s], sizes[s], ins[s], opt.threshold, ready[s]);
        double est;
        guard(ready[s].n, opt.maxdim, ready[s].n_edges, sizeof(T), opt.collapse,
              ready[s].input_bytes(), ins[s], est);
      } catch (const Interrupted&) {
        throw;
      } catch (...) {
        err[s] = std::current_exception();
      }
    }
  });
  for (std::size_t s = 0; s < S; ++s)
    if (err[s]) std::rethrow_exception(err[s]);
  // Phase 2: one subject per task.
  std::vector<RipsRun> out(S);
  parallel_for(S, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t s = b; s < e; ++s) {
      RipsOptions o = opt;
      o.n_threads = 1;
      o.cocycles = false;
      out[s] = run_dense<T>(ready[s], ins[s], o, nullptr);
      std::vector<T>().swap(ready[s].owned);
    }
  });
  return out;
}

// A CSR matrix with strictly increasing column indices in every row is
// symmetric (every entry (i, j) has a mirror (j, i) within tol, or both are
// the same infinity): one pass with a cursor per row, O(nnz).  Row j's
// entries above the diagonal are met in column order while the rows i > j
// are walked in order, so each must be the one under row j's cursor.
static bool sparse_symmetric(std::size_t n, const std::int64_t* indptr, const std::int64_t* indices,
                             const double* values, double tol) {
  std::vector<std::int64_t> pos(n);
  for (std::size_t j = 0; j < n; ++j) {
    std::int64_t k = indptr[j];
    while (k < indptr[j + 1] && indices[k] <= static_cast<std::int64_t>(j)) ++k;
    pos[j] = k;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k) {
      const std::int64_t j = indices[k];
      if (k > indptr[i] && indices[k - 1] >= j) return false;  // unsorted or duplicate
      if (j >= static_cast<std::int64_t>(i)) continue;
      const std::int64_t q = pos[static_cast<std::size_t>(j)];
      if (q >= indptr[j + 1] || indices[q] != static_cast<std::int64_t>(i)) return false;
      const double x = values[k], y = values[q];
      if (!(std::fabs(y - x) <= tol || (std::isinf(x) && y == x))) return false;
      ++pos[static_cast<std::size_t>(j)];
    }
  for (std::size_t j = 0; j < n; ++j)
    if (pos[j] != indptr[j + 1]) return false;  // an entry above the diagonal without mirror
  return true;
}

template <class T>
RipsRun rips_sparse_input(std::size_t n, const std::int64_t* indptr,
                          const std::int64_t* indices, const double* values,
                          const InputOptions& in, RipsOptions opt, const double* births) {
  if (indptr[0] != 0) throw std::invalid_argument("indptr must start at 0");
  for (std::size_t i = 0; i < n; ++i)
    if (indptr[i + 1] < indptr[i]) throw std::invalid_argument("indptr must be non-decreasing");
  const std::int64_t nnz = indptr[n];
  for (std::int64_t k = 0; k < nnz; ++k)
    if (indices[k] < 0 || indices[k] >= static_cast<std::int64_t>(n))
      throw std::invalid_argument("sparse distance matrix: column index out of range");
  const std::string& nm = in.name;
  // Values, duplicates and symmetry (column indices are sorted within rows).
  Scan sc;
  for (std::size_t i = 0; i < n; ++i)
    for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k) sc.value(values[k], i, indices[k]);
  Scan vals = sc;
  vals.raise(in);
  if (in.symmetry == Symmetry::kCheck) {
    const double tol = in.sym_tol * std::max(1.0, sc.scale);
    // the entry-by-entry check below (binary searches) only to name the
    // first offending entry when the one-pass check fails
    if (!sparse_symmetric(n, indptr, indices, values, tol)) {
      for (std::size_t i = 0; i < n; ++i)
        for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k) {
          const std::int64_t j = indices[k];
          if (k > indptr[i] && indices[k - 1] == j)
            throw RipsInputError(nm + " has duplicate entries at " + at(i, j) +
                                 "; call sum_duplicates() first");
          if (j == static_cast<std::int64_t>(i)) continue;
          const std::int64_t* b = indices + indptr[j];
          const std::int64_t* e = indices + indptr[j + 1];
          const std::int64_t* it = std::lower_bound(b, e, static_cast<std::int64_t>(i));
          bool ok = it != e && *it == static_cast<std::int64_t>(i);
          if (ok) {
            const double x = values[k], y = values[it - indices];
            ok = std::fabs(y - x) <= tol || (std::isinf(x) && y == x);
          }
          if (!ok)
            throw RipsInputError(nm + " must be symmetric (same entries above and below the "
                                 "diagonal); entry " + at(i, j) + " has no equal mirror entry " +
                                 at(j, i));
        }
    }
  }
  std::vector<T> v(values, values + nnz);
  // Threshold: inf by default, never above the largest finite stored value.
  double thr = in.auto_threshold ? std::numeric_limits<double>::infinity() : opt.threshold;
  bool any_finite = false;
  T maxfin = T(0);
  for (const T x : v)
    if (std::isfinite(x)) {
      maxfin = any_finite ? std::max(maxfin, x) : x;
      any_finite = true;
    }
  thr = std::min(thr, any_finite ? static_cast<double>(maxfin) : 0.0);
  const T t = static_cast<T>(thr);
  std::size_t n_edges = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k)
      n_edges += indices[k] < static_cast<std::int64_t>(i) && v[k] <= t;
  RipsRun run;
  run.threshold = thr;
  run.num_edges = static_cast<std::int64_t>(n_edges);
  // the values in T and the engine's neighbour lists (16 bytes per entry)
  const double input_bytes = static_cast<double>(nnz) * (sizeof(T) + 16.0);
  guard(n, opt.maxdim, n_edges, sizeof(T), opt.collapse && !opt.cocycles, input_bytes, in,
        run.estimated_bytes);
  if (in.estimate_only) return run;
  const std::vector<T> b = births_as<T>(births, n);
  run.result = rips_sparse<T>(n, indptr, indices, v.data(), engine_options(opt, in, thr),
                              b.empty() ? nullptr : b.data());
  return run;
}

#define NN_RIPS_INPUT(T)                                                                       \
  template RipsRun rips_dense_input<T>(const double*, std::size_t, const InputOptions&,        \
                                       RipsOptions, const double*);                           \
  template RipsRun rips_points_input<T>(MatrixView<const double>, Metric, double,              \
                                        const InputOptions&, RipsOptions);                     \
  template RipsRun rips_sparse_input<T>(std::size_t, const std::int64_t*, const std::int64_t*, \
                                        const double*, const InputOptions&, RipsOptions,       \
                                        const double*);                                        \
  template std::vector<RipsRun> rips_dense_batch_input<T>(                                     \
      const std::vector<const double*>&, const std::vector<std::size_t>&,                      \
      const std::vector<InputOptions>&, const RipsOptions&, int);
NN_RIPS_INPUT(float)
NN_RIPS_INPUT(double)
#undef NN_RIPS_INPUT

}  // namespace topology
}  // namespace nn
