"""The command line: demo, apply (zoo names and module:factory specs), check, and errors that say the fix."""

import torch

from rewrite.front.cli import main


def _run(*argv):
    lines = []
    status = main(list(argv), out=lines.append)
    return status, "\n".join(map(str, lines))


def small_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout()), (torch.randn(2, 4),)


def test_apply_a_factory_spec_and_write_a_picture(tmp_path):
    dot = tmp_path / "g.dot"
    status, text = _run("apply", "--model", "tests.rewrite.front.test_cli:small_model", "--rules", "std:inference",
                        "--dot", str(dot))
    assert status == 0
    assert "dropout-eval" in text and "outputs match" in text
    picture = dot.read_text()
    assert '"_0" -> "output";' in picture  # the dropout module node is gone
    assert '"_1"' not in picture
    assert 'label="_0\\n0"' in picture  # one DOT line break between name and target


def test_unknown_model_spec_is_an_error_with_the_fix():
    status, text = _run("apply", "--model", "tests.rewrite.front.test_cli:nope")
    assert status == 3
    assert "cannot load model" in text and "package.module:factory" in text


def test_check_fails_on_a_failing_example(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleset: bad\nrules:\n  - id: r\n    pattern: neg(neg(x))\n    replacement: x\n"
                   "    examples:\n      - {before: 'neg(neg(t))', after: 'neg(t)'}\n")
    status, text = _run("check", str(bad))
    assert status == 1 and "failed" in text
