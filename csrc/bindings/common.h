// Helpers shared by the per-area register_*.h headers (included by module.cpp only).
//
// Conventions: the Python layer (_validation.py) has already checked shapes,
// dtypes and values and made arrays C-contiguous; these helpers re-check the
// layout cheaply (a failure here is a bug in the Python layer, reported as
// ValueError, never a crash), build views, allocate outputs under the GIL, and
// kernels then run with the GIL released.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

#include "common/arrays.hpp"

namespace py = pybind11;

namespace nnpy {

template <class T>
using carray = py::array_t<T, py::array::c_style>;

template <class T>
inline void require_ndim(const carray<T>& a, py::ssize_t ndim, const char* name) {
  if (a.ndim() != ndim)
    throw std::invalid_argument(std::string(name) + " must be " + std::to_string(ndim) +
                                "-D, got " + std::to_string(a.ndim()) + "-D");
}

template <class T>
inline nn::MatrixView<const T> matrix(const carray<T>& a, const char* name) {
  require_ndim(a, 2, name);
  return {a.data(), static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
}

template <class T>
inline nn::MatrixView<T> mutable_matrix(carray<T>& a, const char* name) {
  require_ndim(a, 2, name);
  return {a.mutable_data(), static_cast<std::size_t>(a.shape(0)),
          static_cast<std::size_t>(a.shape(1))};
}

template <class T>
inline nn::StackView<const T> stack(const carray<T>& a, const char* name) {
  require_ndim(a, 3, name);
  return {a.data(), static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1)),
          static_cast<std::size_t>(a.shape(2))};
}

template <class T>
inline nn::StackView<T> mutable_stack(carray<T>& a, const char* name) {
  require_ndim(a, 3, name);
  return {a.mutable_data(), static_cast<std::size_t>(a.shape(0)),
          static_cast<std::size_t>(a.shape(1)), static_cast<std::size_t>(a.shape(2))};
}

template <class T>
inline carray<T> empty(std::initializer_list<py::ssize_t> shape) {
  return carray<T>(std::vector<py::ssize_t>(shape));
}

}  // namespace nnpy
