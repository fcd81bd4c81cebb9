"""Tests against a real Apache Ignite 2.18 node; see tests/_reference.py."""
