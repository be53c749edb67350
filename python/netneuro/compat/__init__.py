"""Drop-in shims with the signatures of established tools (ripser.py, nctpy,
ConIII, PyInform), backed by netneuro's compiled core."""
