"""pytest configuration for torch's own gradual-type tests: never collect or import the upstream file here.

``test_gradual_type.py`` in this folder is torch's unmodified test file (kept out of git, see
``upstream.py``). It imports ``torch.testing._internal.common_utils``, whose import has process-wide
side effects, so it only ever runs in a subprocess (``upstream.run``).
"""
collect_ignore = ["test_gradual_type.py"]
