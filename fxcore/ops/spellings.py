"""Front-end spellings (data): torch functions, ``F.*``, Tensor methods, ``operator``, aten overloads.

Each entry maps a call target (a function object, an aten ``OpOverloadPacket``/``OpOverload``) or a
method name to a `Spelling` of a canonical op, or to a *chooser* ``f(args, kwargs) -> Spelling`` when
one spelling covers several canonical ops (``torch.max(x)``, ``torch.max(x, 1)``, ``torch.max(x, y)``);
a chooser returns ``(Spelling, args, kwargs)``.

>>> dict(function_spellings())[operator.truediv].op
'div'

See Also
--------
fxcore.ops.schemas : the canonical names and schemas these map to.
fxcore.ops.modules : ``nn.Module`` types viewed as functional ops.
"""
from __future__ import annotations

import builtins
import operator

import torch
import torch.fx
import torch.nn.functional as F

from fxcore.ops.emit import identity
from fxcore.ops.model import ANY, NotRepresentable, Spelling
from fxcore.ops.schemas import default_opdefs

__all__ = ["function_spellings", "method_spellings", "aten_spellings", "canonical_spellings", "term_aliases", "VARARGS",
           "ALIASES"]

VARARGS = {"view": "size", "reshape": "shape", "permute": "dims", "expand": "size", "repeat": "repeats",
           "flip": "dims", "rand": "size", "randn": "size"}
"""Ops whose int-list parameter may be spelled as trailing ``*ints``."""

_OPERATOR = (
    ("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"), ("floordiv", "floor_divide"),
    ("mod", "remainder"), ("pow", "pow"), ("matmul", "matmul"), ("eq", "eq"), ("ne", "ne"), ("lt", "lt"),
    ("le", "le"), ("gt", "gt"), ("ge", "ge"), ("and_", "bitwise_and"), ("or_", "bitwise_or"),
    ("xor", "bitwise_xor"), ("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift"),
    ("iadd", "add_"), ("isub", "sub_"), ("imul", "mul_"), ("itruediv", "div_"), ("ifloordiv", "floor_divide_"),
    ("imod", "remainder_"), ("ipow", "pow_"), ("iand", "bitwise_and_"), ("ior", "bitwise_or_"),
    ("ixor", "bitwise_xor_"),
)
ALIASES = (
    ("clip", "clamp"), ("true_divide", "div"), ("absolute", "abs"), ("negative", "neg"), ("multiply", "mul"),
    ("subtract", "sub"), ("divide", "div"), ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
    ("less_equal", "le"), ("not_equal", "ne"), ("concat", "cat"), ("concatenate", "cat"), ("swapaxes", "transpose"),
    ("swapdims", "transpose"), ("arctan2", "atan2"), ("fix", "trunc"), ("arccos", "acos"), ("arcsin", "asin"),
    ("arctan", "atan"),
)
"""torch's alternative names (numpy-style) for canonical ops; ``name_`` in-place forms follow."""
_AXES = (("axis0", "dim0"), ("axis1", "dim1"))
_UNARY_OPERATOR = (("neg", "neg"), ("invert", "bitwise_not"), ("abs", "abs"), ("getitem", "getitem"))


def _pool_stride(bound: dict) -> dict:
    """Pools: an absent/empty stride means the kernel size (aten's own rule)."""
    if bound.get("stride") in (None, (), []) and "kernel_size" in bound:
        bound = {**bound, "stride": bound["kernel_size"]}
    return bound


def _var_correction(bound: dict) -> dict:
    """var/std: ``unbiased=b`` is ``correction=int(b)``; ``correction=None`` is 1."""
    bound = dict(bound)
    if "unbiased" in bound:
        bound["correction"] = int(bool(bound.pop("unbiased")))
    if bound.get("correction", 1) is None:
        bound["correction"] = 1
    return bound


def _norm_p(bound: dict) -> dict:
    """norm: ``p='fro'`` or None is the 2-norm (a vector norm over ``dim``); ``'nuc'`` has no vector form."""
    bound = dict(bound)
    if bound.pop("out", None) is not None:
        raise NotRepresentable("norm with out=")
    if "ord" in bound:
        bound["p"] = bound.pop("ord")
    if bound.get("p", 2) in (None, "fro"):
        bound["p"] = 2
    if isinstance(bound.get("p"), str):
        raise NotRepresentable(f"norm with p={bound['p']!r}")
    return bound


def _half_to_float(bound: dict) -> dict:
    """aten._softmax(x, dim, half_to_float=False) is softmax(x, dim, dtype=None)."""
    bound = dict(bound)
    if bound.pop("half_to_float", False):
        raise NotRepresentable("_softmax with half_to_float=True")
    return bound


def _embedding(bound: dict) -> dict:
    """F.embedding: ``padding_idx=None`` is -1; ``max_norm`` (mutates the weight) is not representable."""
    bound = dict(bound)
    if bound.pop("max_norm", None) is not None:
        raise NotRepresentable("embedding with max_norm renormalizes the weight in place")
    bound.pop("norm_type", None)
    if bound.get("padding_idx", -1) is None:
        bound["padding_idx"] = -1
    return bound


def _is_tensorish(value) -> bool:
    """True for FX nodes and tensors (operands that are not literal dims)."""
    return isinstance(value, (torch.fx.Node, torch.Tensor))


def _max_chooser(name: str):
    """torch.max/min: full reduction, ``.dim`` reduction, or elementwise maximum/minimum."""
    elementwise = {"max": "maximum", "min": "minimum"}[name]

    def choose(args, kwargs):
        if "other" in kwargs or (len(args) > 1 and _is_tensorish(args[1])):
            return Spelling(elementwise), args, kwargs
        if "dim" in kwargs or len(args) > 1:
            return Spelling(name + ".dim"), args, kwargs
        return Spelling(name), args, kwargs
    choose.__name__ = f"choose_{name}"
    return choose


def _bernoulli_chooser(args, kwargs):
    """torch.bernoulli(x) samples with probabilities x; torch.bernoulli(x, p) with the constant p."""
    if "p" in kwargs or len(args) > 1:
        return Spelling("bernoulli.p"), args, kwargs
    return Spelling("bernoulli"), args, kwargs


def _convolution_chooser(args, kwargs):
    """aten.convolution: ``conv{n}d`` or ``conv_transpose{n}d`` by ``transposed`` and the stride length."""
    names = ("input", "weight", "bias", "stride", "padding", "dilation", "transposed", "output_padding", "groups")
    bound = {**dict(zip(names, args)), **kwargs}
    n = len(bound.get("stride", ()))
    if bound.get("transposed"):
        return Spelling(f"conv_transpose{n}d", schema_names=True, drop=(("transposed", ANY),)), args, kwargs
    return Spelling(f"conv{n}d", schema_names=True, drop=(("transposed", ANY), ("output_padding", ANY))), args, kwargs


def _getattr_chooser(args, kwargs):
    """``getattr(x, 'shape')`` (how symbolic_trace records ``x.shape``) is ``size(x)``; other attributes stay unknown."""
    if len(args) == 2 and not kwargs and args[1] == "shape":
        return Spelling("size"), args[:1], {}
    raise NotRepresentable(f"getattr(..., {args[1:]!r})")


def _print_chooser(args, kwargs):
    """print(*args, **kwargs): all arguments packed into one operand."""
    packed = (tuple(args), tuple((k, kwargs[k]) for k in sorted(kwargs)))
    return Spelling("print"), (packed,), {}


def _special_functions() -> list:
    """Spellings that differ from the canonical order or name (one line each)."""
    var = ("self", "dim", "unbiased", "keepdim")
    return [
        (torch.max, _max_chooser("max")), (torch.min, _max_chooser("min")), (torch.bernoulli, _bernoulli_chooser),
        (torch.var, Spelling("var", positional=var, adapt=_var_correction)),
        (torch.std, Spelling("std", positional=var, adapt=_var_correction)),
        (F.softmax, Spelling("softmax", positional=("self", "dim", "_stacklevel", "dtype"), drop=(("_stacklevel", ANY),))),
        (F.log_softmax, Spelling("log_softmax", positional=("self", "dim", "_stacklevel", "dtype"),
                                 drop=(("_stacklevel", ANY),))),
        (F.relu6, Spelling("hardtanh", positional=("self", "inplace"), inplace_flag="inplace",
                           fixed=(("min_val", 0.0), ("max_val", 6.0)))),
        (F.dropout, Spelling("dropout", positional=("input", "p", "train", "inplace"), aliases=(("training", "train"),),
                             inplace_flag="inplace")),
        (F.batch_norm, Spelling("batch_norm", positional=("input", "running_mean", "running_var", "weight", "bias",
                                                          "training", "momentum", "eps"))),
        (F.embedding, Spelling("embedding", positional=("indices", "weight", "padding_idx", "max_norm", "norm_type",
                                                        "scale_grad_by_freq", "sparse"),
                               aliases=(("input", "indices"),), adapt=_embedding)),
        (torch.embedding, Spelling("embedding", aliases=(("input", "indices"),))),
        (torch.split, Spelling("split", aliases=(("tensor", "self"), ("split_size_or_sections", "split_size")))),
        (torch.gather, Spelling("gather", drop=(("sparse_grad", False),))),
        (torch.norm, Spelling("norm", adapt=_norm_p)), (torch.linalg.vector_norm, Spelling("norm", adapt=_norm_p)),
        (builtins.print, _print_chooser), (builtins.getattr, _getattr_chooser), (torch._assert, Spelling("_assert")),
        (operator.setitem, Spelling("setitem")),
    ]


_DROP_NORM = (("cudnn_enabled", ANY), ("cudnn_enable", ANY))


def _alias_spellings(names) -> list:
    """``(alias name, Spelling)`` for torch's alternative names and their in-place forms, if canonical."""
    out = []
    for alias, canon in ALIASES:
        for a, c in ((alias, canon), (alias + "_", canon + "_")):
            if c in names:
                out.append((a, Spelling(c, aliases=_AXES if canon == "transpose" else ())))
    return out


def _torch_namespace_spelling(name: str) -> Spelling:
    """The spelling of ``torch.<name>`` / ``F.<name>``: canonical order plus common extras."""
    adapt = _pool_stride if "pool" in name and "adaptive" not in name else None
    drop = _DROP_NORM if name.endswith("_norm") else ()
    if name.startswith("max_pool"):
        drop = (("return_indices", False),)
    return Spelling(name, varargs=VARARGS.get(name), inplace_flag="inplace", adapt=adapt, drop=drop)


def _namespace_functions() -> list:
    """``torch.<op>`` and ``torch.nn.functional.<op>`` for every canonical name they define."""
    out, seen = [], set()
    for d in default_opdefs():
        for ns in (torch, F, torch.special):
            fn = getattr(ns, d.name, None)
            if callable(fn) and id(fn) not in seen and not isinstance(fn, type):
                seen.add(id(fn))
                out.append((fn, _torch_namespace_spelling(d.name)))
    return out


def function_spellings() -> tuple:
    """All ``(function object, Spelling | chooser)`` pairs for call_function targets, special ones first.

    >>> sp = dict(function_spellings())
    >>> sp[torch.add].op, sp[F.relu].op, sp[operator.iadd].op, sp[F.relu6].fixed
    ('add', 'relu', 'add_', (('min_val', 0.0), ('max_val', 6.0)))
    >>> sp[torch.Tensor.add_].op  # methods called as functions: torch.Tensor.add_(x, y)
    'add_'

    See Also
    --------
    method_spellings, aten_spellings
    """
    out = _special_functions()
    out += [(getattr(operator, a), Spelling(c, positional=("self", "exponent" if c.startswith("pow") else "other")))
            for a, c in _OPERATOR]
    out += [(getattr(operator, a), Spelling(c, positional=("self", "index") if c == "getitem" else ("self",)))
            for a, c in _UNARY_OPERATOR]
    out.append((identity, Spelling("identity")))
    names = {d.name for d in default_opdefs()}
    out += [(getattr(torch, a), sp) for a, sp in _alias_spellings(names) if hasattr(torch, a)]
    known = {id(f) for f, _ in out}
    out += [(f, s) for f, s in _namespace_functions() if id(f) not in known]
    known = {id(f) for f, _ in out}
    out += [(getattr(torch.Tensor, n), s) for n, s in method_spellings() if id(getattr(torch.Tensor, n)) not in known]
    return tuple(out)


def method_spellings() -> tuple:
    """All ``(method name, Spelling | chooser)`` pairs for call_method targets.

    >>> sp = dict(method_spellings())
    >>> sp['permute'].varargs, sp['relu_'].op, sp['add'].op
    ('dims', 'relu_', 'add')

    See Also
    --------
    function_spellings
    """
    special = {"max": _max_chooser("max"), "min": _max_chooser("min"), "bernoulli": _bernoulli_chooser,
               "var": Spelling("var", positional=("self", "dim", "unbiased", "keepdim"), adapt=_var_correction),
               "std": Spelling("std", positional=("self", "dim", "unbiased", "keepdim"), adapt=_var_correction),
               "split": Spelling("split", aliases=(("split_size_or_sections", "split_size"),)),
               "norm": Spelling("norm", adapt=_norm_p)}
    out = []
    for d in default_opdefs():
        if d.name in special:
            out.append((d.name, special.pop(d.name)))
        elif "." not in d.name and hasattr(torch.Tensor, d.name) and d.name not in ("print",):
            out.append((d.name, Spelling(d.name, varargs=VARARGS.get(d.name))))
    names = {d.name for d in default_opdefs()}
    out += [(a, sp) for a, sp in _alias_spellings(names) if hasattr(torch.Tensor, a)]
    return tuple(out)


_ATEN_OVERLOADS = (
    ("max", "dim", "max.dim"), ("min", "dim", "min.dim"), ("max", "other", "maximum"), ("min", "other", "minimum"),
    ("sym_size", "int", "size"), ("bernoulli", "p", "bernoulli.p"), ("bernoulli", "Tensor", "bernoulli.p"),
)
_ATEN_ALIASES = (
    ("_softmax", Spelling("softmax", schema_names=True, adapt=_half_to_float)),
    ("_log_softmax", Spelling("log_softmax", schema_names=True, adapt=_half_to_float)),
    ("split_with_sizes", Spelling("split", schema_names=True, aliases=(("split_sizes", "split_size"),))),
    ("_adaptive_avg_pool2d", Spelling("adaptive_avg_pool2d", schema_names=True)),
    ("_adaptive_avg_pool3d", Spelling("adaptive_avg_pool3d", schema_names=True)),
    ("true_divide", Spelling("div", schema_names=True)),
    ("linalg_vector_norm", Spelling("norm", schema_names=True, adapt=_norm_p)),
    ("_unsafe_view", Spelling("reshape", schema_names=True, aliases=(("size", "shape"),))),
    ("log_sigmoid", Spelling("logsigmoid", schema_names=True)),
    ("relu6", Spelling("hardtanh", schema_names=True, fixed=(("min_val", 0.0), ("max_val", 6.0)))),
    ("__and__", Spelling("bitwise_and", schema_names=True)), ("__or__", Spelling("bitwise_or", schema_names=True)),
    ("__xor__", Spelling("bitwise_xor", schema_names=True)),
    ("__lshift__", Spelling("bitwise_left_shift", schema_names=True)),
    ("__rshift__", Spelling("bitwise_right_shift", schema_names=True)),
    ("__iand__", Spelling("bitwise_and_", schema_names=True)), ("__ior__", Spelling("bitwise_or_", schema_names=True)),
    ("__ixor__", Spelling("bitwise_xor_", schema_names=True)),
    ("alias", Spelling("identity", schema_names=True)), ("lift_fresh_copy", Spelling("clone", schema_names=True)),
)


def _aten_spelling(name: str) -> Spelling:
    """The spelling of an aten packet: bind by the overload's own schema names."""
    drop = {"elu": (("scale", 1), ("input_scale", 1)), "expand": (("implicit", False),),
            "gather": (("sparse_grad", False),)}.get(name, ())
    aliases = {"split": (("split_sizes", "split_size"),), "copy_": (("other", "src"),)}.get(name, ())
    drop = drop + _DROP_NORM if name.endswith("_norm") else drop
    adapt = _var_correction if name in ("var", "std") else (_pool_stride if "pool" in name else None)
    adapt = _norm_p if name == "norm" else adapt
    return Spelling(name, schema_names=True, drop=drop, adapt=adapt, aliases=aliases)


def aten_spellings() -> tuple:
    """All ``(aten OpOverloadPacket | OpOverload, Spelling)`` pairs; overload entries take precedence.

    >>> sp = dict(aten_spellings())
    >>> sp[torch.ops.aten.add].op, sp[torch.ops.aten.max.dim].op, sp[torch.ops.aten._softmax].op
    ('add', 'max.dim', 'softmax')

    See Also
    --------
    function_spellings
    """
    out = [(getattr(getattr(torch.ops.aten, p), o), Spelling(c, schema_names=True)) for p, o, c in _ATEN_OVERLOADS]
    out += [(getattr(torch.ops.aten, a), s) for a, s in _ATEN_ALIASES]
    out.append((torch.ops.aten.convolution, _convolution_chooser))
    names = {d.name for d in default_opdefs()}
    out += [(getattr(torch.ops.aten, a), Spelling(sp.op, schema_names=True, aliases=sp.aliases))
            for a, sp in _alias_spellings(names) if hasattr(torch.ops.aten, a)]
    for d in default_opdefs():
        base = d.name.split(".")[0]
        if "." in d.name or not hasattr(torch.ops.aten, base) or base in ("print", "setitem", "getitem"):
            continue
        out.append((getattr(torch.ops.aten, base), _aten_spelling(d.name)))
    return tuple(out)



def canonical_spellings() -> tuple:
    """``(op name, Spelling)`` pairs with the op-level rules `normalize_call` applies to patterns.

    >>> from fxcore.ops import normalize_call
    >>> normalize_call('max_pool2d', ('x', 2))
    ('x', (2, 2), (2, 2), (0, 0), (1, 1), False)
    >>> normalize_call('var', ('x',), {'correction': None})
    ('x', None, 1, False)
    >>> normalize_call('permute', ('x', 0, 2, 1))  # varargs, as in x.permute(0, 2, 1)
    ('x', (0, 2, 1))

    See Also
    --------
    fxcore.ops.table.OpTable.normalize_call
    """
    out = [(d.name, Spelling(d.name, adapt=_pool_stride)) for d in default_opdefs()
           if "pool" in d.name and "adaptive" not in d.name]
    out += [(n, Spelling(n, adapt=_var_correction)) for n in ("var", "std")]
    out.append(("norm", Spelling("norm", adapt=_norm_p)))
    defs = {d.name: d for d in default_opdefs()}
    out += [(n, Spelling(n, varargs=v)) for n, v in VARARGS.items() if defs[n].param_names[-1] == v]
    return tuple(out)


def term_aliases(names) -> tuple:
    """``(name, (kind, target))``: the names a rule may write for a call spelled here as another op
    (`fxcore.ops.table.OpTable.normalize_term`), ``names`` being the canonical ones.

    aten's own names for ops merged into another (``_softmax``, ``split_with_sizes``, ``convolution``,
    ``sym_size``) and torch's alternative names (``clip``, ``concat``).

    >>> dict(term_aliases(('softmax', 'clamp')))['_softmax'][1] is torch.ops.aten._softmax
    True

    See Also
    --------
    fxcore.ops.conversions.cast_aliases
    """
    out = []
    for target, sp in aten_spellings():
        packet = target.overloadpacket if isinstance(target, torch._ops.OpOverload) else target
        name = packet.__name__
        if name not in names and (not isinstance(sp, Spelling) or sp.op != name):
            out.append((name, ("call_function", target)))
    for alias, canon in ALIASES:
        if alias not in names and hasattr(torch, alias):
            out.append((alias, ("call_function", getattr(torch, alias))))
    seen: set = set()
    return tuple(entry for entry in out if entry[0] not in seen and not seen.add(entry[0]))
