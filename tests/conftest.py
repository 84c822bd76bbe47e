"""Shared test settings: hypothesis's built-in "ci" profile loads when CI is set."""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
