"""Declarative rewriting of torch.fx graphs: rule sets, apply, checks, testing, CLI."""
