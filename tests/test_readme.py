"""The README's code runs as written: every YAML block loads (and its examples pass), every Python block runs, in
order, in one namespace, in a folder where the YAML block that names its file (``# rules/mine.yaml``) is that file.
"""
import re
from pathlib import Path

import torch

import rewrite

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _blocks(kind):
    return [text for lang, text in BLOCKS if lang == kind]


def test_the_readme_has_the_blocks_this_test_runs():
    assert len(_blocks("yaml")) >= 1 and len(_blocks("python")) >= 3


def test_every_yaml_block_loads_and_its_examples_pass(tmp_path):
    for text in _blocks("yaml"):
        rs = rewrite.loads(text, filename="README.md", base_dir=tmp_path, warn=False)
        assert [r for r in rewrite.check_examples(rs) if r.status == "failed"] == []


def test_every_python_block_runs_in_order(tmp_path, monkeypatch):
    for text in _blocks("yaml"):
        first = text.splitlines()[0]
        if first.startswith("# ") and first.endswith(".yaml"):
            path = tmp_path / first[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for text in _blocks("python"):
        exec(compile(text, "README.md", "exec"), namespace)  # noqa: S102 (our own README, in a test)
    assert isinstance(namespace["RULESET"], rewrite.RuleSet)


def test_the_python_rule_set_of_the_readme_applies_and_terminates():
    namespace: dict = {}
    block = next(text for text in _blocks("python") if "RULESET = ruleset(" in text)
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    rs = namespace["RULESET"]
    gm = torch.fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) * torch.sigmoid(a) + (a * 3.0) * 2.0)
    rewrite.apply(gm, rs)
    assert rewrite.report_of(gm).counts == {"neg-neg": 1, "silu": 1, "scale-scale": 1}
    a = torch.randn(4)
    torch.testing.assert_close(gm(a), torch.neg(torch.neg(a)) * torch.sigmoid(a) + (a * 3.0) * 2.0)
