"""Array API paths of the control Gramians and energies: torch and array-api-strict input
gives the NumPy/SciPy answer, in the input's namespace and on its device.

References: the NumPy path of each function (Bartels-Stewart on the real Schur form,
Van Loan with scipy.linalg.expm, eigendecompositions), subject by subject for cohorts;
scipy.linalg.expm for the Pade exponential.  Tolerances (float64): 1e-10 relative to the
largest entry.  The eigenbasis closed forms, the doubling sums and the Pade exponential are
exact up to rounding; the squared Smith iteration stops once its neglected tail is below
eps * ||W|| (module docstring), so it is exact to rounding as well: the differences
measured here are 1e-15..1e-13.  Energies and trajectories differ from the NumPy path by
about cond(W(T)) * eps: the systems below keep cond(W) <= 1e4.
"""

import numpy as np
import pytest
import scipy.linalg as la
from xp_helpers import NAMESPACES, _back, _same_place, _to, _xp

from netneuro import control


def _ns(x):
    from array_api_compat import array_namespace

    return array_namespace(x)


def _close(out, ref, rtol=1e-10):
    out = _back(out)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=0, atol=rtol * np.max(np.abs(ref)))


def _normalised(M, system):
    """Each matrix scaled by its spectral radius (directed too), as normalize does."""
    return np.stack([control.normalize(m, system, spectral_radius=np.abs(np.linalg.eigvals(m))
                                       .max()) for m in M])


@pytest.fixture
def cohorts(rng):
    """Directed (3, 9, 9) and symmetric (3, 9, 9) raw matrices."""
    D = rng.normal(size=(3, 9, 9))
    return {"directed": D, "symmetric": (D + D.transpose(0, 2, 1)) / 2}


@pytest.fixture
def inputs(rng):
    """B: None, a well-conditioned (9, 7) input matrix, a 0/1 control set (as a list)."""
    return {"identity": None, "matrix": np.eye(9)[:, :7] + 0.1 * rng.normal(size=(9, 7)),
            "control set": [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]}


def _b(xp, b):
    return b if b is None or isinstance(b, list) else _to(xp, b)


HORIZONS = [("discrete", np.inf), ("discrete", 1), ("discrete", 6),
            ("continuous", np.inf), ("continuous", 0.4), ("continuous", 2.5)]


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", ["directed", "symmetric"])
@pytest.mark.parametrize("system,horizon", HORIZONS)
@pytest.mark.parametrize("bname", ["identity", "matrix", "control set"])
def test_gramian(name, kind, system, horizon, bname, cohorts, inputs):
    xp = _xp(name)
    An = _normalised(cohorts[kind], system)
    b = inputs[bname]
    if np.isinf(horizon) and bname == "control set" and kind == "directed":
        b = None  # (a singular Q is fine; keep the parametrisation small)
    ref = np.stack([control.gramian(a, b, system, horizon) for a in An])
    A = _to(xp, An)
    out = control.gramian(A, _b(xp, b), system, horizon)
    _same_place(out, A)
    _close(out, ref)
    one = control.gramian(A[1, ...], _b(xp, b), system, horizon)
    _close(one, ref[1])


def test_gramian_numpy_cohort(cohorts):
    An = _normalised(cohorts["directed"], "continuous")
    W = control.gramian(An, None, "continuous")
    np.testing.assert_array_equal(W, np.stack([control.gramian(a) for a in An]))
    An[2] = An[2] + 2.0 * np.eye(9)
    with pytest.raises(ValueError, match=r"A\[2\] is not stable"):
        control.gramian(An, None, "continuous")


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("system,horizon", [("discrete", None), ("discrete", 5),
                                            ("continuous", None), ("continuous", np.inf)])
def test_average_controllability_directed(name, system, horizon, cohorts):
    """A mixed cohort: directed subjects by Gramian, symmetric ones by eigh, in order."""
    xp = _xp(name)
    An = np.concatenate([_normalised(cohorts["directed"], system),
                         control.normalize(cohorts["symmetric"][:2], system)])[[0, 3, 1, 4, 2]]
    ref = control.average_controllability(An, system, horizon)
    A = _to(xp, An)
    out = control.average_controllability(A, system, horizon)
    _same_place(out, A)
    _close(out, ref)
    _close(control.average_controllability(A[2, ...], system, horizon), ref[2])


@pytest.mark.parametrize("name", NAMESPACES)
def test_controllability_metrics(name, cohorts):
    xp = _xp(name)
    An = control.normalize(cohorts["symmetric"], "discrete")
    A = _to(xp, An)
    ac, mc = control.controllability_metrics(A, "discrete", 4)
    _same_place(ac, A)
    ref = control.controllability_metrics(An, "discrete", 4)
    _close(ac, ref[0])
    _close(mc, ref[1])


def test_normalize_directed_with_spectral_radius(cohorts):
    xp = _xp("array_api_strict")
    D = cohorts["directed"]
    rho = np.abs(np.linalg.eigvals(D)).max(axis=1)
    out = control.normalize(_to(xp, D), "continuous", spectral_radius=_to(xp, rho))
    _close(out, control.normalize(D, "continuous", spectral_radius=rho))
    with pytest.raises(NotImplementedError, match=r"A\[0\] is not symmetric"):
        control.normalize(_to(xp, D), "continuous")


ENERGY_CASES = [("continuous", 1.0, 0.01), ("continuous", 0.5, 0.1 / 3),  # even, odd n_steps
                ("discrete", 1, None), ("discrete", 5, None)]


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", ["directed", "symmetric"])
@pytest.mark.parametrize("system,horizon,dt", ENERGY_CASES)
@pytest.mark.parametrize("bname", ["identity", "matrix"])
def test_minimum_energy(name, kind, system, horizon, dt, bname, cohorts, inputs, rng):
    xp = _xp(name)
    An = _normalised(cohorts[kind], system)
    b = inputs[bname]
    x0, xf = rng.normal(size=(3, 9)), rng.normal(size=(3, 9))
    kw = {} if dt is None else {"dt": dt}
    refs = [control.minimum_energy(An[s], x0[s], xf[s], b, horizon, system, **kw)
            for s in range(3)]
    A = _to(xp, An)
    out = control.minimum_energy(A, _to(xp, x0), _to(xp, xf), _b(xp, b), horizon, system, **kw)
    for field in ("x", "u", "node_energy", "energy"):
        got = getattr(out, field)
        _same_place(got, A)
        _close(got, np.stack([np.asarray(getattr(r, field)) for r in refs]))
    for k in range(2):  # residuals: rounding, except where W is singular (T = 1, m < N)
        _same_place(out.err[k], A)
        np.testing.assert_allclose(_back(out.err[k]), [r.err[k] for r in refs], atol=1e-8)
    assert "<3 values>" in repr(out)
    one = control.minimum_energy(A[1, ...], _to(xp, x0[1]), list(xf[1]), _b(xp, b), horizon,
                                 system, **kw)
    _close(one.x, refs[1].x)
    assert abs(float(one.energy) - refs[1].energy) <= 1e-10 * refs[1].energy
    assert f"energy={refs[1].energy:.6g}" in repr(one)


def test_minimum_energy_numpy_cohort(cohorts, rng):
    """NumPy cohorts: subject by subject, fields stacked; errors name the subject."""
    An = _normalised(cohorts["directed"], "continuous")
    x0, xf = rng.normal(size=(3, 9)), rng.normal(size=9)
    out = control.minimum_energy(An, x0, xf, dt=0.05)
    for s in range(3):
        ref = control.minimum_energy(An[s], x0[s], xf, dt=0.05)
        np.testing.assert_array_equal(out.x[s], ref.x)
        assert out.energy[s] == ref.energy and out.err[1][s] == ref.err[1]
    assert out.u.shape == (3, 21, 9) and out.node_energy.shape == (3, 9)
    fast = control.minimum_energy_fast(An, 1.0, None, xf, x0.T)
    assert fast.shape == (3, 9, 3)
    np.testing.assert_array_equal(fast[2], control.minimum_energy_fast(An[2], 1.0, None,
                                                                       xf, x0.T))
    with pytest.raises(ValueError, match=r"x0 must have shape \(9,\) or one per subject"):
        control.minimum_energy(An, x0[:2], xf)


@pytest.mark.parametrize("name", NAMESPACES)
def test_minimum_energy_shared_states(name, cohorts, rng):
    """x0, xf (N,) for a cohort: every subject makes the same transition."""
    xp = _xp(name)
    An = _normalised(cohorts["directed"], "continuous")
    x0, xf = rng.normal(size=9), rng.normal(size=9)
    out = control.minimum_energy(_to(xp, An), _to(xp, x0), _to(xp, xf), dt=0.05)
    ref = [control.minimum_energy(a, x0, xf, dt=0.05).energy for a in An]
    _close(out.energy, np.array(ref))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", ["directed", "symmetric"])
@pytest.mark.parametrize("system,horizon", [("continuous", 1.0), ("discrete", 4)])
def test_minimum_energy_fast(name, kind, system, horizon, cohorts, inputs, rng):
    xp = _xp(name)
    An = _normalised(cohorts[kind], system)
    b = inputs["matrix"]
    X0, XF = rng.normal(size=(9, 4)), rng.normal(size=(9, 4))
    ref = np.stack([control.minimum_energy_fast(a, horizon, b, X0, XF, system=system)
                    for a in An])
    A = _to(xp, An)
    out = control.minimum_energy_fast(A, horizon, _to(xp, b), _to(xp, X0), _to(xp, XF),
                                      system=system)
    _same_place(out, A)
    _close(out, ref)
    one = control.minimum_energy_fast(A[0, ...], horizon, _to(xp, b), _to(xp, X0[:, 0]),
                                      _to(xp, XF), system=system)
    _close(one, control.minimum_energy_fast(An[0], horizon, b, X0[:, 0], XF, system=system))


@pytest.mark.parametrize("name", NAMESPACES)
def test_expm(name, rng):
    """The Pade-13 exponential against SciPy's, from tiny norms to ones that need squaring."""
    from netneuro.control.array_api_gramians import expm_xp

    xp = _xp(name)
    M = rng.normal(size=(4, 7, 7)) * np.array([1e-8, 0.3, 4.0, 40.0])[:, None, None]
    M[3] -= 60.0 * np.eye(7)  # a stable matrix of large norm (e^{M} small but not 0)
    out = _back(expm_xp(_to(xp, M), _ns(_to(xp, M))))
    for s in range(4):
        ref = la.expm(M[s])
        np.testing.assert_allclose(out[s], ref, rtol=0, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("name", NAMESPACES)
def test_smith_near_unit_spectral_radius(name, rng):
    """rho = 0.999: ~14 squarings; the sum agrees with Bartels-Stewart to 1e-10 of max|W|."""
    xp = _xp(name)
    D = rng.normal(size=(9, 9))
    A = 0.999 * D / np.abs(np.linalg.eigvals(D)).max()
    _close(control.gramian(_to(xp, A), None, "discrete"), control.gramian(A, None, "discrete"))


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals(name, cohorts):
    xp = _xp(name)
    for system in ("discrete", "continuous"):
        An = _normalised(cohorts["directed"], system)
        An[2] = 1.5 * An[2] + (np.eye(9) if system == "continuous" else 0.0)
        with pytest.raises(ValueError, match=r"A\[2\] is not stable"):
            control.gramian(_to(xp, An), None, system)
        with pytest.raises(ValueError, match=r"^A is not stable"):
            control.gramian(_to(xp, An[2]), None, system)
        with pytest.raises(ValueError, match=r"A_norm\[2\] is not stable"):
            control.average_controllability(_to(xp, An), system, np.inf)
        assert tuple(control.gramian(_to(xp, An), None, system, 3).shape) == (3, 9, 9)
    rotation = np.roll(np.eye(9), 1, axis=0)  # spectral radius exactly 1: never converges
    with pytest.raises(ValueError, match=r"not stable \(spectral radius about 1 >= 1"):
        control.gramian(_to(xp, rotation), None, "discrete")
    A = _to(xp, _normalised(cohorts["directed"], "continuous"))
    x = _to(xp, np.ones(9))
    with pytest.raises(ValueError, match=r"x0 must have shape \(9,\) or one per subject"):
        control.minimum_energy(A, _to(xp, np.ones((2, 9))), x)
    with pytest.raises(ValueError, match=r"xf must have shape \(9,\), got"):
        control.minimum_energy(A[0, ...], x, _to(xp, np.ones((3, 9))))
    with pytest.raises(ValueError, match="B must have 9 rows"):
        control.gramian(A, _to(xp, np.ones((4, 2))))
    with pytest.raises(ValueError, match="horizon must be finite"):
        control.minimum_energy(A, x, x, horizon=np.inf)
    with pytest.raises(ValueError, match="horizon / dt must be an integer"):
        control.minimum_energy(A, x, x, horizon=1.0, dt=0.3)
    with pytest.raises(NotImplementedError, match="state cost S"):
        control.minimum_energy(A, x, x, S="identity")
    with pytest.raises(ValueError, match="A must be finite"):
        control.gramian(A * float("nan"))
    with pytest.raises(TypeError, match="mix NumPy"):
        control.gramian(A, np.eye(9))


def test_float32_stays_float32(cohorts):
    """float32: eps 1.2e-7 per operation, amplified by the ~10 squarings and by
    1 / (1 - rho^2) (rho <= 1 here after normalisation): 1e-4 relative to max|W|."""
    torch = pytest.importorskip("torch")
    An = _normalised(cohorts["directed"], "discrete")
    A = torch.asarray(An, dtype=torch.float32)
    W = control.gramian(A, None, "discrete")
    assert W.dtype == torch.float32
    _close(W.double(), np.stack([control.gramian(a, None, "discrete") for a in An]), 1e-4)
    ac = control.average_controllability(A, "discrete")
    assert ac.dtype == torch.float32


def test_torch_batched_solve_fallback(rng):
    """torch 2.13 CPU (MKL, >= 2 threads) fails batched LU for order >= ~200 ("Pivots given
    to lu_solve ..."): the exponential and the Cayley transform then solve matrix by matrix."""
    torch = pytest.importorskip("torch")
    from xp_helpers import DEVICE

    An = _normalised(rng.normal(size=(2, 200, 200)), "continuous")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        A = torch.asarray(An, device=DEVICE)
        finite = control.gramian(A, None, "continuous", 1.0)   # Van Loan: order 400
        inf = control.gramian(A, None, "continuous")           # Cayley: order 200
    finally:
        torch.set_num_threads(before)
    _close(finite, np.stack([control.gramian(a, None, "continuous", 1.0) for a in An]))
    _close(inf, np.stack([control.gramian(a, None, "continuous") for a in An]))
