"""torch's ``test/fx/test_gradual_type.py``, run unmodified against torch and with only its imports switched.

The upstream file is pytorch/pytorch ``test/fx/test_gradual_type.py`` at commit
``f9942c24f2d5336ad02b98dee2bf96728e87ae46`` (38803 characters, sha256 ``97df7b9d...742c1``, see
`UPSTREAM_SHA256`). That version matches torch 2.13: against the installed torch 2.13.0, 37 of its 38
tests pass and ``test_resnet50`` is skipped (torchvision is not installed).

It sits next to this module as ``test_gradual_type.py``. It is not committed: the stored copy of
torch's sources comes with the condition that its code stays out of our commits, so ``.gitignore``
excludes it. Put the exact file there to run the comparison; the tests skip (saying so) when the
file is missing and fail when it differs from that commit's file.

The swapped variant is made here from the upstream text. The swap changes exactly these three
lines, the imports of ``unify_refinements``, ``tensor_type`` and ``graph_gradual_typechecker``, and
nothing else. `swapped_source` checks that each old line is where it should be and that no other
line differs:

====  ==========================================================================================
line  upstream -> swapped
====  ==========================================================================================
6     ``from torch.fx.experimental.unify_refinements import infer_symbolic_types``
      -> ``from fxcore.types import infer_symbolic_types``
8     ``from torch.fx.tensor_type import TensorType, Dyn, is_consistent, is_more_precise``
      -> ``from fxcore.types import TensorType, Dyn, is_consistent, is_more_precise``
10    ``from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker, broadcast_types, Refine``
      -> ``from fxcore.types import GraphTypeChecker, broadcast_types, Refine``
====  ==========================================================================================

``Equality`` (``torch.fx.experimental.refinement_types``) stays torch's: ``Refine.constraints`` must
compare equal to torch's own ``Equality`` values.

Each variant runs in its own process (``python -m tests.fxcore.types.torch_tests.upstream torch``),
because importing ``torch.testing._internal.common_utils`` changes process-wide state
(``torch.backends.disable_global_flags()``, patched ``ScriptFunction.__call__``). In the fxcore
variant the switched names are wrapped to count calls per test, which shows the tests call our code.

>>> [s.line for s in SWAPS]
[6, 8, 10]
>>> text = "a\\n" * 5 + SWAPS[0].old + "\\na\\n" + SWAPS[1].old + "\\na\\n" + SWAPS[2].old + "\\n"
>>> changed_lines(text, swapped_source(text)), swapped_source(text).splitlines()[-1]
([6, 8, 10], 'from fxcore.types import GraphTypeChecker, broadcast_types, Refine')

See Also
--------
tests.fxcore.types.torch_tests.test_torch_gradual_type : the pytest side.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import pathlib
import sys
import tempfile
import types
import unittest

__all__ = ["UPSTREAM", "UPSTREAM_COMMIT", "UPSTREAM_SHA256", "SWAPS", "Swap", "UpstreamMismatch",
           "swapped_source", "changed_lines", "upstream_text", "run", "main"]

UPSTREAM = pathlib.Path(__file__).with_name("test_gradual_type.py")
UPSTREAM_COMMIT = "f9942c24f2d5336ad02b98dee2bf96728e87ae46"
UPSTREAM_SHA256 = "97df7b9d601134a770174d479dce29e1209006802bf9b96d473d7363839742c1"
SWITCHED = ("GraphTypeChecker", "Refine", "infer_symbolic_types", "broadcast_types", "TensorType", "Dyn",
            "is_consistent", "is_more_precise")


@dataclasses.dataclass(frozen=True)
class Swap:
    """One switched import line: its 1-based line number, the upstream text and ours."""

    line: int
    old: str
    new: str


SWAPS = (
    Swap(6, "from torch.fx.experimental.unify_refinements import infer_symbolic_types",
         "from fxcore.types import infer_symbolic_types"),
    Swap(8, "from torch.fx.tensor_type import TensorType, Dyn, is_consistent, is_more_precise",
         "from fxcore.types import TensorType, Dyn, is_consistent, is_more_precise"),
    Swap(10, "from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker, broadcast_types, Refine",
         "from fxcore.types import GraphTypeChecker, broadcast_types, Refine"),
)


class UpstreamMismatch(Exception):
    """The upstream text is not the expected file (a swapped line is not where `SWAPS` says)."""


def swapped_source(text: str) -> str:
    """The upstream text with exactly the `SWAPS` lines replaced; raises `UpstreamMismatch` otherwise."""
    lines = text.splitlines(keepends=True)
    for s in SWAPS:
        if len(lines) < s.line or lines[s.line - 1].rstrip("\n") != s.old:
            found = lines[s.line - 1].rstrip("\n") if len(lines) >= s.line else "<no such line>"
            raise UpstreamMismatch(f"line {s.line} should read {s.old!r}, found {found!r}: use torch's file at "
                                   f"commit {UPSTREAM_COMMIT}")
        lines[s.line - 1] = s.new + "\n"
    return "".join(lines)


def changed_lines(a: str, b: str) -> list:
    """1-based numbers of the lines that differ between two texts of the same line count."""
    la, lb = a.splitlines(), b.splitlines()
    if len(la) != len(lb):
        raise UpstreamMismatch(f"line counts differ: {len(la)} != {len(lb)}")
    return [i for i, (x, y) in enumerate(zip(la, lb), 1) if x != y]


def upstream_text() -> str:
    """The upstream file's text; raises `UpstreamMismatch` if it is not the pinned commit's file."""
    data = UPSTREAM.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != UPSTREAM_SHA256:
        raise UpstreamMismatch(f"{UPSTREAM} has sha256 {digest}, expected {UPSTREAM_SHA256} (torch's "
                               f"test/fx/test_gradual_type.py at commit {UPSTREAM_COMMIT})")
    return data.decode()


def _ensure_expecttest() -> None:
    """torch's TestCase derives from ``expecttest.TestCase``; without the package, a plain TestCase stands in.

    This file never calls ``assertExpectedInline`` (the only thing expecttest adds).
    """
    try:
        import expecttest  # noqa: F401
    except ImportError:
        shim = types.ModuleType("expecttest")
        shim.TestCase = type("TestCase", (unittest.TestCase,), {})
        sys.modules["expecttest"] = shim


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, fn):
        @functools.wraps(fn)
        def counted(*args, **kwargs):
            self.calls += 1
            return fn(*args, **kwargs)
        return counted


def _instrument_fxcore(counter: _Counter) -> None:
    """Count every call the test module makes into the switched fxcore.types names."""
    import fxcore.types as ft

    for name in ("infer_symbolic_types", "broadcast_types", "is_consistent", "is_more_precise"):
        setattr(ft, name, counter.wrap(getattr(ft, name)))
    ft.GraphTypeChecker.type_check = counter.wrap(ft.GraphTypeChecker.type_check)
    ft.Refine.refine = counter.wrap(ft.Refine.refine)


class _Result(unittest.TestResult):
    def __init__(self, counter: _Counter) -> None:
        super().__init__()
        self.counter, self.outcomes = counter, {}

    def _key(self, test) -> str:
        return f"{type(test).__name__}.{test._testMethodName}"

    def startTest(self, test) -> None:
        super().startTest(test)
        self.counter.calls = 0
        self.outcomes[self._key(test)] = {"outcome": "passed", "message": ""}

    def stopTest(self, test) -> None:
        super().stopTest(test)
        self.outcomes[self._key(test)]["calls"] = self.counter.calls

    def _set(self, test, outcome: str, message: str) -> None:
        self.outcomes[self._key(test)].update(outcome=outcome, message=message)

    def addFailure(self, test, err) -> None:
        self._set(test, "failed", self._exc_info_to_string(err, test)[-1500:])

    def addError(self, test, err) -> None:
        self._set(test, "error", self._exc_info_to_string(err, test)[-1500:])

    def addSkip(self, test, reason) -> None:
        self._set(test, "skipped", reason)


def run(variant: str) -> dict:
    """Run the upstream tests (``variant`` 'torch') or the swapped ones ('fxcore') in this process."""
    text = upstream_text()
    source = text if variant == "torch" else swapped_source(text)
    _ensure_expecttest()
    sys.argv = sys.argv[:1]  # common_utils parses the command line when imported
    counter = _Counter()
    if variant == "fxcore":
        _instrument_fxcore(counter)
    with tempfile.TemporaryDirectory(prefix=f"gradual_{variant}_") as folder:
        path = pathlib.Path(folder) / UPSTREAM.name  # a real file: RewritingTracer re-reads forward's source
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(f"test_gradual_type_{variant}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result = _Result(counter)
        unittest.defaultTestLoader.loadTestsFromModule(module).run(result)
    names = {n: getattr(getattr(module, n), "__module__", type(getattr(module, n)).__module__) for n in SWITCHED}
    return {"variant": variant, "tests": result.outcomes, "names": names,
            "torch_checker_imported": "torch.fx.experimental.graph_gradual_typechecker" in sys.modules}


def main(argv=None) -> int:
    """``python -m tests.fxcore.types.torch_tests.upstream torch|fxcore``: print the outcomes as JSON."""
    variant = (argv or sys.argv[1:] or ["fxcore"])[0]
    if variant not in ("torch", "fxcore"):
        print(f"usage: python -m {__name__} torch|fxcore", file=sys.stderr)
        return 2
    print(json.dumps(run(variant), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
