// BLAS and LAPACK for the kernels, borrowed from SciPy.
//
// SciPy exports the Fortran BLAS/LAPACK it was built with (OpenBLAS in the
// wheels) as function pointers in scipy.linalg.cython_blas/cython_lapack
// (LP64: 32-bit integers, Fortran calling convention: every argument by
// pointer).  The bindings look the pointers up once at import and register
// them here, so kernels get a tuned BLAS without linking one themselves, and
// dense linear algebra is never hand-written.
//
// Kernels call the typed wrappers below.  Every routine SciPy exports is
// registered, so an area that needs another one declares its own typed wrapper
// around lookup("name") (see lapack.cpp for the pattern).  Looking up a routine
// that was not registered throws std::runtime_error.
#pragma once
#include <string>

namespace nn {
namespace lapack {

using fint = int;  // SciPy's cython_blas/cython_lapack are LP64

// Registration (bindings only).
void register_routine(const std::string& name, void* fn);
void* lookup(const char* name);  // throws if missing

// ---- BLAS ------------------------------------------------------------------
void dgemm(char transa, char transb, fint m, fint n, fint k, double alpha, const double* a,
           fint lda, const double* b, fint ldb, double beta, double* c, fint ldc);
void sgemm(char transa, char transb, fint m, fint n, fint k, float alpha, const float* a,
           fint lda, const float* b, fint ldb, float beta, float* c, fint ldc);
void dsyrk(char uplo, char trans, fint n, fint k, double alpha, const double* a, fint lda,
           double beta, double* c, fint ldc);
void dgemv(char trans, fint m, fint n, double alpha, const double* a, fint lda, const double* x,
           fint incx, double beta, double* y, fint incy);
double ddot(fint n, const double* x, fint incx, const double* y, fint incy);
void dtrsm(char side, char uplo, char transa, char diag, fint m, fint n, double alpha,
           const double* a, fint lda, double* b, fint ldb);

// ---- LAPACK (info returned; 0 = success) ------------------------------------
// Symmetric eigendecomposition (divide and conquer); w ascending, a <- vectors.
fint dsyevd(char jobz, char uplo, fint n, double* a, fint lda, double* w);
// Cholesky factorisation and solve.
fint dpotrf(char uplo, fint n, double* a, fint lda);
fint dpotrs(char uplo, fint n, fint nrhs, const double* a, fint lda, double* b, fint ldb);
fint dpotri(char uplo, fint n, double* a, fint lda);
// General solve (LU with partial pivoting); a and b overwritten.
fint dgesv(fint n, fint nrhs, double* a, fint lda, fint* ipiv, double* b, fint ldb);
// Real Schur form A = Z T Z^T (no sorting); wr, wi eigenvalues.
fint dgees(char jobvs, fint n, double* a, fint lda, fint* sdim, double* wr, double* wi,
           double* vs, fint ldvs);
// Sylvester equation op(A) X + isgn X op(B) = scale C with A, B quasi-triangular.
fint dtrsyl(char trana, char tranb, fint isgn, fint m, fint n, const double* a, fint lda,
            const double* b, fint ldb, double* c, fint ldc, double* scale);
// Least squares min ||A x - b|| by QR (full rank); a and b overwritten.
fint dgels(char trans, fint m, fint n, fint nrhs, double* a, fint lda, double* b, fint ldb);

}  // namespace lapack
}  // namespace nn
