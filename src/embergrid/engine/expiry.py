"""Expiry arithmetic: JCache durations to absolute ``expire_at`` times.

Owns the rules for which duration an op applies (theory below) and
``expire_at`` computation. Pure functions; imports only ``embergrid.protocol.config``.

Theory of operation
-------------------
A policy is ``ExpiryDurations(create, update, access)`` in ms, with -1 eternal,
-2 unchanged and 0 zero. The request's policy (cache prefix flag 0x04) replaces
the cache's ``expiry_policy`` for that request; with neither, create is eternal
and update/access leave the expiry alone. JCache (javax.cache ``ExpiryPolicy``
javadoc and the spec's "Expiry Policy Impact" table) decides which duration an
op applies:

* create - a write that finds no visible entry: put, put_all, get_and_put,
  put_if_absent, get_and_put_if_absent (when absent). "unchanged" means eternal.
* update - a write that replaces a visible entry: put, put_all, get_and_put,
  replace, get_and_replace, replace_if_equals when it matched.
* access - a read that returns a visible entry: get, get_all, and the two
  conditional ops when the comparison failed (replace_if_equals,
  remove_if_equals). contains_key(s), local_peek, scans, put_if_absent and
  get_and_put_if_absent on a present key do not count as access.

A duration of 0 ("zero") means the entry expires at once: a create stores
nothing, an update removes the entry, an access returns the value and then
removes the entry. ``expire_at`` is an absolute ms time; an entry is visible
while ``expire_at is None or expire_at > now``, so "zero" is ``expire_at = now``.
A duration that takes ``expire_at`` past a Java long is eternal, as on Ignite.
"""

from __future__ import annotations

from embergrid.protocol.config import DURATION_UNCHANGED, ExpiryDurations

__all__ = ["after_access", "after_create", "after_update", "expired"]


_LONG_MAX = (1 << 63) - 1


def _apply(duration: int, now: int, current: int | None) -> int | None:
    if duration == DURATION_UNCHANGED:
        return current
    if duration < 0:  # -1 eternal (other negatives: treated as eternal)
        return None
    at = now + duration
    # Ignite adds in a Java long: a time past Long.MAX_VALUE wraps negative,
    # which it takes as eternal (a TTL of Long.MAX_VALUE ms keeps the entry).
    return None if at > _LONG_MAX else at


def after_create(policy: ExpiryDurations | None, now: int) -> int | None:
    """``expire_at`` of a new entry (None = eternal)."""
    if policy is None:
        return None
    return _apply(policy.create, now, None)


def after_update(
    policy: ExpiryDurations | None, now: int, current: int | None
) -> int | None:
    """``expire_at`` of a replaced entry whose expiry was ``current``."""
    if policy is None:
        return current
    return _apply(policy.update, now, current)


def after_access(
    policy: ExpiryDurations | None, now: int, current: int | None
) -> int | None:
    """``expire_at`` of an entry just read."""
    if policy is None:
        return current
    return _apply(policy.access, now, current)


def expired(expire_at: int | None, now: int) -> bool:
    return expire_at is not None and expire_at <= now
