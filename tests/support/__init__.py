"""Shared test helpers: databases on both backends, a frozen clock, and people who talk."""
