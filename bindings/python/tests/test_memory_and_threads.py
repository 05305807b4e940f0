"""No leak over a million transitions, and one Instance shared by many threads."""

from __future__ import annotations

import gc
import os
import threading
from datetime import datetime, timedelta, timezone

import libedition as le
from conftest import COUNTS

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
TRANSITIONS = int(os.environ.get("LIBEDITION_RSS_TRANSITIONS", "1000000"))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_rss_stays_flat_over_a_million_transitions() -> None:
    """Every kind of C object the binding owns is made and dropped again and again.

    Snapshots (complete_migration, add_topic and refund make a new one each
    time), results with effects, a refusal carrying would_have effects, a
    plan and the generic command path.
    """
    base = le.Instance.create_standard("MQ_INST_RSS", "http://mq", T0)
    base = base.add_topic(T0, "orders").instance.add_group(T0, "GID_a").instance
    migrating = base.upgrade(T0, 12).instance
    settled = migrating.complete_migration(T0).instance
    tick = le.Command("tick")

    refund = le.Command("refund")

    def rounds(n: int) -> None:
        # Ten transitions a round, weighted to the cheap ones so that a
        # million of them take seconds, not minutes.
        for k in range(n):
            for _ in range(5):
                migrating.complete_migration(T0)
            settled.tick(T0)
            settled.apply(T0, tick)
            settled.add_topic(T0, "payments")
            settled.plan_downgrade(T0, "immediate")
            if k % 2:
                settled.preview(T0, refund)  # data_loss_refused, with would_have
            else:
                settled.refund(T0, allow_data_loss=True)

    per_round = 10
    rounds(10_000)  # warm up: caches, pymalloc arenas
    gc.collect()
    before = rss_bytes()
    rounds(TRANSITIONS // per_round)
    gc.collect()
    grown = rss_bytes() - before
    COUNTS["rss_grown"] = grown
    COUNTS["rss_transitions"] = TRANSITIONS
    # A leak of a single snapshot or result per transition would be >100 MB.
    assert grown < 8 * 1024 * 1024, f"RSS grew by {grown} bytes over {TRANSITIONS} transitions"


def test_threads_transition_one_shared_instance() -> None:
    shared = le.Instance.create_enterprise_platinum("MQ_INST_T", "http://mq", T0, 12)
    shared = shared.add_topic(T0, "orders").instance
    expected_plan = shared.plan_downgrade(T0, "at_expiry").plan
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            for k in range(300):
                now = T0 + timedelta(seconds=k)
                name = f"topic-{n}-{k % 7}"
                r = shared.add_topic(now, name)
                assert r.instance.topics == ("orders", name)
                assert r.effects[0].key == "MQ_INST_T/2/0" and r.effects[0].subject == name
                assert shared.plan_downgrade(now, "at_expiry").plan == expected_plan
                assert r.instance.remove_topic(now, name).instance.topics == ("orders",)
                assert shared.topics == ("orders",) and shared.revision == 1
                assert isinstance(shared.preview(now, le.Command("downgrade")), le.NoDirectDowngrade)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert shared.revision == 1 and shared.topics == ("orders",)
