// Bindings for csrc/topology: Vietoris–Rips persistence.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bindings/common.h"
#include "common/parallel.hpp"
#include "topology/edge_collapse.hpp"
#include "topology/rips.hpp"

namespace nnpy {

namespace topo_detail {

inline nn::topology::RipsOptions rips_options(int maxdim, double threshold, long long modulus,
                                              int n_threads, bool cocycles,
                                              double memory_limit, bool collapse = false) {
  nn::topology::RipsOptions o;
  o.collapse = collapse;
  o.maxdim = maxdim;
  o.threshold = threshold;
  o.modulus = modulus;
  o.n_threads = n_threads;
  o.cocycles = cocycles;
  o.memory_limit = memory_limit;
  return o;
}

// (pairs, num_edges, cocycles or None): pairs = list of (k, 2) float64 arrays.
inline py::tuple to_python(const nn::topology::RipsResult& r, bool cocycles) {
  py::list dgms;
  for (const auto& flat : r.pairs) {
    const py::ssize_t k = static_cast<py::ssize_t>(flat.size() / 2);
    auto a = empty<double>({k, 2});
    std::copy(flat.begin(), flat.end(), a.mutable_data());
    dgms.append(a);
  }
  py::object cc = py::none();
  if (cocycles) {
    py::list per_dim;
    for (std::size_t d = 0; d < r.cocycles.size(); ++d) {
      py::list lst;
      const py::ssize_t w = static_cast<py::ssize_t>(d) + 2;
      for (const auto& c : r.cocycles[d]) {
        const py::ssize_t rows = static_cast<py::ssize_t>(c.data.size()) / w;
        auto a = empty<std::int64_t>({rows, w});
        std::copy(c.data.begin(), c.data.end(), a.mutable_data());
        lst.append(a);
      }
      per_dim.append(lst);
    }
    cc = per_dim;
  }
  return py::make_tuple(dgms, r.num_edges, cc);
}

// Vertex birth times: an empty array means every vertex is born at 0.
template <class T>
const T* births_ptr(const carray<T>& births, std::size_t n) {
  if (births.size() == 0) return nullptr;
  if (births.ndim() != 1 || static_cast<std::size_t>(births.size()) != n)
    throw std::invalid_argument("births must be empty or have one entry per vertex");
  return births.data();
}

template <class T>
py::tuple rips_dense(const carray<T>& D, int maxdim, double threshold, long long modulus,
                     int n_threads, bool cocycles, double memory_limit, const carray<T>& births,
                     bool collapse, long long lazy_after) {
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  const T* b = births_ptr(births, d.rows);
  auto opt = rips_options(maxdim, threshold, modulus, n_threads, cocycles, memory_limit, collapse);
  opt.lazy_after = lazy_after;
  nn::topology::RipsResult res;
  {
    py::gil_scoped_release release;
    res = nn::topology::rips_dense<T>(d.data, d.rows, opt, b);
  }
  return to_python(res, cocycles);
}

template <class T>
py::tuple rips_sparse(std::size_t n, const carray<std::int64_t>& indptr,
                      const carray<std::int64_t>& indices, const carray<T>& values, int maxdim,
                      double threshold, long long modulus, int n_threads, bool cocycles,
                      double memory_limit, const carray<T>& births, bool collapse,
                      long long lazy_after) {
  const T* b = births_ptr(births, n);
  if (static_cast<std::size_t>(indptr.size()) != n + 1)
    throw std::invalid_argument("indptr must have n + 1 entries");
  if (indices.size() != values.size())
    throw std::invalid_argument("indices and values must have the same length");
  const std::int64_t* ip = indptr.data();
  if (ip[0] != 0 || ip[n] != indices.size())
    throw std::invalid_argument("indptr is inconsistent with indices");
  for (std::size_t i = 0; i < n; ++i)
    if (ip[i + 1] < ip[i]) throw std::invalid_argument("indptr must be non-decreasing");
  auto opt = rips_options(maxdim, threshold, modulus, n_threads, cocycles, memory_limit, collapse);
  opt.lazy_after = lazy_after;
  nn::topology::RipsResult res;
  {
    py::gil_scoped_release release;
    res = nn::topology::rips_sparse<T>(n, ip, indices.data(), values.data(), opt, b);
  }
  return to_python(res, cocycles);
}

// A cohort of dense matrices: one subject per task, n_threads tasks at once.
// thresholds[s] is subject s's threshold.
template <class T>
py::list rips_dense_batch(const std::vector<carray<T>>& mats, const std::vector<double>& thresholds,
                          int maxdim, long long modulus, int n_threads, double memory_limit,
                          bool collapse) {
  if (mats.size() != thresholds.size())
    throw std::invalid_argument("one threshold per matrix is required");
  std::vector<nn::MatrixView<const T>> views;
  for (const auto& a : mats) {
    auto v = matrix(a, "D");
    if (v.rows != v.cols) throw std::invalid_argument("every matrix must be square");
    views.push_back(v);
  }
  std::vector<nn::topology::RipsResult> results(mats.size());
  {
    py::gil_scoped_release release;
    nn::parallel_for(views.size(), n_threads, 1, [&](std::size_t b, std::size_t e, int) {
      for (std::size_t s = b; s < e; ++s) {
        auto opt = rips_options(maxdim, thresholds[s], modulus, 1, false, memory_limit, collapse);
        results[s] = nn::topology::rips_dense<T>(views[s].data, views[s].rows, opt);
      }
    });
  }
  py::list out;
  for (const auto& r : results) out.append(to_python(r, false));
  return out;
}

template <class T>
double enclosing_radius(const carray<T>& D) {
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  T r;
  {
    py::gil_scoped_release release;
    r = nn::topology::enclosing_radius<T>(d.data, d.rows);
  }
  return static_cast<double>(r);
}

// Checks a CSR distance matrix (column indices sorted within each row):
// returns (0, -1, -1) when it has no duplicate entries and is symmetric (the
// same entries above and below the diagonal, values equal to rtol of the
// largest), else (code, i, j) for the first offending entry: 1 = (i, j)
// stored twice, 2 = (i, j) stored but (j, i) not, 3 = values differ.
inline py::tuple check_csr_symmetric(const carray<std::int64_t>& indptr,
                                     const carray<std::int64_t>& indices,
                                     const carray<double>& data, double rtol) {
  const std::int64_t n = static_cast<std::int64_t>(indptr.size()) - 1;
  const std::int64_t* ip = indptr.data();
  const std::int64_t* ix = indices.data();
  const double* v = data.data();
  if (n < 0 || indices.size() != data.size() || ip[n] != indices.size())
    throw std::invalid_argument("inconsistent CSR arrays");
  int code = 0;
  std::int64_t bi = -1, bj = -1;
  {
    py::gil_scoped_release release;
    double scale = 0;
    for (std::int64_t k = 0; k < ip[n]; ++k) scale = std::max(scale, std::fabs(v[k]));
    const double tol = rtol * std::max(1.0, scale);
    for (std::int64_t i = 0; i < n && code == 0; ++i)
      for (std::int64_t k = ip[i]; k < ip[i + 1]; ++k) {
        const std::int64_t j = ix[k];
        if (k > ip[i] && ix[k - 1] == j) {
          code = 1;
        } else if (j != i) {
          const std::int64_t* b = ix + ip[j];
          const std::int64_t* e = ix + ip[j + 1];
          const std::int64_t* it = std::lower_bound(b, e, i);
          if (it == e || *it != i)
            code = 2;
          else if (!(std::fabs(v[it - ix] - v[k]) <= tol) &&
                   !(std::isinf(v[k]) && v[it - ix] == v[k]))
            code = 3;
        }
        if (code != 0) {
          bi = i;
          bj = j;
          break;
        }
      }
  }
  return py::make_tuple(code, bi, bj);
}

// Lower degrees of the graph of edges <= threshold: out[i] = #{j < i : D[i, j] <= thr}.
template <class T>
py::array_t<std::int64_t> lower_degrees(const carray<T>& D, double threshold) {
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  const std::size_t n = d.rows;
  py::array_t<std::int64_t> out(static_cast<py::ssize_t>(n));
  std::int64_t* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    const T thr = static_cast<T>(threshold);
    for (std::size_t i = 0; i < n; ++i) {
      const T* row = d.data + i * n;
      std::int64_t c = 0;
      for (std::size_t j = 0; j < i; ++j) c += row[j] <= thr;
      o[i] = c;
    }
  }
  return out;
}

// Edge collapse of the flag filtration of a dense matrix's edges <= threshold
// -> (u, v, f) arrays of the kept edges (u > v), sorted by (f, u, v).
template <class T>
py::tuple edge_collapse(const carray<T>& D, double threshold, const std::string& store) {
  nn::topology::TauStore ts;
  if (store == "auto") ts = nn::topology::TauStore::kAuto;
  else if (store == "dense") ts = nn::topology::TauStore::kDense;
  else if (store == "sparse") ts = nn::topology::TauStore::kSparse;
  else throw std::invalid_argument("store must be 'auto', 'dense' or 'sparse'");
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  const std::size_t n = d.rows;
  std::vector<nn::topology::FilteredEdge<T>> kept;
  {
    py::gil_scoped_release release;
    std::vector<nn::topology::FilteredEdge<T>> edges;
    for (std::size_t i = 1; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j) {
        const T x = d.data[i * n + j];
        if (x <= static_cast<T>(threshold) && std::isfinite(x))
          edges.push_back({static_cast<std::int64_t>(i), static_cast<std::int64_t>(j), x});
      }
    kept = nn::topology::collapse_edges<T>(n, std::move(edges), nullptr, ts);
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      if (a.f != b.f) return a.f < b.f;
      if (a.u != b.u) return a.u < b.u;
      return a.v < b.v;
    });
  }
  py::array_t<std::int64_t> u(kept.size()), v(kept.size());
  py::array_t<double> f(kept.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    u.mutable_data()[k] = kept[k].u;
    v.mutable_data()[k] = kept[k].v;
    f.mutable_data()[k] = static_cast<double>(kept[k].f);
  }
  return py::make_tuple(u, v, f);
}

}  // namespace topo_detail

inline void register_topology(py::module_& m) {
  using namespace topo_detail;
  py::register_exception<nn::topology::RipsMemoryError>(m, "RipsMemoryError",
                                                         PyExc_MemoryError);

  m.def("check_csr_symmetric", &check_csr_symmetric, py::arg("indptr"), py::arg("indices"),
        py::arg("data"), py::arg("rtol"),
        "(code, i, j): 0 = no duplicates and symmetric; 1 duplicate, 2 missing mirror, 3 values differ.");

#define NN_TOPO_DEFS(T, SUFFIX)                                                                  \
  m.def("rips_dense_" SUFFIX, &rips_dense<T>, py::arg("D"), py::arg("maxdim"),                  \
        py::arg("threshold"), py::arg("modulus"), py::arg("n_threads"), py::arg("cocycles"),     \
        py::arg("memory_limit"), py::arg("births"), py::arg("collapse") = false,                 \
        py::arg("lazy_after") = nn::topology::RipsOptions{}.lazy_after,                 \
        "Rips persistence of a dense (n, n) distance matrix -> (dgms, num_edges, cocycles).");  \
  m.def("rips_sparse_" SUFFIX, &rips_sparse<T>, py::arg("n"), py::arg("indptr"),                \
        py::arg("indices"), py::arg("values"), py::arg("maxdim"), py::arg("threshold"),         \
        py::arg("modulus"), py::arg("n_threads"), py::arg("cocycles"), py::arg("memory_limit"), \
        py::arg("births"), py::arg("collapse") = false,                 \
        py::arg("lazy_after") = nn::topology::RipsOptions{}.lazy_after, "Rips persistence of a CSR sparse distance matrix -> (dgms, num_edges, cocycles).");    \
  m.def("rips_dense_batch_" SUFFIX, &rips_dense_batch<T>, py::arg("mats"),                      \
        py::arg("thresholds"), py::arg("maxdim"), py::arg("modulus"), py::arg("n_threads"),     \
        py::arg("memory_limit"), py::arg("collapse") = false, "Rips persistence of many dense matrices, one per thread.");   \
  m.def("edge_collapse_" SUFFIX, &edge_collapse<T>, py::arg("D"), py::arg("threshold"),       \
        py::arg("store") = "auto",                                                              \
        "Edge-collapsed flag filtration of the edges <= threshold -> (u, v, f).");              \
  m.def("lower_degrees_" SUFFIX, &lower_degrees<T>, py::arg("D"), py::arg("threshold"),         \
        "#{j < i : D[i, j] <= threshold} for every row i of a dense (n, n) matrix.");           \
  m.def("enclosing_radius_" SUFFIX, &enclosing_radius<T>, py::arg("D"),                         \
        "min_i max_j D[i, j] (j != i) of a dense (n, n) distance matrix.");

  NN_TOPO_DEFS(double, "f64")
  NN_TOPO_DEFS(float, "f32")
#undef NN_TOPO_DEFS
}

}  // namespace nnpy
