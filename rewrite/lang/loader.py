"""Loading rule sets: YAML rule files, Python rule-set files and the ``std:`` library.

``load(path_or_name)`` accepts a ``.yaml``/``.yml`` path, a ``.py`` path (the
module's ``RULESET`` or ``ruleset``; importing it runs the user's code, which is
explicit), or a library name ``"std:algebraic"`` (``rules/algebraic.yaml``
shipped as package data).  Rule files may ``include:`` other rule sets (paths
relative to the including file, or ``std:`` names); include cycles are
errors.  ``enable:``/``disable:`` list rule ids.

The YAML schema (published as JSON Schema in ``rules/schema.json``)::

    ruleset: algebraic            # name (default: the file's stem)
    description: ...              # optional
    include: [std:other, ./more.yaml]
    disable: [some-id]            # ids (own or included) to turn off
    enable: [other-id]            # ids disabled by an included set, turned back on
    rules:
      - id: mul-one               # required, unique
        pattern: mul(x, 1)        # required: an op call
        replacement: x            # required: a term over the pattern's variables
        when: x.dtype.is_floating_point   # optional guard, or a list of guards (all must hold)
        priority: 0               # optional int, higher is tried first
        description: ...          # optional
        examples:                 # optional, checked by `python -m rewrite test`
          - before: mul(t, 1)
            after: t
            types: {t: "float32[2,3]"}   # optional hints for guards
            inputs: {t: "float32[2,3]"}  # optional: also run it on real graphs (a type or a literal per variable)
            front_ends: [make_fx]        # optional: which front ends' graphs (default: all four)
            fires: 1                     # optional: how often the rule fires on each graph (default: >= 1)

Every error names file:line:col, the rule id and what to write instead.

>>> rs = loads('''
... ruleset: demo
... rules:
...   - id: neg-neg
...     pattern: neg(neg(x))
...     replacement: x
... ''')
>>> rs.name, rs['neg-neg'].pattern
('demo', ('neg', ('neg', ~x)))

See Also
--------
rewrite.lang.rule.Rule, rewrite.lang.ruleset.RuleSet, rewrite.pyrules
"""
from __future__ import annotations

import importlib.resources
import importlib.util
import re
import sys
from pathlib import Path

from rewrite.lang import yaml_reader as _yaml
from rewrite.errors import (DuplicateRuleError, IncludeCycleError, IncludeError, RuleError, RuleSetNotFoundError,
                            RuleSyntaxError, RuleValidationError, SourcePos, UnknownKeyError,
                            did_you_mean)
from rewrite.lang.rule_builder import build_rule, expect, names_list
from rewrite.lang.ruleset import RuleSet

__all__ = ["load", "loads", "resolve", "std_names", "TOP_KEYS"]

TOP_KEYS = ("ruleset", "description", "include", "assume", "enable", "disable", "rules")
_STD = "std:"


def std_names() -> tuple:
    """The names of the standard library rule sets (``std:<name>``), sorted.

    >>> isinstance(std_names(), tuple)
    True

    See Also
    --------
    resolve
    """
    root = importlib.resources.files("rules")
    return tuple(sorted(p.name.rsplit(".", 1)[0] for p in root.iterdir()
                        if p.name.endswith((".yaml", ".yml", ".py")) and not p.name.startswith("_")))


def resolve(name, relative_to: Path | None = None):
    """The file a rule-set name refers to: a ``std:`` name, or a path (relative to ``relative_to``).

    >>> resolve('std:nope')
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleSetNotFoundError: no standard rule set 'std:nope'
    ...

    See Also
    --------
    std_names, load
    """
    text = str(name)
    if text.startswith(_STD):
        base = text[len(_STD):]
        root = importlib.resources.files("rules")
        for suffix in (".yaml", ".yml", ".py"):
            candidate = root.joinpath(base + suffix)
            if candidate.is_file():
                return Path(str(candidate))
        raise RuleSetNotFoundError(f"no standard rule set {text!r}", hint=did_you_mean(
            base, std_names()) or "available: " + ", ".join(_STD + n for n in std_names()))
    path = Path(text).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if path.is_dir():
        raise RuleSetNotFoundError(f"{str(path)!r} is a directory, not a rule set file",
                                   hint="name a .yaml, .yml or .py file in it (one include: entry per file)")
    if not path.is_file():
        hint = f"did you mean 'std:{text}'?" if text in std_names() else \
            "check the path (relative paths in include: are relative to the including file)"
        raise RuleSetNotFoundError(f"rule set file {str(path)!r} does not exist", hint=hint)
    return path.resolve()


def load(source, *, table=None, warn: bool = True, allow_python: bool = False) -> RuleSet:
    """Load a rule set from a YAML/Python file or a ``std:`` name; warn about ambiguous rules.

    A :class:`RuleSet` passed in is returned as it is. A ``.py`` rule set named here runs (it is code the
    caller chose); one that a YAML file includes runs only with ``allow_python=True``: a YAML rule file is
    data and never makes Python code run by itself (the standard library's own ``.py`` sets excepted).

    See Also
    --------
    loads, rewrite.lang.ruleset.RuleSet.warn_ambiguities
    """
    if isinstance(source, RuleSet):
        return source
    rs = _Loader(table, allow_python).load_path(resolve(source), ())
    if warn:
        rs.warn_ambiguities(stacklevel=3)
    return rs


def loads(text: str, *, filename: str = "<string>", table=None, warn: bool = True,
          base_dir: Path | None = None, allow_python: bool = False) -> RuleSet:
    """Load a YAML rule set from a string (``filename`` is used in error positions).

    >>> loads('rules: []', filename='empty.yaml').name
    'empty'

    See Also
    --------
    load
    """
    if not isinstance(text, str):
        raise TypeError(f"rewrite.loads needs the YAML text as a str, not {type(text).__name__}; to read a file, "
                        f"use rewrite.load(path)")
    loader = _Loader(table, allow_python)
    rs = loader.load_yaml(text, filename, Path(base_dir or Path.cwd()), ())
    if warn:
        rs.warn_ambiguities(stacklevel=3)
    return rs


class _Loader:
    """One load: the op table, and the rule sets already loaded (includes form a DAG)."""

    def __init__(self, table, allow_python: bool = False):
        self.table, self.allow_python = table, allow_python
        self.cache: dict[Path, RuleSet] = {}

    def load_path(self, path: Path, stack: tuple) -> RuleSet:
        if path in stack:
            chain = " -> ".join(map(str, stack[stack.index(path):] + (path,)))
            raise IncludeCycleError(f"include cycle: {chain}",
                                    hint="remove one of the include: entries in the cycle")
        if path not in self.cache:
            if path.suffix == ".py":
                self.cache[path] = _load_python(path)
            elif path.suffix in (".yaml", ".yml"):
                self.cache[path] = self.load_yaml(_read_text(path), str(path), path.parent, stack + (path,))
            else:
                raise RuleSetNotFoundError(f"{str(path)!r} is not a rule set file",
                                           hint="use a .yaml, .yml or .py file")
        return self.cache[path]

    def load_yaml(self, text: str, file: str, base: Path, stack: tuple) -> RuleSet:
        doc = _yaml.read_yaml(text, file)
        if doc is None:
            doc = _yaml.YMap((), SourcePos(file, 1, 1))
        expect(doc, "mapping", "the rule file", "start with 'ruleset: <name>' and 'rules:'")
        _check_keys(doc, TOP_KEYS, "rule file")
        included = [self._include(item, base, stack) for item in _list_of_str(doc, "include")]
        entries = _list_of(doc, "rules", "mapping")
        own = [build_rule(item, self.table) for item in entries]
        rules, disabled = _combine(included, own, [_override(item) for item in entries])
        rs = RuleSet(_name(doc, file), tuple(rules), (), _text(doc, "description"),
                     tuple(v.value for v in _list_of_str(doc, "include")), file,
                     assume=names_list(doc, "assume"))
        for key in ("disable", "enable"):
            for v in _list_of_str(doc, key):
                rs._check_ids((v.value,), key, v.pos)
        off = (set(disabled) | {v.value for v in _list_of_str(doc, "disable")}) \
            - {v.value for v in _list_of_str(doc, "enable")}
        return rs._replace(disabled=tuple(sorted(off)))

    def _include(self, item, base: Path, stack: tuple) -> RuleSet:
        try:
            path = resolve(item.value, base)
            if path.suffix == ".py" and not (self.allow_python or _is_std(item.value, path)):
                raise IncludeError(
                    f"include of the Python rule set {str(path)!r}: a YAML rule file is data and does not run "
                    f"Python code", pos=item.pos,
                    hint="load it yourself (rewrite.load('x.py')), or opt in: rewrite.load(..., allow_python=True) "
                         "or `python -m rewrite ... --allow-python`")
            return self.load_path(path, stack)
        except RuleError as exc:
            if isinstance(exc, IncludeError) and exc.pos is None:
                raise exc.located(item.pos) from None
            raise


def _is_std(name: str, path: Path) -> bool:
    """Is ``name`` a ``std:`` name of the installed standard library (shipped code, not a user's data)?"""
    return str(name).startswith(_STD) and path.parent == Path(str(importlib.resources.files("rules"))).resolve()


def _override(entry) -> bool:
    """The rule's ``override: true`` (it replaces the included rule with its id)."""
    v = entry.get("override")
    if v is None:
        return False
    if not isinstance(v.value, bool):
        raise RuleSyntaxError(f"'override' must be true or false, not {v.value!r}", pos=v.pos,
                              hint="override: true")
    return v.value


def _combine(included, own, overrides):
    """The included sets' rules (each once), then the file's own; an own rule with ``override: true`` takes the
    place of the included rule with its id."""
    rules, disabled, seen = [], [], {}
    for rs in included:
        disabled.extend(rs.disabled)
        for r in rs.rules:
            if seen.get(r.id) == r:
                continue  # the same rule reached through two includes
            seen[r.id] = r
            rules.append(r)
    at = {r.id: i for i, r in enumerate(rules)}
    tail = []
    for rule, override in zip(own, overrides):
        if override and rule.id not in at:
            raise RuleValidationError(f"rule {rule.id!r} says override: true, but no included rule has its id",
                                      pos=rule.pos, rule_id=rule.id, hint="remove override:, or fix the id")
        if rule.id in at and not override:
            raise DuplicateRuleError(f"rule id {rule.id!r} is already defined by an included rule set",
                                     pos=rule.pos, rule_id=rule.id,
                                     hint="rename this rule, or add `override: true` to it to replace the "
                                          "included one (disable: would turn off both)")
        if override:
            rules[at[rule.id]] = rule
        else:
            tail.append(rule)
    return rules + tail, disabled


def _read_text(path: Path) -> str:
    """The file's text; a file that is not UTF-8 is a rule error at the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RuleSyntaxError(f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start a character",
                              pos=SourcePos(str(path), line, col), hint="save the rule file as UTF-8") from None


def _load_python(path: Path) -> RuleSet:
    name = "_rewrite_rules_" + re.sub(r"\W", "_", str(path))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except RuleError as exc:
        raise exc.located(SourcePos(str(path))) from None
    except SyntaxError as exc:
        raise RuleSyntaxError(f"Python syntax error: {exc.msg}", pos=SourcePos(str(path), exc.lineno, exc.offset),
                              hint="fix the Python rule-set file") from None
    except Exception as exc:  # an import error, or anything the file's own code raised
        raise RuleValidationError(f"the Python rule-set file failed to load: {type(exc).__name__}: {exc}",
                                  pos=_raised_at(exc, path), hint="run the file with python to see the whole "
                                  "traceback; check its imports") from None
    finally:
        sys.modules.pop(name, None)
    value = getattr(module, "RULESET", None)
    if isinstance(value, (list, tuple)):
        value = RuleSet(path.stem, tuple(value), source=str(path))
    if not isinstance(value, RuleSet):
        found = "defines no RULESET" if value is None else f"defines RULESET as a {type(value).__name__}"
        raise RuleValidationError(f"a Python rule-set file must define RULESET as a RuleSet; this one {found}",
                                  pos=SourcePos(str(path)),
                                  hint="RULESET = rewrite.pyrules.ruleset('name', rule(...), ...)")
    return value


def _raised_at(exc: BaseException, path: Path) -> SourcePos:
    """The deepest line of ``path`` in ``exc``'s traceback (where the rule-set file raised)."""
    import traceback
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return SourcePos(str(path), lines[-1] if lines else None)


def _check_keys(ymap, allowed, what):
    for key in ymap.keys():
        if key not in allowed:
            raise UnknownKeyError(f"unknown key {key!r} in the {what}", pos=ymap.key_pos(key),
                                  hint=did_you_mean(key, allowed)
                                  or "allowed keys: " + ", ".join(allowed))


def _name(doc, file) -> str:
    v = doc.get("ruleset")
    if v is None:
        return Path(file).stem.strip("<>")
    expect(v, "scalar", "'ruleset'", "ruleset: my-rules")
    if isinstance(v.value, bool) or v.value is None:
        raise RuleValidationError(f"'ruleset' must be a name; YAML reads this one as {v.value!r}", pos=v.pos,
                                  hint="quote it: ruleset: \"yes\"")
    if not isinstance(v.value, str) or not v.value:
        raise RuleValidationError("'ruleset' must be a non-empty name", pos=v.pos,
                                  hint="ruleset: my-rules")
    return v.value


def _text(doc, key) -> str:
    v = doc.get(key)
    if v is None:
        return ""
    expect(v, "scalar", repr(key), f"{key}: some text")
    return str(v.value)


def _list_of(doc, key, kind):
    v = doc.get(key)
    if v is None:
        return ()
    expect(v, "sequence", repr(key), f"{key}: [...] or a '- ' list")
    for item in v.items:
        expect(item, kind, f"an entry of {key!r}", "see rules/schema.json")
    return v.items


def _list_of_str(doc, key):
    items = _list_of(doc, key, "scalar")
    for item in items:
        if not isinstance(item.value, str):
            raise RuleSyntaxError(f"entries of {key!r} must be strings, not {item.value!r}",
                                  pos=item.pos, hint=f"{key}: [\"name\"]")
    return items
