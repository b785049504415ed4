"""One contract, two stores: every test here runs on the SQLite file and on a real Redis."""
from __future__ import annotations

import threading
import time

import pytest
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

import state
from state import Busy


def test_a_key_is_claimed_once(store):
    assert not store.is_claimed("sign-in", "n1")
    assert store.claim("sign-in", "n1", 60) is True
    assert store.claim("sign-in", "n1", 60) is False
    assert store.is_claimed("sign-in", "n1")
    assert store.claim("response", "n1", 60) is True  # kinds are separate


def test_a_claim_is_forgotten_after_its_time(store):
    assert store.claim("sign-in", "short", 0.2)
    time.sleep(0.3)
    assert not store.is_claimed("sign-in", "short")
    assert store.claim("sign-in", "short", 60)


def test_of_many_threads_claiming_one_key_exactly_one_wins(store):
    wins = []
    barrier = threading.Barrier(8)

    def claim():
        barrier.wait()
        wins.append(store.claim("sign-in", "race", 60))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_a_session_is_saved_loaded_and_deleted(store):
    assert store.load_session("sid-1") is None
    store.save_session("sid-1", {"user": {"email": "a@x.example"}, "seen": 5}, 60, "a@x.example")
    assert store.load_session("sid-1") == {"user": {"email": "a@x.example"}, "seen": 5}
    store.delete_session("sid-1")
    assert store.load_session("sid-1") is None


def test_a_session_expires(store):
    store.save_session("sid-2", {"x": 1}, 0.2, None)
    time.sleep(0.3)
    assert store.load_session("sid-2") is None


def test_every_session_of_one_address_ends_and_no_other(store):
    store.save_session("mine-1", {"n": 1}, 60, "Pat@Example.NHS.uk")
    store.save_session("mine-2", {"n": 2}, 60, "pat@example.nhs.uk")
    store.save_session("theirs", {"n": 3}, 60, "sam@example.nhs.uk")
    store.save_session("anonymous", {"n": 4}, 60, None)
    assert store.end_sessions_of("PAT@example.nhs.uk") == 2
    assert store.load_session("mine-1") is None and store.load_session("mine-2") is None
    assert store.load_session("theirs") == {"n": 3}
    assert store.load_session("anonymous") == {"n": 4}
    assert store.end_sessions_of("pat@example.nhs.uk") == 0


def test_session_ids_and_addresses_are_not_kept_in_clear(store, tmp_path):
    store.save_session("the-secret-session-id", {"n": 1}, 60, "pat@example.nhs.uk")
    if isinstance(store, state.StateStore) and store.url.startswith("sqlite"):
        raw = (tmp_path / "state.sqlite3").read_bytes() + b"".join(
            p.read_bytes() for p in tmp_path.glob("state.sqlite3-*"))
        assert b"the-secret-session-id" not in raw and b"pat@example.nhs.uk" not in raw
    else:
        keys = " ".join(store.r.keys("*"))
        assert "the-secret-session-id" not in keys and "pat@example" not in keys


def test_a_lock_has_one_holder_and_frees_itself_after_its_expiry(store):
    assert store.acquire("job:demo", "first", 0.2)
    assert not store.acquire("job:demo", "second", 60)
    store.release("job:demo", "second")  # not the holder: changes nothing
    assert not store.acquire("job:demo", "second", 60)
    time.sleep(0.3)
    assert store.acquire("job:demo", "second", 60)  # the first holder died; its lock expired
    store.release("job:demo", "second")
    assert store.acquire("job:demo", "third", 60)


def test_the_lock_block_raises_busy_while_another_holds_it(store):
    with store.lock("pending:demo", expire_seconds=60):
        with pytest.raises(Busy):
            with store.lock("pending:demo", expire_seconds=60, wait_seconds=0.2):
                pass
    with store.lock("pending:demo", expire_seconds=60):
        pass


def test_values_and_counters(store):
    assert store.get("last-success:demo") is None
    store.put("last-success:demo", "2026-12-01 06:00:00")
    assert store.get("last-success:demo") == "2026-12-01 06:00:00"
    assert [store.increment("lists-version:demo") for _ in range(3)] == [1, 2, 3]


def test_the_journal_notes_intent_then_result_in_order(store):
    store.journal_intent("demo", "k1", {"Reminder key": "k1"})
    store.journal_intent("demo", "k2", {"Reminder key": "k2"})
    store.journal_intent("demo", "k3", {"Reminder key": "k3"})
    store.journal_result("demo", "k1", True)
    store.journal_result("demo", "k3", False)  # refused by the relay: nothing went, nothing to remember
    assert store.journal("demo") == [state.JournalEntry("k1", {"Reminder key": "k1"}, True),
                                      state.JournalEntry("k2", {"Reminder key": "k2"}, False)]
    assert store.journal("other") == []
    store.journal_forget("demo", ["k1", "k2"])
    assert store.journal("demo") == []


def test_kept_submissions_keep_their_order_and_data(store):
    store.keep("demo", "s2", {"reference": "DEMO-B", "writes": [{"op": "append"}]})
    store.keep("demo", "s1", {"reference": "DEMO-A", "writes": []})
    store.keep("demo", "s2", {"reference": "DEMO-B", "writes": []})  # progress: fewer writes left
    assert store.kept_ids("demo") == ["s2", "s1"]
    assert store.kept("demo", "s2") == {"reference": "DEMO-B", "writes": []}
    assert store.kept("other", "s2") is None
    store.set_aside("demo", "s1", "its row was deleted")
    assert store.kept_ids("demo") == ["s2"] and store.set_aside_ids("demo") == ["s1"]
    assert store.kept("demo", "s1") is None
    store.forget_kept("demo", "s2")
    assert store.kept_ids("demo") == []


def test_text_is_kept_exactly(store):
    text = "Zoë's =HYPERLINK(\"x\") \u202e\U0001F600 _x000D_\n\t"
    store.keep("demo", "u", {"text": text})
    assert store.kept("demo", "u") == {"text": text}


def test_rate_limit_counts_are_shared_by_two_limiters_on_one_store(store):
    """Two workers (two limiters) on one store count together."""
    limit = RateLimitItemPerMinute(3)
    first = FixedWindowRateLimiter(storage_from_string(store.limiter_uri()))
    second = FixedWindowRateLimiter(storage_from_string(store.limiter_uri()))
    assert [first.hit(limit, "sign-in", "a"), second.hit(limit, "sign-in", "a"),
            first.hit(limit, "sign-in", "a"), second.hit(limit, "sign-in", "a")] == [True, True, True, False]
    assert second.hit(limit, "sign-in", "b")


def test_a_window_gives_its_slots_then_says_when_the_next_frees(store):
    assert [store.take_slot("quota:read", 3, 60, now) for now in (100.0, 110.0, 120.0)] == [0.0, 0.0, 0.0]
    assert store.take_slot("quota:read", 3, 60, 130.0) == pytest.approx(30.0)  # the one at 100 leaves at 160
    assert store.take_slot("quota:read", 3, 60, 159.5) == pytest.approx(0.5)   # asking took nothing
    assert store.take_slot("quota:write", 3, 60, 130.0) == 0.0                # windows are separate
    assert store.take_slot("quota:read", 3, 60, 160.0) == 0.0
    assert store.take_slot("quota:read", 3, 60, 160.0) > 0


def test_a_smaller_limit_on_the_same_window_leaves_the_rest_to_a_larger_one(store):
    """The job asks with a lower limit than pages on one window: it never takes the pages' share."""
    assert [store.take_slot("quota", 2, 60, 10.0 + i) for i in range(2)] == [0.0, 0.0]
    assert store.take_slot("quota", 2, 60, 12.0) == pytest.approx(58.0)
    assert store.take_slot("quota", 3, 60, 12.0) == 0.0
    assert store.take_slot("quota", 3, 60, 13.0) == pytest.approx(57.0)
    # The slots noted at 10 and 11 have left by 71.5: two free for the smaller limit, with 12 still in.
    assert store.take_slot("quota", 2, 60, 71.5) == 0.0
    assert store.take_slot("quota", 2, 60, 71.5) == pytest.approx(0.5)


def test_of_many_threads_taking_slots_at_once_exactly_the_limit_get_one(store):
    taken = []
    barrier = threading.Barrier(8)

    def take():
        barrier.wait()
        taken.append(store.take_slot("race", 5, 60, 1000.0))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == [0.0] * 5 + [pytest.approx(60.0)] * 3
