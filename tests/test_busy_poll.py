"""The busy-polling policy's decisions (``embergrid._busy_poll.BusyPoll``), with
made-up times: it polls while waits are quick and its thread has a core to itself,
backs off (doubling) while its CPU share is low, and probes again after a back-off."""

from __future__ import annotations

import pytest

from embergrid._busy_poll import BusyPoll

WINDOW = 100e-6


def _sample(policy: BusyPoll, share: float, now: float) -> None:
    """Report one full sample of polling at CPU ``share``, ending at ``now``."""
    policy.polled(policy.sample, share * policy.sample, now)


def test_polls_from_the_start() -> None:
    assert BusyPoll(WINDOW).polls(0.0)


def test_never_polls_with_no_window() -> None:
    assert not BusyPoll(0.0).polls(0.0)


def test_a_slow_wait_stops_polling_until_a_quick_one() -> None:
    policy = BusyPoll(WINDOW)
    policy.waited(2 * WINDOW)
    assert not policy.polls(1.0)
    policy.waited(WINDOW / 2)  # a quick wait, even one that slept
    assert policy.polls(1.0)


def test_a_wait_of_exactly_the_window_counts_as_quick() -> None:
    policy = BusyPoll(WINDOW)
    policy.waited(WINDOW)
    assert policy.polls(0.0)


def test_a_low_cpu_share_backs_off_for_the_back_off_time() -> None:
    policy = BusyPoll(WINDOW)
    _sample(policy, 0.5, now=10.0)
    assert not policy.polls(10.0)
    assert not policy.polls(10.0 + BusyPoll.min_backoff * 0.99)
    assert policy.polls(10.0 + BusyPoll.min_backoff)


def test_a_full_cpu_share_keeps_polling() -> None:
    policy = BusyPoll(WINDOW)
    _sample(policy, 0.99, now=10.0)
    assert policy.polls(10.0)


def test_no_decision_before_a_whole_sample() -> None:
    policy = BusyPoll(WINDOW)
    policy.polled(policy.sample / 2, 0.0, 1.0)  # descheduled, but too short to tell
    assert policy.polls(1.0)
    policy.polled(policy.sample / 2, 0.0, 1.0)  # now a whole sample at share 0
    assert not policy.polls(1.0)


def test_short_stretches_add_up_to_a_sample() -> None:
    policy = BusyPoll(WINDOW)
    stretch = policy.sample / 10
    for _ in range(10):
        assert policy.polls(1.0)
        policy.polled(stretch, stretch * 0.6, 1.0)
    assert not policy.polls(1.0)


def test_back_off_doubles_while_the_share_stays_low_up_to_the_cap() -> None:
    policy = BusyPoll(WINDOW)
    now, waits = 0.0, []
    for _ in range(12):
        _sample(policy, 0.3, now)
        waits.append(policy.resume_at - now)
        now = policy.resume_at
        assert policy.polls(now)  # a probe after each back-off
    assert waits[:3] == pytest.approx(
        [BusyPoll.min_backoff, 2 * BusyPoll.min_backoff, 4 * BusyPoll.min_backoff]
    )
    assert max(waits) == pytest.approx(BusyPoll.max_backoff)
    assert waits[-1] == pytest.approx(BusyPoll.max_backoff)


def test_a_clean_probe_resets_the_back_off() -> None:
    policy = BusyPoll(WINDOW)
    _sample(policy, 0.3, 0.0)
    _sample(policy, 0.3, policy.resume_at)
    assert policy.backoff == pytest.approx(4 * BusyPoll.min_backoff)
    now = policy.resume_at
    _sample(policy, 1.0, now)
    assert policy.polls(now)
    assert policy.backoff == pytest.approx(BusyPoll.min_backoff)
    _sample(policy, 0.3, now)
    assert policy.resume_at == pytest.approx(now + BusyPoll.min_backoff)


def test_a_probe_measures_every_stretch_then_one_in_every() -> None:
    policy = BusyPoll(WINDOW)
    assert all(policy.measures() for _ in range(3 * BusyPoll.every))  # first probe
    _sample(policy, 1.0, 0.0)  # clean: now sampled sparsely
    measured = [policy.measures() for _ in range(4 * BusyPoll.every)]
    assert sum(measured) == 4
    _sample(policy, 0.2, 0.0)  # low share: the next sample is a probe again
    assert all(policy.measures() for _ in range(3))


def test_the_share_threshold_is_a_class_setting() -> None:
    policy = BusyPoll(WINDOW)
    policy.min_share = 0.0  # e.g. tests that count polls on a loaded machine
    _sample(policy, 0.01, 0.0)
    assert policy.polls(0.0)
