"""Client tests written once against ``AioClient``; ``tests/client/sync/`` is generated
from them by ``tools/unasync.py``."""
