"""Shared pytest configuration: Hypothesis profiles for a noisy, shared 2-core machine."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,  # the machine is shared and noisy: no timing in unit tests
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # deterministic CI: the same examples every run
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
