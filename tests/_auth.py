"""A node with authentication, started and activated as a user of Ignite does it.

Owns ``auth_node`` (an embergrid node with ``--auth``: it needs persistence, so it
is persistent, and a new persistent cluster starts INACTIVE) and ``activate``
(the default user ``ignite`` logs in and activates the cluster, as an Ignite user
must before caches, SQL or user statements work). ``activate`` speaks through
pyignite only, so it serves embergrid and the reference node
(``ReferenceNode.java --auth --inactive``) alike.
"""

from __future__ import annotations

import os

from pyignite import Client
from pyignite.datatypes.cluster_state import ClusterState

from embergrid.server import Node

__all__ = ["activate", "auth_node"]

Address = tuple[str, int]


def auth_node(data_dir: str | os.PathLike[str]) -> Node:
    """A node of a new (or the existing) persistent cluster in ``data_dir``
    with authentication on; INACTIVE when new."""
    return Node(data_dir=data_dir, auth=True, persistent=True)


def activate(address: Address, **client_args: object) -> None:
    """Log in as ``ignite`` (with ``client_args``: TLS) and activate the cluster."""
    client = Client(username="ignite", password="ignite", **client_args)
    with client.connect(*address):
        client.get_cluster().set_state(ClusterState.ACTIVE)
