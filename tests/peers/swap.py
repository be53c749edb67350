"""pytest plugin: run a peer's own tests with the peer replaced by netneuro's shim.

Loaded by tests/peers/run.py as ``-p swap``; configured by environment:

* ``NETNEURO_PEER``: a key of ``peers.PEERS``;
* ``NETNEURO_PEER_MODE``: ``shim`` (the peer's modules are replaced) or ``peer``
  (the real peer, for the baseline: a test that fails there is the peer's own);
* ``NETNEURO_PEER_OUT``: where to write one JSON record per test.

In ``shim`` mode each peer module is a stand-in whose names resolve to the
shim's.  A name the shim does not define becomes a stub that skips its test
as "not covered"; a test that never calls into the shim is "not covered" too.
Calls into the shim are traced, so "covered" means the test exercised netneuro.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import types

import pytest

NOT_COVERED = "not covered by the shim: "
_STATE = {"covered": False}
_RECORDS = {}


def _mark():
    _STATE["covered"] = True


def _traced(obj):
    """A version of ``obj`` that marks the running test as covered when used."""
    if isinstance(obj, type):
        if issubclass(obj, BaseException):
            return obj  # raising or catching it says nothing about coverage
        if getattr(obj.__init__, "_netneuro_traced", False):
            return obj
        init = obj.__init__

        @functools.wraps(init)  # keeps the signature (scikit-learn reads it)
        def __init__(self, *args, **kwargs):
            _mark()
            init(self, *args, **kwargs)

        # Traced in place (this process runs only the peer's tests): a subclass
        # would not be the class pickle finds under the shim's module path.
        __init__._netneuro_traced = True
        obj.__init__ = __init__
        return obj
    if callable(obj):
        @functools.wraps(obj)
        def call(*args, **kwargs):
            _mark()
            return obj(*args, **kwargs)

        return call
    return obj


def _stub(qualname, real):
    """Stand-in for a name the shim lacks: skips the test when called.

    An exception class of the peer becomes a new exception class that nothing
    raises, so ``assertRaises(PeerError)`` fails against the shim (the test
    then counts as covered and failed) instead of breaking on a non-class.
    """
    if isinstance(real, type) and issubclass(real, BaseException):
        return type(real.__name__, (Exception,), {"__module__": "netneuro-missing"})

    def missing(*args, **kwargs):
        pytest.skip(NOT_COVERED + qualname)

    missing.__name__ = qualname.rsplit(".", 1)[-1]
    return missing


class _StandIn(types.ModuleType):
    """A peer module whose attributes come from the shim (traced) or skip."""

    def __init__(self, name, shim, real):
        super().__init__(name)
        self.__dict__["_shim"] = shim
        self.__dict__["_real"] = real
        self.__dict__["__path__"] = []  # importable as a package of stand-ins

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        shim = self.__dict__["_shim"]
        value = _traced(getattr(shim, attr)) if hasattr(shim, attr) else _stub(
            f"{self.__name__}.{attr}", getattr(self.__dict__["_real"], attr, None))
        self.__dict__[attr] = value
        return value


def _install(peer):
    real = {}
    for modname in peer.modules:  # the real peer first: which of its names are exceptions
        try:
            real[modname] = importlib.import_module(modname)
        except ImportError:
            real[modname] = None
    for modname, shimname in peer.modules.items():
        stand_in = _StandIn(modname, importlib.import_module(shimname), real[modname])
        sys.modules[modname] = stand_in
        parent, _, child = modname.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, stand_in)
    for target, source in peer.patch.items():
        tmod, tattr = target.split(":")
        smod, sattr = source.split(":")
        setattr(importlib.import_module(tmod), tattr,
                _traced(getattr(importlib.import_module(smod), sattr)))


def pytest_configure(config):
    sys.path.insert(0, os.path.dirname(__file__))
    from peers import PEERS

    if os.environ.get("NETNEURO_PEER_MODE", "shim") == "shim":
        _install(PEERS[os.environ["NETNEURO_PEER"]])


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _STATE["covered"] = False


def pytest_runtest_logreport(report):
    rec = _RECORDS.setdefault(report.nodeid, {"outcome": "passed", "covered": False,
                                              "reason": ""})
    if report.when == "call" or report.outcome != "passed":
        rec["covered"] = rec["covered"] or _STATE["covered"]
    if report.outcome == "skipped":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(
            report.longrepr)
        rec.update(outcome="skipped", reason=reason)
    elif report.outcome == "failed" and rec["outcome"] != "skipped":
        rec.update(outcome="failed", reason=str(report.longrepr).splitlines()[-1][:300]
                   if report.longrepr else "")
    if hasattr(report, "wasxfail"):
        rec.update(outcome="xfailed", reason=report.wasxfail)


def pytest_collectreport(report):
    if report.failed:  # a module that cannot even be imported fails as a whole
        last = str(report.longrepr).strip().splitlines()[-1][:300] if report.longrepr else ""
        _RECORDS[report.nodeid] = {"outcome": "failed", "covered": True,
                                   "reason": "collection error: " + last}


def pytest_sessionfinish(session):
    out = os.environ.get("NETNEURO_PEER_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(_RECORDS, f, indent=1)
