// Bindings for csrc/topology: Vietoris–Rips persistence.  Conversions only:
// the loops live in csrc/topology (rips_input.hpp does the input path).
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bindings/common.h"
#include "topology/edge_collapse.hpp"
#include "topology/rips.hpp"
#include "topology/rips_input.hpp"

namespace nnpy {

namespace topo_detail {

namespace tp = nn::topology;

inline tp::Symmetry symmetry_of(const std::string& s) {
  if (s == "check") return tp::Symmetry::kCheck;
  if (s == "upper") return tp::Symmetry::kUpper;
  if (s == "trust") return tp::Symmetry::kTrust;
  throw std::invalid_argument("symmetry must be 'check', 'upper' or 'trust'");
}

inline bool is_f32(const std::string& dtype) {
  if (dtype == "f32") return true;
  if (dtype == "f64") return false;
  throw std::invalid_argument("dtype must be 'f32' or 'f64'");
}

// threshold None = automatic (enclosing radius for dense input, inf for sparse).
inline tp::InputOptions input_options(const std::string& name, const std::string& symmetry,
                                      bool allow_negative, const py::object& threshold,
                                      double available, bool estimate_only) {
  tp::InputOptions in;
  in.name = name;
  in.symmetry = symmetry_of(symmetry);
  in.allow_negative = allow_negative;
  in.auto_threshold = threshold.is_none();
  in.available = available;
  in.estimate_only = estimate_only;
  return in;
}

inline tp::RipsOptions rips_options(int maxdim, const py::object& threshold, long long modulus,
                                    int n_threads, bool cocycles, double memory_limit,
                                    bool collapse, long long lazy_after) {
  tp::RipsOptions o;
  o.maxdim = maxdim;
  o.threshold = threshold.is_none() ? 0.0 : threshold.cast<double>();
  o.modulus = modulus;
  o.n_threads = n_threads;
  o.cocycles = cocycles;
  o.memory_limit = memory_limit;
  o.collapse = collapse;
  o.lazy_after = lazy_after;
  return o;
}

inline const double* births_ptr(const carray<double>& births, std::size_t n) {
  if (births.size() == 0) return nullptr;
  if (births.ndim() != 1 || static_cast<std::size_t>(births.size()) != n)
    throw std::invalid_argument("births must be empty or have one entry per vertex");
  return births.data();
}

// (dgms, num_edges, cocycles or None, threshold, estimated_bytes):
// dgms = list of (k, 2) float64 arrays in the engine's order.
inline py::tuple to_python(const tp::RipsRun& run, bool cocycles) {
  const tp::RipsResult& r = run.result;
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
  return py::make_tuple(dgms, run.num_edges, cc, run.threshold, run.estimated_bytes);
}

// Runs `body(T{})` (the engine in T = float or double, per dtype) without
// the GIL and converts its result.
template <class Body>
py::tuple run_in(const std::string& dtype, bool cocycles, Body&& body) {
  const bool f32 = is_f32(dtype);
  tp::RipsRun run;
  {
    py::gil_scoped_release release;
    run = f32 ? body(float{}) : body(double{});
  }
  return to_python(run, cocycles);
}

inline py::tuple rips_dense(const carray<double>& D, const std::string& dtype, int maxdim,
                            const py::object& threshold, long long modulus, int n_threads,
                            bool cocycles, const carray<double>& births, bool collapse,
                            const std::string& symmetry, bool allow_negative,
                            const std::string& name, double available, bool estimate_only,
                            double memory_limit, long long lazy_after) {
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  const double* b = births_ptr(births, d.rows);
  const auto in = input_options(name, symmetry, allow_negative, threshold, available,
                                estimate_only);
  const auto opt = rips_options(maxdim, threshold, modulus, n_threads, cocycles, memory_limit,
                                collapse, lazy_after);
  return run_in(dtype, cocycles, [&](auto t) {
    return tp::rips_dense_input<decltype(t)>(d.data, d.rows, in, opt, b);
  });
}

inline py::tuple rips_points(const carray<double>& X, const std::string& metric, double p,
                             const std::string& dtype, int maxdim, const py::object& threshold,
                             long long modulus, int n_threads, bool cocycles, bool collapse,
                             const std::string& name, double available, bool estimate_only,
                             double memory_limit, long long lazy_after) {
  auto x = matrix(X, "X");
  const nn::Metric mt = nn::parse_metric(metric);
  const auto in = input_options(name, "trust", false, threshold, available, estimate_only);
  const auto opt = rips_options(maxdim, threshold, modulus, n_threads, cocycles, memory_limit,
                                collapse, lazy_after);
  return run_in(dtype, cocycles, [&](auto t) {
    return tp::rips_points_input<decltype(t)>(x, mt, p, in, opt);
  });
}

inline py::tuple rips_sparse(std::size_t n, const carray<std::int64_t>& indptr,
                             const carray<std::int64_t>& indices, const carray<double>& values,
                             const std::string& dtype, int maxdim, const py::object& threshold,
                             long long modulus, int n_threads, bool cocycles,
                             const carray<double>& births, bool collapse,
                             const std::string& symmetry, bool allow_negative,
                             const std::string& name, double available, bool estimate_only,
                             double memory_limit, long long lazy_after) {
  if (static_cast<std::size_t>(indptr.size()) != n + 1)
    throw std::invalid_argument("indptr must have n + 1 entries");
  if (indices.size() != values.size() || indptr.data()[n] != indices.size())
    throw std::invalid_argument("indptr, indices and values are inconsistent");
  const double* b = births_ptr(births, n);
  const auto in = input_options(name, symmetry, allow_negative, threshold, available,
                                estimate_only);
  const auto opt = rips_options(maxdim, threshold, modulus, n_threads, cocycles, memory_limit,
                                collapse, lazy_after);
  return run_in(dtype, cocycles, [&](auto t) {
    return tp::rips_sparse_input<decltype(t)>(n, indptr.data(), indices.data(), values.data(),
                                              in, opt, b);
  });
}

// A cohort of dense matrices: one subject per task, n_threads tasks at once.
inline py::list rips_dense_batch(const std::vector<carray<double>>& mats,
                                 const std::vector<std::string>& names,
                                 const std::string& dtype, int maxdim,
                                 const py::object& threshold, long long modulus, int n_threads,
                                 bool collapse, const std::vector<std::string>& symmetry,
                                 double available) {
  if (mats.size() != names.size() || mats.size() != symmetry.size())
    throw std::invalid_argument("one name and one symmetry per matrix are required");
  std::vector<const double*> ptrs;
  std::vector<std::size_t> sizes;
  std::vector<tp::InputOptions> ins;
  for (std::size_t s = 0; s < mats.size(); ++s) {
    auto v = matrix(mats[s], "D");
    if (v.rows != v.cols) throw std::invalid_argument("every matrix must be square");
    ptrs.push_back(v.data);
    sizes.push_back(v.rows);
    ins.push_back(input_options(names[s], symmetry[s], false, threshold, available, false));
  }
  const auto opt = rips_options(maxdim, threshold, modulus, 1, false, 0.0, collapse, -1);
  const bool f32 = is_f32(dtype);
  std::vector<tp::RipsRun> runs;
  {
    py::gil_scoped_release release;
    runs = f32 ? tp::rips_dense_batch_input<float>(ptrs, sizes, ins, opt, n_threads)
               : tp::rips_dense_batch_input<double>(ptrs, sizes, ins, opt, n_threads);
  }
  py::list out;
  for (const auto& r : runs) out.append(to_python(r, false));
  return out;
}

template <class T>
double enclosing_radius(const carray<T>& D) {
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  py::gil_scoped_release release;
  return static_cast<double>(tp::enclosing_radius<T>(d.data, d.rows));
}

// Edge collapse of the flag filtration of a dense matrix's edges <= threshold
// -> (u, v, f) arrays of the kept edges (u > v), sorted by (f, u, v).
template <class T>
py::tuple edge_collapse(const carray<T>& D, double threshold, const std::string& store) {
  tp::TauStore ts;
  if (store == "auto") ts = tp::TauStore::kAuto;
  else if (store == "dense") ts = tp::TauStore::kDense;
  else if (store == "sparse") ts = tp::TauStore::kSparse;
  else throw std::invalid_argument("store must be 'auto', 'dense' or 'sparse'");
  auto d = matrix(D, "D");
  if (d.rows != d.cols) throw std::invalid_argument("D must be square");
  std::vector<tp::FilteredEdge<T>> kept;
  {
    py::gil_scoped_release release;
    kept = tp::collapse_dense<T>(d.data, d.rows, static_cast<T>(threshold), ts);
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
  const long long lazy_default = nn::topology::RipsOptions{}.lazy_after;

  m.def("rips_dense", &rips_dense, py::arg("D"), py::arg("dtype"), py::arg("maxdim"),
        py::arg("threshold"), py::arg("modulus"), py::arg("n_threads"), py::arg("cocycles"),
        py::arg("births"), py::arg("collapse"), py::arg("symmetry"), py::arg("allow_negative"),
        py::arg("name"), py::arg("available"), py::arg("estimate_only") = false,
        py::arg("memory_limit") = 0.0, py::arg("lazy_after") = lazy_default,
        "Rips persistence of a dense (n, n) float64 matrix, computed in dtype ('f32'/'f64'): "
        "checks, threshold, memory guard and reduction in one call -> "
        "(dgms, num_edges, cocycles, threshold, estimated_bytes).");
  m.def("rips_points", &rips_points, py::arg("X"), py::arg("metric"), py::arg("p"),
        py::arg("dtype"), py::arg("maxdim"), py::arg("threshold"), py::arg("modulus"),
        py::arg("n_threads"), py::arg("cocycles"), py::arg("collapse"), py::arg("name"),
        py::arg("available"), py::arg("estimate_only") = false, py::arg("memory_limit") = 0.0,
        py::arg("lazy_after") = lazy_default,
        "Rips persistence of a point cloud (n, d): distances, threshold, memory guard and "
        "reduction in one call -> (dgms, num_edges, cocycles, threshold, estimated_bytes).");
  m.def("rips_sparse", &rips_sparse, py::arg("n"), py::arg("indptr"), py::arg("indices"),
        py::arg("values"), py::arg("dtype"), py::arg("maxdim"), py::arg("threshold"),
        py::arg("modulus"), py::arg("n_threads"), py::arg("cocycles"), py::arg("births"),
        py::arg("collapse"), py::arg("symmetry"), py::arg("allow_negative"), py::arg("name"),
        py::arg("available"), py::arg("estimate_only") = false, py::arg("memory_limit") = 0.0,
        py::arg("lazy_after") = lazy_default,
        "Rips persistence of a CSR float64 matrix (sorted column indices) -> "
        "(dgms, num_edges, cocycles, threshold, estimated_bytes).");
  m.def("rips_dense_batch", &rips_dense_batch, py::arg("mats"), py::arg("names"),
        py::arg("dtype"), py::arg("maxdim"), py::arg("threshold"), py::arg("modulus"),
        py::arg("n_threads"), py::arg("collapse"), py::arg("symmetry"), py::arg("available"),
        "Rips persistence of many dense matrices, one per thread.");

  // float64 and float32 arrays: one name, two overloads (no conversion
  // between them, so the array's dtype picks the engine's type).
  m.def("edge_collapse", &edge_collapse<double>, py::arg("D").noconvert(), py::arg("threshold"),
        py::arg("store") = "auto",
        "Edge-collapsed flag filtration of the edges <= threshold -> (u, v, f).");
  m.def("edge_collapse", &edge_collapse<float>, py::arg("D").noconvert(), py::arg("threshold"),
        py::arg("store") = "auto");
  m.def("enclosing_radius", &enclosing_radius<double>, py::arg("D").noconvert(),
        "min_i max_j D[i, j] (j != i) of a dense (n, n) distance matrix.");
  m.def("enclosing_radius", &enclosing_radius<float>, py::arg("D").noconvert());
}

}  // namespace nnpy
