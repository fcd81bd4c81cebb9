"""Differential tests: embergrid's server and real Apache Ignite 2.18, side by side."""
