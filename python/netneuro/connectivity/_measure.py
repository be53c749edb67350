"""The nilearn-compatible estimator :class:`ConnectivityMeasure` (tangent space of
Varoquaux et al. 2010, MICCAI; nilearn's vectorisation and confound cleaning) as a
scikit-learn transformer.  scikit-learn is optional: its ``BaseEstimator`` /
``TransformerMixin`` when installed, the same ``get_params`` / ``set_params`` API
otherwise.  Public path: ``netneuro.connectivity.ConnectivityMeasure``.
"""

from __future__ import annotations

import inspect
import os
import warnings

import numpy as np

from .._array_api import namespace
from .._validation import (
    check_array,
    check_bool,
    check_choice,
    check_memory,
    check_timeseries,
)
from . import (
    KINDS,
    _cov_to_corr,
    _inv_spd,
    _prec_to_partial,
    granger,
    ledoit_wolf,
    mutual_information,
    transfer_entropy,
)

__all__ = ["ConnectivityMeasure"]


# ---------------------------------------------------------------------------
# tangent space and vectorisation


def _eigh_map(fn, M):
    w, V = np.linalg.eigh(M)
    return (V * fn(w)[..., None, :]) @ np.swapaxes(V, -1, -2)


def _geometric_mean(covs, max_iter=30, tol=1e-7):
    """Riemannian (affine-invariant) mean of SPD matrices by geodesic gradient descent
    (Fletcher & Joshi 2007, algorithm 3), with nilearn's step-halving and stopping rule."""
    covs = np.asarray(covs)
    w = np.linalg.eigvalsh(covs)
    if np.any(w <= 0):
        raise ValueError("covariances must be positive definite for the tangent space")
    g = covs.mean(axis=0)
    norm_old = np.inf
    step = 1.0
    norm = np.inf
    for _ in range(max_iter):
        vals, vecs = np.linalg.eigh(g)
        g_isqrt = (vecs / np.sqrt(vals)) @ vecs.T
        logs = _eigh_map(np.log, g_isqrt @ covs @ g_isqrt)
        logs_mean = logs.mean(axis=0)
        if np.any(np.isnan(logs_mean)):
            raise FloatingPointError("NaN after the matrix logarithm")
        norm = np.linalg.norm(logs_mean)
        g_sqrt = (vecs * np.sqrt(vals)) @ vecs.T
        lv, lV = np.linalg.eigh(logs_mean)
        g = g_sqrt @ ((lV * np.exp(lv * step)) @ lV.T) @ g_sqrt
        if norm < norm_old:
            norm_old = norm
        elif norm > norm_old:
            step /= 2.0
            norm = norm_old
        if tol is not None and norm / g.size < tol:
            break
    if tol is not None and norm / g.size >= tol:
        warnings.warn(f"geometric mean: {max_iter} iterations without reaching the tolerance "
                      f"{tol}", stacklevel=3)
    return g


def _sym_to_vec(M, discard_diagonal):
    """nilearn's ``sym_matrix_to_vec``: the lower triangle row by row, diagonal / sqrt(2)."""
    n = M.shape[-1]
    if discard_diagonal:
        mask = np.tril(np.ones((n, n), dtype=bool), k=-1)
        return M[..., mask]
    mask = np.tril(np.ones((n, n), dtype=bool))
    scale = np.ones((n, n))
    np.fill_diagonal(scale, np.sqrt(2.0))
    return M[..., mask] / scale[mask]


def _vec_to_sym(vec, diagonal=None):
    """Inverse of :func:`_sym_to_vec` (nilearn's ``vec_to_sym_matrix``): ``(..., n(n+1)/2)``,
    or ``(..., n(n-1)/2)`` with ``diagonal`` ``(..., n)``, -> ``(..., n, n)``."""
    vec = np.asarray(vec, dtype=np.float64)
    m = vec.shape[-1]
    n = (np.sqrt(8 * m + 1) - 1.0) / 2 + (diagonal is not None)
    if n != np.floor(n):
        raise ValueError(f"vectors of length {m} are not the lower triangle of a symmetric "
                         "matrix" + (" without its diagonal" if diagonal is not None else ""))
    n = int(n)
    if diagonal is not None:
        diagonal = np.asarray(diagonal, dtype=np.float64)
        if diagonal.shape != (*vec.shape[:-1], n):
            raise ValueError(f"diagonal must have shape {(*vec.shape[:-1], n)} for vectors of "
                             f"shape {vec.shape}, got {diagonal.shape}")
    out = np.zeros((*vec.shape[:-1], n, n))
    mask = np.tril(np.ones((n, n), dtype=bool), k=-1 if diagonal is not None else 0)
    out[..., mask] = vec
    out.swapaxes(-1, -2)[..., mask] = vec
    d = np.arange(n)
    if diagonal is not None:
        out[..., d, d] = diagonal
    out[..., d, d] *= np.sqrt(2.0)
    return out


def _detrend(Y):
    """Remove each column's mean and linear trend (nilearn's ``signal._detrend``)."""
    Y = Y - Y.mean(axis=0)
    if Y.shape[0] > 1:
        r = np.arange(Y.shape[0], dtype=np.float64)
        r -= r.mean()
        r /= np.sqrt((r * r).sum())
        Y -= np.outer(r, r @ Y)
    return Y


def _zscore(Y):
    """Centre and scale to unit sample variance (ddof 1); near-constant columns only centred."""
    Y = Y - Y.mean(axis=0)
    if Y.shape[0] > 1:
        sd = Y.std(axis=0, ddof=1)
        sd[sd < np.finfo(np.float64).eps] = 1.0
        Y = Y / sd
    return Y


def _standardize(X, how):
    """``standardize`` of :class:`ConnectivityMeasure` (nilearn's ``standardize_signal``)."""
    if how is None or how is False:
        return X
    if X.shape[0] == 1:
        warnings.warn("standardizing a single time point would give zeros; skipped",
                      stacklevel=4)
        return X
    if how is True or how == "zscore_sample":
        return _zscore(X)
    mean = X.mean(axis=0)  # "psc": percent signal change
    zero = np.abs(mean) < np.finfo(np.float64).eps
    out = (X - mean) / np.where(zero, 1.0, np.abs(mean)) * 100.0
    if zero.any():
        warnings.warn("psc standardization is meaningless for signals of mean 0; they are set "
                      "to 0", stacklevel=4)
        out[:, zero] = 0.0
    return out


def _confound_array(confounds, n: int) -> np.ndarray:
    """Confounds of the vectorised connectomes: ``(n_subjects,)``, ``(n_subjects, k)``, a
    DataFrame, a path (read by :func:`netneuro.io.load_array`) or a list of those."""
    if not hasattr(confounds, "__iter__") and not isinstance(confounds, os.PathLike):
        raise TypeError(f"confounds must be an array, a DataFrame, a file path or a list of "
                        f"those, got {type(confounds).__name__}")
    parts = confounds if isinstance(confounds, (list, tuple)) else [confounds]
    out = []
    for c in parts:
        if isinstance(c, (str, bytes, os.PathLike)):
            from ..io import load_array

            c = load_array(c)
        c = check_array(c, "confounds", ndim=(1, 2))
        c = c[:, None] if c.ndim == 1 else c
        if c.shape[0] != n:
            raise ValueError(f"confounds must have one row per subject ({n}), got "
                             f"{c.shape[0]} rows")
        out.append(c)
    return np.hstack(out)


def _clean_vectors(V, confounds):
    """nilearn's ``signal.clean(V, confounds=confounds)`` with its defaults: detrend the
    vectors and the confounds along subjects, z-score the confounds, project them out
    (pivoted QR, columns with ``|R_ii| <= 100 eps`` dropped), z-score the result."""
    from scipy.linalg import qr

    V = _detrend(np.asarray(V, dtype=np.float64))
    C = _zscore(_detrend(confounds))
    Q, R, _ = qr(C, mode="economic", pivoting=True)
    Q = Q[:, np.abs(np.diag(R)) > np.finfo(np.float64).eps * 100.0]
    V = V - Q @ (Q.T @ V)
    return _zscore(V) if V.shape[0] > 1 else V


try:  # scikit-learn is optional
    from sklearn.base import BaseEstimator as _BaseEstimator
    from sklearn.base import TransformerMixin as _TransformerMixin
    from sklearn.exceptions import NotFittedError
except ImportError:  # exercised in a subprocess by the tests
    class NotFittedError(ValueError, AttributeError):
        """Used before ``fit`` (as scikit-learn's)."""

    class _BaseEstimator:
        """``get_params`` / ``set_params`` / ``repr`` as scikit-learn's ``BaseEstimator``."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p.name for p in sig.parameters.values()
                          if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            out = {}
            for name in self._get_param_names():
                value = getattr(self, name)
                if deep and hasattr(value, "get_params") and not isinstance(value, type):
                    out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
                out[name] = value
            return out

        def set_params(self, **params):
            valid = self.get_params(deep=True)
            nested = {}
            for key, value in params.items():
                name, _, sub = key.partition("__")
                if name not in valid:
                    raise ValueError(f"invalid parameter {name!r} for estimator {self}; "
                                     f"valid parameters are {self._get_param_names()}")
                if sub:
                    nested.setdefault(name, {})[sub] = value
                else:
                    setattr(self, name, value)
                    valid[name] = value
            for name, sub_params in nested.items():
                valid[name].set_params(**sub_params)
            return self

        def __repr__(self):
            params = list(inspect.signature(type(self).__init__).parameters.values())[1:]
            changed = [f"{p.name}={getattr(self, p.name)!r}" for p in params
                       if getattr(self, p.name) is not p.default]
            return f"{type(self).__name__}({', '.join(changed)})"

    class _TransformerMixin:
        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)


class ConnectivityMeasure(_TransformerMixin, _BaseEstimator):
    """Connectivity matrices of a group of subjects: a drop-in for nilearn's
    ``nilearn.connectome.ConnectivityMeasure`` (same parameters in the same order,
    same attributes, same numbers), and a scikit-learn transformer.

    Parameters
    ----------
    cov_estimator : scikit-learn covariance estimator or None, default=None
        Fitted per subject (``.fit(X).covariance_``); ``None``: Ledoit-Wolf
        shrinkage, as nilearn's default ``LedoitWolf(store_precision=False)``
        (computed here in one GEMM per subject, without scikit-learn).
    kind : str, default="covariance"
        nilearn's ``"covariance"``, ``"correlation"``, ``"partial correlation"``,
        ``"tangent"`` (Varoquaux et al. 2010), ``"precision"``, or netneuro's
        ``"transfer entropy"``, ``"granger"`` (F statistics) and ``"mutual
        information"`` (directed kinds give ``[source, target]`` matrices).
    vectorize : bool, default=False
        Return the lower triangles ``(n_subjects, N (N + 1) / 2)``, diagonal divided
        by sqrt(2) (symmetric kinds only).
    discard_diagonal : bool, default=False
        With ``vectorize``, leave the diagonal out: ``(n_subjects, N (N - 1) / 2)``.
    standardize : {True, False, None, "zscore_sample", "psc"}, default=True
        For ``kind="correlation"``: z-score each signal (sample std: ``True`` and
        ``"zscore_sample"``), percent signal change (``"psc"``) or nothing
        (``False`` / ``None``) before the covariance estimator.  (nilearn 0.14
        applies only ``True`` here and ignores ``"zscore_sample"`` and ``"psc"``,
        contrary to its documentation; netneuro follows the documentation.)
    verbose : int, default=0
        Print a line when fitting is done (``> 0``).
    measure_params : dict or None, default=None
        Keyword arguments for :func:`transfer_entropy`, :func:`granger` or
        :func:`mutual_information` (netneuro's kinds).

    Attributes
    ----------
    cov_estimator_ : estimator or None
        A clone of ``cov_estimator``; scikit-learn's ``LedoitWolf(store_precision=
        False)`` for ``None`` when scikit-learn is installed (else ``None``).
    mean_ : numpy.ndarray, shape (N, N)
        Geometric mean of the covariances (``"tangent"``) or mean of the subjects'
        matrices (symmetrised).
    n_features_in_ : int
        Number of regions ``N`` seen in ``fit``.
    whitening_ : numpy.ndarray, shape (N, N), or None
        ``mean_ ** -1/2`` for ``"tangent"``, else None.

    Notes
    -----
    ``X`` is a list of subjects' time series ``(T_s, N)``, a ``(S, T, N)`` array, or
    one ``(T, N)`` array (one subject).  ``fit_transform`` / ``transform`` return
    ``(S, N, N)`` or, vectorised, ``(S, n_coefficients)``; with ``confounds``
    (vectorised only) the vectors are cleaned across subjects as nilearn's
    ``signal.clean`` does.  ``inverse_transform`` rebuilds matrices from vectors and,
    for ``"tangent"``, covariances from tangent vectors.
    """

    def __init__(self, cov_estimator=None, kind="covariance", vectorize=False,
                 discard_diagonal=False, standardize=True, verbose=0, measure_params=None):
        self.cov_estimator = cov_estimator
        self.kind = kind
        self.vectorize = vectorize
        self.discard_diagonal = discard_diagonal
        self.standardize = standardize
        self.verbose = verbose
        self.measure_params = measure_params

    # -- scikit-learn protocol
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "mean_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.requires_fit = True
        return tags

    def _more_tags(self):  # the tags of scikit-learn < 1.6 (nilearn's checks compare them)
        return self.__sklearn_tags__()

    # -- internals
    def _check_params(self):
        check_choice(self.kind, "kind", KINDS)
        check_bool(self.vectorize, "vectorize")
        check_bool(self.discard_diagonal, "discard_diagonal")
        s = self.standardize
        if not (s is None or isinstance(s, (bool, np.bool_)) or s in ("zscore_sample", "psc")):
            raise ValueError("standardize must be True, False, None, 'zscore_sample' or 'psc', "
                             f"got {s!r}")
        if self.cov_estimator is not None and not hasattr(self.cov_estimator, "fit"):
            raise ValueError("'cov_estimator' must be an estimator with '.fit()' and "
                             "'.covariance_' (e.g. from sklearn.covariance) or None, got "
                             f"{type(self.cov_estimator).__name__}")
        if self.measure_params is not None and not isinstance(self.measure_params, dict):
            raise TypeError(f"measure_params must be a dict or None, got "
                            f"{type(self.measure_params).__name__}")

    def _check_input(self, X, confounds=None, reset=True):
        """Subjects of ``X`` as float64 ``(T_s, N)`` arrays; messages as nilearn and
        scikit-learn phrase them (their estimator checks match on them)."""
        if hasattr(X, "toarray") and hasattr(X, "nnz"):
            raise TypeError("sparse input is not supported: X is a sparse matrix; pass dense "
                            "arrays (n_timepoints, n_regions)")
        if isinstance(X, (str, bytes, dict)) or not (hasattr(X, "__iter__")
                                                     or hasattr(X, "__array__")):
            raise TypeError(f"X ({type(X).__name__}) is not iterable: pass a list of "
                            "(n_timepoints, n_regions) arrays, a 3-D array or one 2-D array")
        if isinstance(X, (list, tuple)) or not (hasattr(X, "__array__") or hasattr(X, "shape")):
            X = list(X)  # a cohort (list, tuple, generator, ...)
            if not X:
                raise ValueError("X is an empty list of subjects")
        else:
            arr = np.asarray(X)
            if arr.ndim == 2:
                X = [arr]
            elif arr.ndim == 3:
                X = list(arr)
            else:
                raise ValueError(f"X must be a list of 2-D (n_timepoints, n_regions) arrays, a "
                                 f"3-D array or one 2-D array (one subject); got {arr.ndim}-D "
                                 "input. Reshape your data: one region is X.reshape(-1, 1)")
        subjects = [self._check_subject(x, s) for s, x in enumerate(X)]
        widths = [x.shape[1] for x in subjects]
        if len(set(widths)) > 1:
            s = next(i for i, w in enumerate(widths) if w != widths[0])
            raise ValueError(f"All subjects must have the same number of features (regions): "
                             f"X[0] has {widths[0]}, X[{s}] has {widths[s]}")
        if not reset and widths[0] != self.n_features_in_:
            raise ValueError(f"X has {widths[0]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input (regions)")
        if confounds is not None:
            if not hasattr(confounds, "__iter__") and not isinstance(confounds, os.PathLike):
                raise TypeError("'confounds' input argument must be an iterable (an array, a "
                                f"DataFrame, a path or a list of those), got "
                                f"{type(confounds).__name__}")
            if not self.vectorize:
                raise ValueError("'confounds' are provided but vectorize=False: confounds "
                                 "clean the vectorised connectomes (a second-level "
                                 "regression), not matrices")
        return subjects

    @staticmethod
    def _check_subject(x, s):
        if hasattr(x, "toarray") and hasattr(x, "nnz"):
            raise TypeError(f"sparse input is not supported: X[{s}] is a sparse matrix")
        arr = np.asarray(x)
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: X[{s}] has dtype {arr.dtype}")
        if arr.dtype.kind == "O":
            arr = arr.astype(np.float64)  # numbers stored as objects; others raise here
        if arr.ndim != 2:
            raise ValueError(f"Each subject must be 2D numpy.ndarray (n_timepoints, n_regions); "
                             f"X[{s}] has {arr.ndim} dimension(s)")
        for axis, what in ((1, "feature"), (0, "sample")):
            if arr.shape[axis] == 0:
                raise ValueError(f"Found array with 0 {what}(s) (shape={arr.shape}) while a "
                                 f"minimum of 1 is required (X[{s}]).")
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ValueError(f"X[{s}] contains NaN or infinity: time series must be finite")
        return check_timeseries(arr, f"X[{s}]", min_timepoints=1)

    def _cov(self, X):
        if self.cov_estimator_ is None or self.cov_estimator is None:
            return ledoit_wolf(X)[0]
        return np.asarray(self.cov_estimator_.fit(X).covariance_, dtype=np.float64)

    def _matrices(self, subjects):
        kind = self.kind
        params = dict(self.measure_params or {})
        if kind == "correlation":
            return [_cov_to_corr(self._cov(_standardize(X, self.standardize)))
                    for X in subjects], None
        if kind in ("covariance", "tangent", "precision", "partial correlation"):
            covs = [self._cov(X) for X in subjects]
            if kind == "precision":
                return [_inv_spd(c) for c in covs], covs
            if kind == "partial correlation":
                return [_prec_to_partial(_inv_spd(c)) for c in covs], covs
            return covs, covs
        if kind == "transfer entropy":
            return [transfer_entropy(X, **params) for X in subjects], None
        if kind == "granger":
            return [granger(X, **params).F for X in subjects], None
        return [mutual_information(X, **params) for X in subjects], None

    def _fit_transform(self, X, do_transform=False, do_fit=False, confounds=None):
        self._check_params()
        xp, native = namespace(X)
        fitted_on = None if do_fit else namespace(self.mean_)[0]
        if fitted_on is not None and fitted_on is not xp:
            raise TypeError(f"this {type(self).__name__} was fitted on {fitted_on.__name__} "
                            f"arrays; X is a {xp.__name__} array (convert one side)")
        if not native:  # torch, CuPy, ...: computed by that library on its device
            return self._fit_transform_xp(X, xp, do_transform, do_fit, confounds)
        subjects = self._check_input(X, confounds, reset=do_fit)
        if self.vectorize and self.kind in ("transfer entropy", "granger"):
            raise ValueError("vectorize needs a symmetric kind; directed matrices cannot be "
                             "vectorised by their lower triangle")
        if do_transform and self.kind == "tangent" and len(subjects) <= 1:
            raise ValueError("Tangent space parametrization can only be applied to a group of "
                             "subjects (at least 2), as it returns deviations from their mean")
        N = subjects[0].shape[1]
        check_memory(8.0 * len(subjects) * N * N * 3, f"{len(subjects)} {N} x {N} matrices",
                     hint="process the cohort in chunks")
        if do_fit:
            self.cov_estimator_ = self._new_cov_estimator()
        mats, covs = self._matrices(subjects)
        if do_fit:
            self.n_features_in_ = N
            if self.kind == "tangent":
                self.mean_ = _geometric_mean(covs, max_iter=30, tol=1e-7)
                self.whitening_ = _eigh_map(lambda w: 1.0 / np.sqrt(w), self.mean_)
            else:
                m = np.mean(mats, axis=0)
                self.mean_ = 0.5 * (m + m.T)
                self.whitening_ = None
            if self.verbose:
                print(f"[{type(self).__name__}.fit] Finished fit")
        if not do_transform:
            return self
        if self.kind == "tangent":
            W = self.whitening_
            mats = _eigh_map(np.log, W @ np.asarray(mats) @ W)
        out = np.asarray(mats)
        if self.vectorize:
            out = _sym_to_vec(out, self.discard_diagonal)
            if confounds is not None:
                out = _clean_vectors(out, _confound_array(confounds, len(out)))
        return out

    def _fit_transform_xp(self, X, xp, do_transform, do_fit, confounds):
        """A stack ``(S, T, N)`` (or one ``(T, N)``) of another array library: nilearn's
        kinds with Ledoit-Wolf covariances, computed by that library on its device
        (:mod:`netneuro.connectivity.array_api`); the fitted ``mean_`` and ``whitening_``
        and the output are arrays of that library."""
        from .._array_api import available_memory_xp, device_of
        from . import array_api as xa

        kind = self.kind
        lib = xp.__name__
        if kind not in ("covariance", "correlation", "partial correlation", "precision",
                        "tangent"):
            raise NotImplementedError(f"kind={kind!r} is computed for NumPy input only, not for "
                                      f"{lib} arrays")
        if self.cov_estimator is not None:
            raise NotImplementedError(f"cov_estimator needs NumPy input; {lib} arrays use the "
                                      "Ledoit-Wolf default (cov_estimator=None)")
        if confounds is not None:
            if not self.vectorize:
                raise ValueError("'confounds' are provided but vectorize=False: confounds "
                                 "clean the vectorised connectomes (a second-level "
                                 "regression), not matrices")
            raise NotImplementedError(f"confounds are cleaned for NumPy input only, not for "
                                      f"{lib} arrays")
        S = X.shape[0] if X.ndim == 3 else 1
        N = X.shape[-1]
        check_memory(8.0 * S * N * N * 4, f"{S} {N} x {N} matrices",
                     hint="process the cohort in chunks",
                     limit=available_memory_xp(xp, device_of(X)))
        if not do_fit and N != self.n_features_in_:
            raise ValueError(f"X has {N} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input (regions)")
        if do_transform and kind == "tangent" and S <= 1:
            raise ValueError("Tangent space parametrization can only be applied to a group of "
                             "subjects (at least 2), as it returns deviations from their mean")
        mats, covs = xa.measure_xp(X, xp, kind, self.standardize)
        if do_fit:
            self.cov_estimator_ = self._new_cov_estimator()
            self.n_features_in_ = N
            if kind == "tangent":
                self.mean_ = xa.geometric_mean_xp(covs, xp, max_iter=30, tol=1e-7)
                self.whitening_ = xa.eigh_map_xp(lambda w: 1.0 / xp.sqrt(w), self.mean_, xp)
            else:
                m = xp.mean(mats, axis=0)
                self.mean_ = 0.5 * (m + xp.matrix_transpose(m))
                self.whitening_ = None
            if self.verbose:
                print(f"[{type(self).__name__}.fit] Finished fit")
        if not do_transform:
            return self
        if kind == "tangent":
            W = self.whitening_
            mats = xa.eigh_map_xp(xp.log, xp.matmul(xp.matmul(W, mats), W), xp)
        if self.vectorize:
            mats = xa.sym_to_vec_xp(mats, xp, self.discard_diagonal)
        return mats

    def _new_cov_estimator(self):
        if self.cov_estimator is None:
            try:
                from sklearn.covariance import LedoitWolf
            except ImportError:
                return None
            return LedoitWolf(store_precision=False)
        try:
            from sklearn.base import clone
        except ImportError:
            import copy

            return copy.deepcopy(self.cov_estimator)
        return clone(self.cov_estimator)

    def _check_fitted(self):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call "
                                 "'fit' with appropriate arguments before using this estimator.")

    # -- public API
    def fit(self, X, y=None):
        """Fit on subjects ``X`` (list of ``(T_s, N)``, ``(S, T, N)``, or one ``(T, N)``):
        stores ``mean_``, ``whitening_``, ``cov_estimator_``, ``n_features_in_``."""
        return self._fit_transform(X, do_fit=True)

    def transform(self, X, confounds=None):
        """Connectivity of each subject: ``(S, N, N)``, or ``(S, n_coefficients)`` with
        ``vectorize`` (then cleaned of ``confounds`` ``(S,)``/``(S, k)`` if given)."""
        self._check_fitted()
        return self._fit_transform(X, do_transform=True, confounds=confounds)

    def fit_transform(self, X, y=None, confounds=None):
        """``fit(X)`` then ``transform(X, confounds)`` in one pass."""
        return self._fit_transform(X, do_transform=True, do_fit=True, confounds=confounds)

    def inverse_transform(self, connectivities, diagonal=None):
        """Matrices ``(S, N, N)`` from the output of :meth:`transform` (vectors or matrices).

        Vectorised input is unfolded (``diagonal`` ``(S, N)`` supplies a discarded
        diagonal; for correlations it is 1 when omitted); for ``"tangent"`` the
        subjects' covariances ``mean^1/2 expm(T) mean^1/2`` are returned.
        """
        self._check_fitted()
        xp, native = namespace(connectivities)
        if not native:  # matrices of another library, e.g. torch: computed on their device
            return self._inverse_xp(connectivities, xp)
        C = np.asarray(connectivities, dtype=np.float64)
        if self.vectorize:
            if C.ndim == 1:
                C = C[None]
            if self.discard_diagonal and diagonal is None:
                if self.kind not in ("correlation", "partial correlation"):
                    raise ValueError(f"the diagonal was discarded and is unknown for kind "
                                     f"{self.kind!r}: cannot reconstruct connectivity matrices "
                                     "without diagonal=")
                diagonal = np.ones((C.shape[0], self.mean_.shape[0])) / np.sqrt(2.0)
            C = _vec_to_sym(C, diagonal if self.discard_diagonal else None)
        if self.kind == "tangent":
            vals, vecs = np.linalg.eigh(self.mean_)
            root = (vecs * np.sqrt(vals)) @ vecs.T
            C = root @ _eigh_map(np.exp, C) @ root
        return C

    def _inverse_xp(self, C, xp):
        from .._array_api import check_array_xp
        from . import array_api as xa

        if self.vectorize:
            raise NotImplementedError(f"unfolding vectors is implemented for NumPy input only, "
                                      f"not for {xp.__name__} arrays")
        C = check_array_xp(C, "connectivities", xp, ndim=(2, 3), square=True)
        if self.kind == "tangent":
            root = xa.eigh_map_xp(xp.sqrt, self.mean_, xp)
            C = xp.matmul(xp.matmul(root, xa.eigh_map_xp(xp.exp, C, xp)), root)
        return C

    def set_output(self, *, transform=None):
        """Not available: the output is a stack of matrices or vectors, not a table."""
        raise NotImplementedError("ConnectivityMeasure returns connectivity matrices or vectors; "
                                  "set_output is not implemented")


ConnectivityMeasure.__module__ = "netneuro.connectivity"  # its public path (pickle, repr)
