// Non-owning views of C-contiguous arrays handed over by the bindings.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nn {

// Row-major (rows x cols) matrix view; row r starts at data + r * cols.
template <class T>
struct MatrixView {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  T* row(std::size_t r) const { return data + r * cols; }
  T& operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
};

// Stack of equally shaped row-major matrices (batch x rows x cols).
template <class T>
struct StackView {
  T* data = nullptr;
  std::size_t batch = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;

  MatrixView<T> operator[](std::size_t b) const {
    return MatrixView<T>{data + b * rows * cols, rows, cols};
  }
};

}  // namespace nn
