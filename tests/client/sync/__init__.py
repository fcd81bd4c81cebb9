# GENERATED from tests/client/aio/__init__.py: edit that file
"""Client tests written once against ``Client``; ``tests/client/sync/`` is generated
from them by ``tools/unasync.py``."""
