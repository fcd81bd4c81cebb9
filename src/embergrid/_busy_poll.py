"""When a waiter busy-polls: the one policy of the server's loop and both clients.

Theory of operation. Waking a thread asleep in ``epoll``/``recv`` costs tens of
microseconds on virtual machines (the idle vCPU halts), so a waiter that expects
its event soon polls with a zero timeout for up to ``window`` seconds instead of
sleeping. That pays only under two conditions, and ``BusyPoll`` stops polling when
either fails:

* the event comes within the window: after a wait longer than the window the next
  wait sleeps at once, until a wait (polled or not) is quick again;
* the poller has a core to itself: polling steals CPU from whatever shares the
  core (the peer it waits for, another client, a CPU hog), and a poller that is
  descheduled gains nothing. The waiter reports stretches of polling with the
  CPU time its thread got meanwhile; once ``sample`` seconds of them add up,
  a CPU share under ``min_share`` stops polling for a back-off time (doubling up
  to ``max_backoff`` while the share stays low, back to ``min_backoff`` after a
  clean sample). The first sample after a back-off is a probe: every stretch of
  it is measured, later ones only one in ``every`` (the CPU clock is a system
  call).

The policy reads no clock: every time comes in as an argument, so its decisions
are tested with made-up times. Imports nothing from embergrid.
"""

from __future__ import annotations

__all__ = ["BusyPoll"]


class BusyPoll:
    """Whether a waiter polls now; fed the outcome of its waits and polls."""

    # Tunables (class attributes, so a test can set them for every instance).
    sample = 0.002
    """Seconds of measured polling that make one CPU-share sample."""
    min_share = 0.85
    """CPU share below which polling stops for a back-off time."""
    min_backoff, max_backoff = 0.02, 1.0
    every = 8
    """Out of a sample that is not a probe, one stretch in this many is measured."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.backoff = self.min_backoff
        self.quick = True  # the last wait ended within the window
        self.resume_at = 0.0  # no polling before this time (a back-off)
        self.probing = True  # the current sample measures every stretch
        self._count = 0
        self._wall = self._cpu = 0.0

    def polls(self, now: float) -> bool:
        """Whether a wait starting at ``now`` polls first."""
        return self.window > 0 and self.quick and now >= self.resume_at

    def measures(self) -> bool:
        """Whether the polling stretch starting now is to be measured (CPU clock)
        and reported to ``polled``."""
        self._count += 1
        return self.probing or self._count % self.every == 0

    def waited(self, wall: float) -> None:
        """A wait (polled or not) ended after ``wall`` seconds."""
        self.quick = wall <= self.window

    def polled(self, wall: float, cpu: float, now: float) -> None:
        """A measured stretch of ``wall`` seconds of polling, during which this
        thread ran ``cpu`` seconds, ended at ``now``."""
        self._wall += wall
        self._cpu += cpu
        if self._wall < self.sample:
            return
        share = self._cpu / self._wall
        self._wall = self._cpu = 0.0
        if share < self.min_share:  # descheduled: stop, and probe again later
            self.resume_at = now + self.backoff
            self.backoff = min(2 * self.backoff, self.max_backoff)
            self.probing = True
        else:
            self.backoff = self.min_backoff
            self.probing = False
