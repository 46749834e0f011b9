"""Adapter tests: real HTTP on loopback against fake platform services."""
