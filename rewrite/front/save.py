"""Saving a rewritten GraphModule as a small Python package: readable code plus its state.

``save_module(gm, folder)`` writes three files:

- ``module.py``: a ``RewrittenModule(torch.nn.Module)`` class whose ``forward`` is the graph's code,
  with the imports that code needs;
- ``state.pt``: what the code reads from ``self`` (submodules, parameters, buffers, constants);
- ``__init__.py``: re-exports ``RewrittenModule``, so the folder is an importable package.

``module.py`` finds ``state.pt`` next to itself, so the folder can be moved and imported from anywhere
(``sys.path`` holding its parent, or ``importlib.util.spec_from_file_location``). ``state.pt`` is loaded
with ``weights_only=False`` (it may hold whole submodules): load only folders you wrote; the classes of
custom submodules must be importable where you load it.

Unlike ``GraphModule.to_folder``, no absolute path is written, and every attribute the code reads is kept
(torch.export's ``_in_spec``/``_out_spec`` included). torch.export's input-guard call (``self._guards_fn``,
a closure that cannot be saved) is left out: the saved module does not re-check its inputs' shapes.

>>> import tempfile, torch, torch.fx as fx
>>> gm = fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))
>>> folder = save_module(gm, tempfile.mkdtemp() + "/saved")
>>> sorted(p.name for p in folder.iterdir())
['__init__.py', 'module.py', 'state.pt']
>>> loaded = load_saved(folder)
>>> x = torch.randn(3, 2)
>>> torch.equal(loaded(x), gm(x))
True

See Also:
    rewrite.front.cli.apply: ``python -m rewrite apply --output DIR``.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
import types
from pathlib import Path

import torch
import torch.fx as fx
from torch.fx.graph import _custom_builtins

__all__ = ["save_module", "load_saved", "SaveError", "CLASS_NAME"]

CLASS_NAME = "RewrittenModule"


class SaveError(ValueError):
    """The graph's code calls something that cannot be imported by name, so it cannot be saved as code."""


def _import_line(name: str, value) -> str:
    """The import statement that binds ``name`` to ``value`` in the saved module."""
    if name in _custom_builtins and _custom_builtins[name].obj is value:
        return _custom_builtins[name].import_str
    if isinstance(value, types.ModuleType):
        return f"import {value.__name__} as {name}" if value.__name__ != name else f"import {name}"
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if module and qualname and "<" not in qualname and "." not in qualname:
        try:
            found = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            found = None
        if found is value:
            return f"from {module} import {qualname} as {name}" if qualname != name else \
                f"from {module} import {name}"
    raise SaveError(f"the graph's code uses {name!r} ({value!r}), which cannot be imported by name; define it "
                    f"at the top level of an importable module (or torch.fx.wrap a top-level function)")


def _state(gm: fx.GraphModule, src: str) -> dict:
    """What the code reads from ``self``, by kind: submodules, parameters, buffers, other attributes."""
    read = set(re.findall(r"\bself\.([A-Za-z_]\w*)", src)) | set(re.findall(r"getattr\(self, '([^']*)'\)", src)) \
        | set(re.findall(r'getattr\(self, "([^"]*)"\)', src))
    state = {"modules": {}, "parameters": {}, "buffers": {}, "attributes": {}}
    for name in sorted(read):
        for kind, owned in (("modules", gm._modules), ("parameters", gm._parameters), ("buffers", gm._buffers)):
            if name in owned:
                state[kind][name] = owned[name]
                break
        else:
            if hasattr(gm, name):
                state["attributes"][name] = getattr(gm, name)
    return state


_TEMPLATE = '''"""{doc}"""
{imports}
from pathlib import Path as _Path

import torch

__all__ = ["{cls}"]


class {cls}(torch.nn.Module):
    """The rewritten module; its state is read from state.pt beside this file."""

    def __init__(self):
        super().__init__()
        state = torch.load(_Path(__file__).with_name("state.pt"), weights_only=False)  # a file you wrote
        for name, module in state["modules"].items():
            self.add_module(name, module)
        for name, param in state["parameters"].items():
            self.register_parameter(name, param)
        for name, buffer in state["buffers"].items():
            self.register_buffer(name, buffer)
        for name, value in state["attributes"].items():
            setattr(self, name, value)

{forward}
'''


def _code(gm: fx.GraphModule):
    """The graph's Python code, without torch.export's unused input-guard calls (on a copy of the graph)."""
    guards = [n for n in gm.graph.nodes if n.op == "call_module" and n.target == "_guards_fn" and not n.users]
    if not guards:
        return gm.graph.python_code(root_module="self")
    graph = copy.deepcopy(gm.graph)
    for node in [n for n in graph.nodes if n.op == "call_module" and n.target == "_guards_fn" and not n.users]:
        graph.erase_node(node)
    return graph.python_code(root_module="self")


def save_module(gm: fx.GraphModule, folder, *, doc: str = "A module rewritten by fx-rewrite.") -> Path:
    """Write ``gm`` to ``folder`` (created if missing; its parent must exist) as module.py, state.pt and
    __init__.py; returns the folder. Raises :class:`SaveError` when the code cannot be written as Python."""
    folder = Path(folder)
    code = _code(gm)
    imports = "\n".join(_import_line(name, value) for name, value in sorted(code.globals.items())
                        if name != "torch")
    forward = "\n".join(("    " + line) if line.strip() else "" for line in code.src.strip("\n").splitlines())
    text = _TEMPLATE.format(doc=doc.replace('"""', "'''"), imports=imports, cls=CLASS_NAME, forward=forward)
    compile(text, str(folder / "module.py"), "exec")  # never write a file that does not parse
    folder.mkdir(exist_ok=True)
    torch.save(_state(gm, code.src), folder / "state.pt")
    (folder / "module.py").write_text(text, encoding="utf-8")
    (folder / "__init__.py").write_text(f'"""{doc}"""\nfrom .module import {CLASS_NAME}\n\n'
                                        f'__all__ = ["{CLASS_NAME}"]\n', encoding="utf-8")
    return folder


def load_saved(folder) -> torch.nn.Module:
    """A fresh instance of the module saved in ``folder`` (imported under a private name; eval mode)."""
    folder = Path(folder).resolve()
    name = "_rewrite_saved_" + re.sub(r"\W", "_", str(folder))
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        spec.loader.exec_module(package)
    finally:
        sys.modules.pop(name, None)
        sys.modules.pop(name + ".module", None)
    return getattr(package, CLASS_NAME)().eval()
