"""Type stubs for ``netneuro._core``, the compiled C++ core (pybind11).

Private: the public API is the Python modules, which validate every input before
calling these functions.  The submodules ``control``, ``graph``, ``infotheory``,
``maxent`` and ``topology`` are pybind11 submodules; one stub file describes them
as namespaces of static functions, so ``_core.topology.rips_dense_f64(...)`` and
``from netneuro._core import topology`` type-check.  Parameter names, order and
defaults are those of the binding (``tests/test_architecture.py`` compares them
with the compiled module's signatures, so this file cannot drift silently).

Array arguments are converted by pybind11 to C-contiguous arrays of the dtype in
their annotation; ``n_jobs`` / ``n_threads`` are thread counts already resolved
by the Python layer (>= 1).
"""

from collections.abc import Sequence
from typing import Annotated, Any, SupportsFloat, SupportsIndex, SupportsInt, final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

_Int = SupportsInt | SupportsIndex
_Float = SupportsFloat | SupportsIndex
_F64In = Annotated[ArrayLike, np.float64]
_F32In = Annotated[ArrayLike, np.float32]
_I64In = Annotated[ArrayLike, np.int64]
_I32In = Annotated[ArrayLike, np.int32]
_I8In = Annotated[ArrayLike, np.int8]
_F64 = NDArray[np.float64]
_I64 = NDArray[np.int64]
# (diagrams: one (k, 2) float64 array per dimension, number of edges,
#  cocycles per dimension (lists of (m, d + 2) int64 arrays) or None)
_RipsResult = tuple[list[_F64], int, list[list[_I64]] | None]

__version__: str
# {"version", "compiler", "build_type", "sanitizers": str, "areas": list[str]}
build_info: dict[str, Any]

def hardware_threads() -> int:
    """Number of hardware threads the core sees (std::thread::hardware_concurrency)."""

def pairwise_distances(X: _F64In, metric: str, p: _Float, n_jobs: _Int) -> _F64:
    """Symmetric distance matrix of the rows of X (n, d) -> (n, n)."""

def cross_distances(X: _F64In, Y: _F64In, metric: str, p: _Float, n_jobs: _Int) -> _F64:
    """Distances between the rows of X (n, d) and Y (m, d) -> (n, m)."""

@final
class control:
    """Gramians and controllability."""

    @staticmethod
    def quasi_triangular_sylvester(
        At: _F64In, Bt: _F64In, Ct: _F64In, trana: str, tranb: str, isgn: _Int
    ) -> tuple[_F64, float, int]:
        """op(A) X + isgn X op(B) = scale C for quasi-triangular A, B, given A^T, B^T, C^T
        (C order) -> (X^T, scale, info) (LAPACK dtrsyl; the GIL is released)."""
    @staticmethod
    def real_schur(At: _F64In) -> tuple[_F64, _F64, _F64, _F64]:
        """Real Schur form of A, given A^T (C order) -> (T^T, Z^T, wr, wi), A = Z T Z^T
        (LAPACK dgees, no ordering; the GIL is released)."""
    @staticmethod
    def schur_modal_controllability(A: _F64In, n_jobs: _Int) -> _F64:
        """Modal controllability from the real Schur form of each A (S, N, N) -> (S, N)."""
    @staticmethod
    def spectral_radius_symmetric(A: _F64In, n_jobs: _Int) -> _F64:
        """Largest |eigenvalue| of each symmetric matrix of A (S, N, N) -> (S,)."""
    @staticmethod
    def symmetric_controllability(
        A: _F64In, horizon: _Int, T: _Float, want_ac: bool, want_mc: bool, n_jobs: _Int
    ) -> tuple[_F64, _F64]:
        """Average and modal controllability of symmetric A (S, N, N) -> ((S, N), (S, N)).

        horizon: 0 discrete infinite, 1 discrete finite, 2 continuous finite,
        3 continuous infinite.
        """
    @staticmethod
    def symmetric_flags(A: _F64In, rtol: _Float, n_jobs: _Int) -> NDArray[np.bool_]:
        """Per matrix of A (S, N, N): max|A - A^T| <= rtol * max|A| -> bool (S,)."""

@final
class graph:
    """Graph metrics."""

    @staticmethod
    def assign_weights_strength(
        B: _F64In, weights: _F64In, strength: _F64In, batch_fraction: _Float, n_refine: _Int,
        seed: _Int,
    ) -> _F64:
        """Strength-preserving weight reassignment on a binary skeleton."""
    @staticmethod
    def clustering_onnela(W: _F64In, n_jobs: _Int) -> tuple[_F64, _F64, _F64]:
        """Onnela clustering of a stack (S, n, n) -> (C, cyc3, degree), each (S, n)."""
    @staticmethod
    def local_efficiency(W: _F64In, transform: _Int, n_jobs: _Int) -> _F64:
        """Local efficiency (Wang et al. 2016) of a stack (S, n, n) -> (S, n)."""
    @staticmethod
    def louvain(W: _F64In, gamma: _Float, seed: _Int) -> tuple[_I64, float]:
        """Louvain communities -> (labels (n,), modularity)."""
    @staticmethod
    def path_summaries(
        W: _F64In, transform: _Int, n_jobs: _Int
    ) -> tuple[_F64, _F64, _F64, _F64]:
        """(sum of finite distances, their count, number of infinite, sum of 1/d), each (S,)."""
    @staticmethod
    def rewire_undirected(
        W: _F64In, n_swaps: _Int, max_attempts: _Int, lattice: bool, seed: _Int
    ) -> int:
        """Degree-preserving double-edge swaps in place; returns accepted swaps."""
    @staticmethod
    def shortest_paths(W: _F64In, transform: _Int, n_jobs: _Int) -> _F64:
        """All-pairs shortest path lengths of a stack (S, n, n) -> (S, n, n)."""

@final
class infotheory:
    """Transfer entropy and mutual information."""

    @staticmethod
    def discrete_samples(
        T: _Int, base: _Int, k: _Int, l: _Int, delay: _Int, cond_base: _Int, segment: _Int
    ) -> int:
        """Usable samples after embedding."""
    @staticmethod
    def discrete_scratch_bytes(
        T: _Int, Ns: _Int, Nt: _Int, base: _Int, k: _Int, l: _Int, delay: _Int,
        cond_base: _Int, segment: _Int, n_jobs: _Int,
    ) -> float:
        """Bytes of scratch memory te_discrete would allocate."""
    @staticmethod
    def ksg_cmi_perms(
        x: _F64In,
        y: _F64In,
        z: _F64In,
        perms: _I64In,
        neighbours: _Int,
        n_jobs: _Int,
        groups: _Int = 1,
    ) -> _F64:
        """KSG (algorithm 1, max-norm) I(x[perm]; y | z) (nats) for each row of perms -> (P,); x: groups candidates of equal width side by side, row block g of perms permutes candidate g; z may have 0 columns (MI), perms (0, n) means each candidate as given -> (groups,)."""
    @staticmethod
    def mi_ksg(x: _F64In, y: _F64In, neighbours: _Int, symmetric: bool, n_jobs: _Int) -> _F64:
        """KSG (algorithm 1, max-norm) MI (nats) for all column pairs -> (Nx, Ny)."""
    @staticmethod
    def te_discrete(
        src: _I32In, tgt: _I32In, cond: _I32In | None, base: _Int, k: _Int, l: _Int,
        delay: _Int, cond_base: _Int, segment: _Int, zero_diagonal: bool, n_jobs: _Int,
    ) -> _F64:
        """Plug-in TE (nats) from every column of src (T, Ns) to every column of tgt (T, Nt)
        -> (Ns, Nt)."""
    @staticmethod
    def te_discrete_conditional_all(
        codes: _I32In, base: _Int, k: _Int, l: _Int, delay: _Int, n_jobs: _Int
    ) -> _F64:
        """Complete plug-in TE (nats) of every ordered pair given all other columns at t-1
        -> (N, N)."""
    @staticmethod
    def te_discrete_local(
        src: _I32In, tgt: _I32In, cond: _I32In | None, base: _Int, k: _Int, l: _Int,
        delay: _Int, cond_base: _Int, segment: _Int,
    ) -> _F64:
        """Local plug-in TE (nats) of one pair, one value per usable time point."""
    @staticmethod
    def te_ksg(
        src: _F64In, tgt: _F64In, k: _Int, l: _Int, delay: _Int, neighbours: _Int,
        zero_diagonal: bool, n_jobs: _Int,
    ) -> _F64:
        """KSG (algorithm 1, max-norm) TE (nats) for all pairs -> (Ns, Nt)."""

@final
class maxent:
    """Pairwise maximum-entropy (Ising) models."""

    max_exact_units: int
    """Largest N for exact enumeration of the 2^N states."""

    @staticmethod
    def all_energies(h: _F64In, J: _F64In, n_jobs: _Int) -> _F64:
        """Energies of all 2^N states (state k: s_i = +1 iff bit i of k is set)."""
    @staticmethod
    def exact_moments(
        h: _F64In, J: _F64In, hessian: bool, n_jobs: _Int
    ) -> tuple[float, float, _F64, _F64, _F64 | None]:
        """(log Z, <E>, <s_i> (N), <s_i s_j> (N, N), covariance of (s_i, s_i s_j [i<j])
        or None)."""
    @staticmethod
    def gibbs(
        h: _F64In, J: _F64In, states: _I8In, n_burn: _Int, n_samples: _Int, thin: _Int,
        seed: _Int, record: bool, moments: bool, n_jobs: _Int,
    ) -> tuple[NDArray[np.int8] | None, _F64 | None, _F64 | None]:
        """Gibbs sampling; states (chains, N) int8 updated in place.

        Returns (samples (C, n, N) or None, <s_i> or None, <s_i s_j> or None).
        """
    @staticmethod
    def landscape(energies: _F64In, n: _Int, n_jobs: _Int) -> tuple[_I64, _I64, _I64, _I64]:
        """(down (2^N), basin minimum per state (2^N), minima sorted by energy,
        merges (M, 3): saddle state, lower minimum, other minimum)."""
    @staticmethod
    def low_order_moments(
        h: _F64In, J: _F64In, order: _Int, n_jobs: _Int
    ) -> tuple[float, float, _I64, _F64]:
        """(log Z, <E> (NaN for order < 2), masks, W) with W[a] = <prod_{i in masks[a]} s_i> for every bit mask with at most `order` (0-4) bits, without storing the 2^N states."""
    @staticmethod
    def pseudolikelihood(
        S: _I8In, weights: _F64In | None, h: _F64In, J: _F64In, n_jobs: _Int
    ) -> tuple[float, _F64, _F64]:
        """(negative log pseudolikelihood per sample, d/dh (N), d/dJ (N, N) symmetric)."""

@final
class topology:
    """Vietoris-Rips persistent homology."""

    class RipsMemoryError(MemoryError):
        """The reduction would exceed ``memory_limit``."""

    @overload
    @staticmethod
    def edge_collapse(
        D: NDArray[np.float64], threshold: _Float, store: str = "auto"
    ) -> tuple[_I64, _I64, _F64]:
        """Edge-collapsed flag filtration of the edges <= threshold -> (u, v, f)."""
    @overload
    @staticmethod
    def edge_collapse(
        D: NDArray[np.float32], threshold: _Float, store: str = "auto"
    ) -> tuple[_I64, _I64, _F64]: ...
    @overload
    @staticmethod
    def enclosing_radius(D: NDArray[np.float64]) -> float:
        """min_i max_j D[i, j] (j != i) of a dense (n, n) distance matrix."""
    @overload
    @staticmethod
    def enclosing_radius(D: NDArray[np.float32]) -> float: ...
    @staticmethod
    def rips_dense(
        D: _F64In, dtype: str, maxdim: _Int, threshold: object, modulus: _Int, n_threads: _Int,
        cocycles: bool, births: _F64In, collapse: bool, symmetry: str, allow_negative: bool,
        name: str, available: _Float, estimate_only: bool = False, memory_limit: _Float = 0.0,
        lazy_after: _Int = -1,
    ) -> tuple[Any, int, Any, float, float]:
        """Rips persistence of a dense (n, n) float64 matrix, computed in dtype ('f32'/'f64'):
        checks, threshold, memory guard and reduction in one call
        -> (dgms, num_edges, cocycles, threshold, estimated_bytes)."""
    @staticmethod
    def rips_dense_batch(
        mats: Sequence[_F64In], names: Sequence[str], dtype: str, maxdim: _Int,
        threshold: object, modulus: _Int, n_threads: _Int, collapse: bool,
        symmetry: Sequence[str], available: _Float,
    ) -> list[Any]:
        """Rips persistence of many dense matrices, one per thread."""
    @staticmethod
    def rips_points(
        X: _F64In, metric: str, p: _Float, dtype: str, maxdim: _Int, threshold: object,
        modulus: _Int, n_threads: _Int, cocycles: bool, collapse: bool, name: str,
        available: _Float, estimate_only: bool = False, memory_limit: _Float = 0.0,
        lazy_after: _Int = -1,
    ) -> tuple[Any, int, Any, float, float]:
        """Rips persistence of a point cloud (n, d): distances, threshold, memory guard and
        reduction in one call -> (dgms, num_edges, cocycles, threshold, estimated_bytes)."""
    @staticmethod
    def rips_sparse(
        n: _Int, indptr: _I64In, indices: _I64In, values: _F64In, dtype: str, maxdim: _Int,
        threshold: object, modulus: _Int, n_threads: _Int, cocycles: bool, births: _F64In,
        collapse: bool, symmetry: str, allow_negative: bool, name: str, available: _Float,
        estimate_only: bool = False, memory_limit: _Float = 0.0, lazy_after: _Int = -1,
    ) -> tuple[Any, int, Any, float, float]:
        """Rips persistence of a CSR float64 matrix (sorted column indices)
        -> (dgms, num_edges, cocycles, threshold, estimated_bytes)."""
