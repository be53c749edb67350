"""The peers whose own test suites run against netneuro's shims.

For each peer: where its tests come from (the source distribution of the
installed version on PyPI, or the tests its wheel installs), which of its
modules the shim stands in for, and which of its tests encode a documented
bug of the peer (those keep netneuro's correct answer and are reported apart).

Peers not listed ship no tests in any registry distribution (bctpy 0.6.1 is a
wheel only, nctpy 1.2.0's sdist has no tests, ConIII does not install): their
agreement is tested by netneuro's own suite (tests/test_graph_compat.py,
tests/test_control_compat.py, tests/test_maxent.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Peer:
    name: str                 # distribution name on PyPI
    source: str               # "sdist": tests from the sdist; "installed": from site-packages
    tests: tuple              # paths (relative to the sdist root or to site-packages)
    modules: dict             # peer module -> netneuro shim module ("" = patch attributes only)
    patch: dict = field(default_factory=dict)  # "module:attr" -> "shim module:attr"
    peer_bugs: dict = field(default_factory=dict)  # test id substring -> reason
    exempt: dict = field(default_factory=dict)  # test id substring -> why it tests the peer itself
    licence: str = ""


PEERS = {
    "ripser": Peer(
        name="ripser",
        source="sdist",
        tests=("tests/test_ripser.py", "tests/test_ripser_sklearn.py", "tests/test_lower_star.py"),
        modules={"ripser": "netneuro.compat.ripser"},
        licence="MIT (ripser.py, scikit-tda)",
    ),
    "pyinform": Peer(
        name="pyinform",
        source="sdist",
        tests=("test/test_transferentropy.py", "test/test_mutualinfo.py",
               "test/test_activeinfo.py", "test/test_entropyrate.py",
               "test/test_blockentropy.py", "test/test_conditionalentropy.py",
               "test/test_relativeentropy.py", "test/test_error.py", "test/test_utils.py",
               "test/test_dist.py", "test/test_shannon.py"),
        modules={"pyinform": "netneuro.compat.pyinform",
                 "pyinform.transferentropy": "netneuro.compat.pyinform",
                 "pyinform.mutualinfo": "netneuro.compat.pyinform",
                 "pyinform.activeinfo": "netneuro.compat.pyinform",
                 "pyinform.entropyrate": "netneuro.compat.pyinform",
                 "pyinform.blockentropy": "netneuro.compat.pyinform",
                 "pyinform.conditionalentropy": "netneuro.compat.pyinform",
                 "pyinform.relativeentropy": "netneuro.compat.pyinform",
                 "pyinform.shannon": "netneuro.compat.pyinform",
                 "pyinform.dist": "netneuro.compat.pyinform",
                 "pyinform.utils": "netneuro.compat.pyinform",
                 "pyinform.error": "netneuro.compat.pyinform"},
        licence="MIT (PyInform, Douglas G. Moore)",
    ),
    "nilearn": Peer(
        name="nilearn",
        source="installed",
        tests=("nilearn/connectome/tests/test_connectivity_matrices.py",),
        modules={},
        patch={"nilearn.connectome:ConnectivityMeasure":
               "netneuro.connectivity:ConnectivityMeasure",
               "nilearn.connectome.connectivity_matrices:ConnectivityMeasure":
               "netneuro.connectivity:ConnectivityMeasure"},
        exempt={"check_doc_link": "asserts the class is documented on nilearn's web site"},
        licence="BSD-3 (nilearn)",
    ),
}
