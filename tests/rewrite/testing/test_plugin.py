"""The "hypothesis" entry point is declared, resolves, and makes st.from_type(GraphModule) draw fx_graphs."""
import importlib
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = textwrap.dedent("""
    import hypothesis                      # runs the entry points found on sys.path
    import torch.fx
    from hypothesis import given, settings, strategies as st

    seen = []

    @settings(max_examples=5, database=None, deadline=None)
    @given(st.from_type(torch.fx.GraphModule))
    def test(gm):
        gm.graph.lint()
        seen.append(gm)

    test()
    print(len(seen), type(seen[0]).__name__)
""")


def test_the_entry_point_is_declared_and_names_the_hook():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["hypothesis"]
    assert declared == {"_": "rewrite.testing.plugin:_hypothesis_setup_hook"}
    module, _, name = declared["_"].partition(":")
    assert callable(getattr(importlib.import_module(module), name))


def _probe(tmp_path, env_extra):
    dist = tmp_path / "fx_rewrite_probe-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fx-rewrite-probe\nVersion: 0\n")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["hypothesis"]
    (dist / "entry_points.txt").write_text("[hypothesis]\n" + "".join(f"{k} = {v}\n" for k, v in declared.items()))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), **env_extra}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)


def test_hypothesis_runs_the_hook_on_import_and_from_type_draws_graphs(tmp_path):
    run = _probe(tmp_path, {})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["5", "GraphModule"]


def test_without_plugins_graph_modules_are_not_registered(tmp_path):
    run = _probe(tmp_path, {"HYPOTHESIS_NO_PLUGINS": "1"})
    assert run.returncode != 0 and "GraphModule" in run.stderr  # from_type cannot build one by itself
