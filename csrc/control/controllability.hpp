// Batched controllability metrics (Gu et al., Nat Commun 6:8414, 2015) for
// cohorts of connectomes: one eigendecomposition (or real Schur form) per
// subject from LAPACK, then per-node sums.  Subjects are spread over threads;
// each subject's numbers are computed by one thread with the same calls, so
// results do not depend on the thread count.
//
// Conventions: A is the normalised matrix of the linear system
// x' = A x + B u (continuous) or x(t+1) = A x(t) + B u(t) (discrete), so
// A[i, j] is the influence of node j on node i.  Matrices are row-major.
#pragma once
#include <cstddef>

#include "common/arrays.hpp"

namespace nn {
namespace control {

// How the average controllability sums the spectrum (see controllability.cpp).
enum class Horizon : int {
  DiscreteInfinite = 0,    // sum_{k>=0} ||A^k e_i||^2
  DiscreteFinite = 1,      // sum_{k=0}^{T-1} ||A^k e_i||^2
  ContinuousFinite = 2,    // int_0^T ||e^{At} e_i||^2 dt
  ContinuousInfinite = 3,  // int_0^inf ||e^{At} e_i||^2 dt
};

// out[s] = 1 when max|A - A^T| <= rtol * max|A| for A = A[s], else 0.
void symmetric_flags(StackView<const double> A, double rtol, unsigned char* out, int n_threads);

// Largest |eigenvalue| of each symmetric matrix A[s] (eigenvalues only).
void spectral_radius_symmetric(StackView<const double> A, double* out, int n_threads);

// For symmetric A[s] = V diag(l) V^T:
//   ac[s, i] = sum_j V_ij^2 f(l_j)     (f from `horizon`, `T`)      if ac != nullptr
//   mc[s, i] = sum_j V_ij^2 (1 - l_j^2) = 1 - sum_k A_ik^2           if mc != nullptr
// Infinite horizons: ac = diag((I - A^2)^{-1}) (discrete) or diag((-2A)^{-1})
// (continuous) by Cholesky (dsyrk, dpotrf, dtrtri); finite horizons: dsyevd.
// Throws std::domain_error naming the subject when an infinite horizon is asked
// for an unstable system (discrete: |l| >= 1; continuous: l >= 0).
void symmetric_controllability(StackView<const double> A, Horizon horizon, double T, double* ac,
                               double* mc, int n_threads);

// Modal controllability from the real Schur form A[s] = U R U^T (LAPACK dgees,
// no ordering): mc[s, i] = sum_j U_ij^2 (1 - R_jj^2), as nctpy's modal_control.
void schur_modal_controllability(StackView<const double> A, double* mc, int n_threads);

// Dense pieces of the general (directed) Gramian solves, for callers that
// need them without Python's global lock (column-major n x n buffers):
// real Schur form a <- T (A = Z T Z^T, LAPACK dgees, no ordering), z <- Z,
// eigenvalues wr + i wi.  Returns LAPACK's info (0 = success).
int real_schur(std::size_t n, double* a, double* z, double* wr, double* wi);

// op(A) X + isgn X op(B) = scale C for quasi-triangular A (m x m) and B (n x n)
// (LAPACK dtrsyl); c (m x n) <- X.  Returns LAPACK's info.
int quasi_triangular_sylvester(char trana, char tranb, int isgn, std::size_t m, std::size_t n,
                               const double* a, const double* b, double* c, double* scale);

}  // namespace control
}  // namespace nn
