"""Network control: netneuro.control vs nctpy 1.2.0 (and SciPy's Lyapunov solvers).

Same inputs for every implementation; answers are checked against netneuro's
before timing.  Connectomes are random symmetric matrices with uniform weights
(dense), normalised as in nctpy; "directed" cases use a random non-symmetric
matrix with 30 % density.

nctpy loops over subjects in Python; for the 1000-subject cohort its time is
far too long to run here (about 1 s per subject), so the full run times nctpy on
50 subjects (case "cohort 50") and results_control.md extrapolates per subject.
"""

import numpy as np
import scipy.linalg as la
from harness import Case

from netneuro import control as C

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

import nctpy.energies as NE
import nctpy.metrics as NM
import nctpy.utils as NU


def _rel_check(tol):
    def check(ref, other):
        ref = np.asarray(ref, float)
        other = np.asarray(other, float)
        err = np.max(np.abs(ref - other)) / np.max(np.abs(ref))
        assert err < tol, f"relative difference {err:.3g} > {tol}"
    return check


def _sym(rng, n):
    a = rng.random((n, n))
    a = np.triu(a, 1)
    return a + a.T


def _directed(rng, n):
    a = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    np.fill_diagonal(a, 0)
    return a


def _nctpy_cohort(An):
    return np.stack([np.concatenate([NM.ave_control(a, "discrete"), NM.modal_control(a)])
                     for a in An])


def _nn_cohort(An, n_jobs):
    ac, mc = C.controllability_metrics(An, "discrete", n_jobs=n_jobs)
    return np.concatenate([ac, mc], axis=-1)


def _nn_cohort_separate(An, n_jobs):
    return np.concatenate([C.average_controllability(An, "discrete", n_jobs=n_jobs),
                           C.modal_controllability(An, n_jobs=n_jobs)], axis=-1)


def _one_blas_thread(fn):
    def run():
        if threadpool_limits is None:
            return fn()
        with threadpool_limits(1, user_api="blas"):
            return fn()
    return run


def _cold(fn):
    """nctpy caches the system part of its last call; clear it so each run is a first call."""
    def run():
        for cached in (NE._minimum_energy_system, NE._continuous_system, NE._discrete_system):
            cached._entry = None
        return fn()
    return run


def _blas1(impls):
    """Every implementation with BLAS/LAPACK held to one thread (the machine is shared)."""
    return {label: _one_blas_thread(fn) for label, fn in impls.items()}


def cases(quick):
    rng = np.random.default_rng(0)
    out = []
    n = 100 if quick else 400
    # --- average + modal controllability -------------------------------------
    A1 = NU.matrix_normalization(_sym(rng, n), "discrete")
    out.append(Case(
        f"ave+modal controllability, 1 subject, N={n}",
        {
            "netneuro controllability_metrics": lambda: _nn_cohort(A1[None], 1)[0],
            "netneuro average_ + modal_controllability":
                lambda: _nn_cohort_separate(A1[None], 1)[0],
            "nctpy (BLAS 1 thread)": _one_blas_thread(lambda: _nctpy_cohort(A1[None])[0]),
            "nctpy (BLAS default threads)": lambda: _nctpy_cohort(A1[None])[0],
        },
        check=_rel_check(1e-10), repeat=5))
    S = 20 if quick else 50
    cohort = np.stack([_sym(rng, n) for _ in range(S)])
    An = C.normalize(cohort, "discrete")
    out.append(Case(
        f"ave+modal controllability, cohort {S} x N={n}",
        {
            "netneuro (n_jobs=2)": lambda: _nn_cohort(An, 2),
            "netneuro (n_jobs=1)": lambda: _nn_cohort(An, 1),
            "nctpy (loop, BLAS 1 thread)": _one_blas_thread(lambda: _nctpy_cohort(An)),
        },
        check=_rel_check(1e-10), repeat=1 if not quick else 3))
    out.append(Case(
        f"normalize (discrete), cohort {S} x N={n}",
        _blas1({
            "netneuro (n_jobs=2)": lambda: C.normalize(cohort, "discrete", n_jobs=2),
            "nctpy (loop)": lambda: np.stack([NU.matrix_normalization(a, "discrete")
                                              for a in cohort]),
        }),
        check=_rel_check(1e-12), repeat=1 if not quick else 3, note="BLAS 1 thread"))
    if not quick:
        big = np.stack([_sym(rng, n) for _ in range(1000)])
        Abig = C.normalize(big, "discrete", n_jobs=2)
        del big
        out.append(Case(
            f"ave+modal controllability, cohort 1000 x N={n}",
            {
                "netneuro (n_jobs=2)": lambda: _nn_cohort(Abig, 2),
                "netneuro (n_jobs=1)": lambda: _nn_cohort(Abig, 1),
            },
            check=_rel_check(1e-14), repeat=1,
            note="nctpy: see cohort 50, extrapolated in results_control.md"))

    # --- Gramians --------------------------------------------------------------
    for m in ([100] if quick else [400, 1000]):
        Ac = NU.matrix_normalization(_sym(rng, m), "continuous")
        Dc = NU.matrix_normalization(_directed(rng, m), "continuous")
        B = np.eye(m)
        out.append(Case(
            f"Gramian, infinite horizon, symmetric N={m}",
            _blas1({
                "netneuro": lambda Ac=Ac: C.gramian(Ac),
                "scipy solve_continuous_lyapunov": lambda Ac=Ac, B=B:
                    la.solve_continuous_lyapunov(Ac, -B),
                "nctpy gramian(T=inf)": lambda Ac=Ac: NE.gramian(Ac, np.inf, "continuous"),
            }),
            check=_rel_check(1e-10), repeat=3, note="BLAS 1 thread"))
        out.append(Case(
            f"Gramian, infinite horizon, directed N={m}",
            _blas1({
                "netneuro": lambda Dc=Dc: C.gramian(Dc),
                "scipy solve_continuous_lyapunov": lambda Dc=Dc, B=B:
                    la.solve_continuous_lyapunov(Dc, -B),
            }),
            check=_rel_check(1e-10), repeat=3, note="BLAS 1 thread"))
        impls = {"netneuro": lambda Ac=Ac: C.gramian(Ac, None, "continuous", 1.0)}
        if m <= 400:
            impls["nctpy gramian(T=1)"] = lambda Ac=Ac: NE.gramian(Ac, 1, "continuous")
        out.append(Case(f"Gramian, T=1, symmetric N={m}", _blas1(impls), check=_rel_check(1e-10),
                        repeat=1 if m > 100 else 3,
                        note="BLAS 1 thread" if m <= 400 else
                        "BLAS 1 thread; nctpy: 1000 steps of N^3 products, not run"))
        impls = {"netneuro": lambda Dc=Dc: C.gramian(Dc, None, "continuous", 1.0)}
        out.append(Case(f"Gramian, T=1, directed N={m}", _blas1(impls), repeat=1,
                        note="BLAS 1 thread; Van Loan block exponential"))

    # --- minimum energy --------------------------------------------------------
    for m in ([100] if quick else [400, 1000]):
        Ac = NU.matrix_normalization(_sym(rng, m), "continuous")
        x0, xf = rng.random(m), rng.random(m)
        B = np.eye(m)
        Z = np.zeros((m, m))
        out.append(Case(
            f"minimum energy trajectory (T=1, dt=1e-3), N={m}",
            _blas1({
                "netneuro minimum_energy": lambda Ac=Ac, x0=x0, xf=xf, B=B:
                    C.minimum_energy(Ac, x0, xf, B, 1).x,
                "nctpy get_control_inputs(S=0)": _cold(
                    lambda Ac=Ac, x0=x0, xf=xf, B=B, Z=Z:
                    NE.get_control_inputs(Ac, 1, B, x0, xf, "continuous", S=Z)[0]),
            }),
            check=_rel_check(1e-9), repeat=1 if m > 100 else 3,
            note="BLAS 1 thread; nctpy cache cleared"))
        X0, XF = rng.random((m, 100)), rng.random((m, 100))
        impls = {"netneuro minimum_energy_fast": lambda Ac=Ac, B=B, X0=X0, XF=XF:
                 C.minimum_energy_fast(Ac, 1, B, X0, XF)}
        if m <= 400:
            impls["nctpy minimum_energy_fast"] = _cold(
                lambda Ac=Ac, B=B, X0=X0, XF=XF: NE.minimum_energy_fast(Ac, 1, B, X0, XF))
        out.append(Case(f"minimum energy, 100 transitions, N={m}", _blas1(impls),
                        check=_rel_check(1e-9), repeat=1 if m > 100 else 3,
                        note="BLAS 1 thread; nctpy cache cleared" if m <= 400 else
                        "BLAS 1 thread; nctpy: 1000 N^3 products, not run"))
    return out
