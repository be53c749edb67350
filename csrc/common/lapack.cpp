#include "common/lapack.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace nn {
namespace lapack {
namespace {

std::unordered_map<std::string, void*>& table() {
  static std::unordered_map<std::string, void*> t;
  return t;
}
std::mutex& table_mutex() {
  static std::mutex m;
  return m;
}

template <class F>
F get(const char* name) {
  return reinterpret_cast<F>(lookup(name));
}

using dgemm_t = void (*)(const char*, const char*, const fint*, const fint*, const fint*,
                         const double*, const double*, const fint*, const double*, const fint*,
                         const double*, double*, const fint*);
using sgemm_t = void (*)(const char*, const char*, const fint*, const fint*, const fint*,
                         const float*, const float*, const fint*, const float*, const fint*,
                         const float*, float*, const fint*);
using dsyrk_t = void (*)(const char*, const char*, const fint*, const fint*, const double*,
                         const double*, const fint*, const double*, double*, const fint*);
using dgemv_t = void (*)(const char*, const fint*, const fint*, const double*, const double*,
                         const fint*, const double*, const fint*, const double*, double*,
                         const fint*);
using ddot_t = double (*)(const fint*, const double*, const fint*, const double*, const fint*);
using dtrsm_t = void (*)(const char*, const char*, const char*, const char*, const fint*,
                         const fint*, const double*, const double*, const fint*, double*,
                         const fint*);
using dsyevd_t = void (*)(const char*, const char*, const fint*, double*, const fint*, double*,
                          double*, const fint*, fint*, const fint*, fint*);
using dpotrf_t = void (*)(const char*, const fint*, double*, const fint*, fint*);
using dpotrs_t = void (*)(const char*, const fint*, const fint*, const double*, const fint*,
                          double*, const fint*, fint*);
using dpotri_t = dpotrf_t;
using dgesv_t = void (*)(const fint*, const fint*, double*, const fint*, fint*, double*,
                         const fint*, fint*);
using dgees_t = void (*)(const char*, const char*, void*, const fint*, double*, const fint*,
                         fint*, double*, double*, double*, const fint*, double*, const fint*,
                         fint*, fint*);
using dtrsyl_t = void (*)(const char*, const char*, const fint*, const fint*, const fint*,
                          const double*, const fint*, const double*, const fint*, double*,
                          const fint*, double*, fint*);
using dgels_t = void (*)(const char*, const fint*, const fint*, const fint*, double*,
                         const fint*, double*, const fint*, double*, const fint*, fint*);

}  // namespace

void register_routine(const std::string& name, void* fn) {
  std::lock_guard<std::mutex> lock(table_mutex());
  table()[name] = fn;
}

void* lookup(const char* name) {
  std::lock_guard<std::mutex> lock(table_mutex());
  auto it = table().find(name);
  if (it == table().end() || it->second == nullptr)
    throw std::runtime_error(std::string("BLAS/LAPACK routine '") + name +
                             "' is not available (SciPy's cython_blas/cython_lapack not loaded)");
  return it->second;
}

void dgemm(char ta, char tb, fint m, fint n, fint k, double alpha, const double* a, fint lda,
           const double* b, fint ldb, double beta, double* c, fint ldc) {
  get<dgemm_t>("dgemm")(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}
void sgemm(char ta, char tb, fint m, fint n, fint k, float alpha, const float* a, fint lda,
           const float* b, fint ldb, float beta, float* c, fint ldc) {
  get<sgemm_t>("sgemm")(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}
void dsyrk(char uplo, char trans, fint n, fint k, double alpha, const double* a, fint lda,
           double beta, double* c, fint ldc) {
  get<dsyrk_t>("dsyrk")(&uplo, &trans, &n, &k, &alpha, a, &lda, &beta, c, &ldc);
}
void dgemv(char trans, fint m, fint n, double alpha, const double* a, fint lda, const double* x,
           fint incx, double beta, double* y, fint incy) {
  get<dgemv_t>("dgemv")(&trans, &m, &n, &alpha, a, &lda, x, &incx, &beta, y, &incy);
}
double ddot(fint n, const double* x, fint incx, const double* y, fint incy) {
  return get<ddot_t>("ddot")(&n, x, &incx, y, &incy);
}
void dtrsm(char side, char uplo, char transa, char diag, fint m, fint n, double alpha,
           const double* a, fint lda, double* b, fint ldb) {
  get<dtrsm_t>("dtrsm")(&side, &uplo, &transa, &diag, &m, &n, &alpha, a, &lda, b, &ldb);
}

fint dsyevd(char jobz, char uplo, fint n, double* a, fint lda, double* w) {
  fint info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  auto f = get<dsyevd_t>("dsyevd");
  f(&jobz, &uplo, &n, a, &lda, w, &wq, &lwork, &iwq, &liwork, &info);
  if (info != 0) return info;
  lwork = static_cast<fint>(wq);
  liwork = iwq;
  std::vector<double> work(static_cast<std::size_t>(std::max<fint>(1, lwork)));
  std::vector<fint> iwork(static_cast<std::size_t>(std::max<fint>(1, liwork)));
  f(&jobz, &uplo, &n, a, &lda, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}
fint dpotrf(char uplo, fint n, double* a, fint lda) {
  fint info = 0;
  get<dpotrf_t>("dpotrf")(&uplo, &n, a, &lda, &info);
  return info;
}
fint dpotrs(char uplo, fint n, fint nrhs, const double* a, fint lda, double* b, fint ldb) {
  fint info = 0;
  get<dpotrs_t>("dpotrs")(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info);
  return info;
}
fint dpotri(char uplo, fint n, double* a, fint lda) {
  fint info = 0;
  get<dpotri_t>("dpotri")(&uplo, &n, a, &lda, &info);
  return info;
}
fint dgesv(fint n, fint nrhs, double* a, fint lda, fint* ipiv, double* b, fint ldb) {
  fint info = 0;
  get<dgesv_t>("dgesv")(&n, &nrhs, a, &lda, ipiv, b, &ldb, &info);
  return info;
}
fint dgees(char jobvs, fint n, double* a, fint lda, fint* sdim, double* wr, double* wi,
           double* vs, fint ldvs) {
  const char sort = 'N';
  fint info = 0, lwork = -1;
  double wq = 0;
  auto f = get<dgees_t>("dgees");
  f(&jobvs, &sort, nullptr, &n, a, &lda, sdim, wr, wi, vs, &ldvs, &wq, &lwork, nullptr, &info);
  if (info != 0) return info;
  lwork = static_cast<fint>(wq);
  std::vector<double> work(static_cast<std::size_t>(std::max<fint>(1, lwork)));
  f(&jobvs, &sort, nullptr, &n, a, &lda, sdim, wr, wi, vs, &ldvs, work.data(), &lwork, nullptr,
    &info);
  return info;
}
fint dtrsyl(char trana, char tranb, fint isgn, fint m, fint n, const double* a, fint lda,
            const double* b, fint ldb, double* c, fint ldc, double* scale) {
  fint info = 0;
  get<dtrsyl_t>("dtrsyl")(&trana, &tranb, &isgn, &m, &n, a, &lda, b, &ldb, c, &ldc, scale,
                          &info);
  return info;
}
fint dgels(char trans, fint m, fint n, fint nrhs, double* a, fint lda, double* b, fint ldb) {
  fint info = 0, lwork = -1;
  double wq = 0;
  auto f = get<dgels_t>("dgels");
  f(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, &wq, &lwork, &info);
  if (info != 0) return info;
  lwork = static_cast<fint>(wq);
  std::vector<double> work(static_cast<std::size_t>(std::max<fint>(1, lwork)));
  f(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work.data(), &lwork, &info);
  return info;
}

}  // namespace lapack
}  // namespace nn
