"""The state store's cost per operation, on the SQLite file and on a real Redis (redis-server on a
free local port, when it is installed), from one process and from four at once.

Prints the median and 95th percentile time of: loading and saving a session (every page does one
load, most one save), claiming a sign-in link, counting a rate limit, and one write-ahead journal
entry (intent then result, each durable: fsynced on SQLite, appended to Redis's AOF).

    .venv/bin/python benchmarks/state.py
"""
from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from limits import RateLimitItemPerMinute  # noqa: E402
from limits.storage import storage_from_string  # noqa: E402
from limits.strategies import FixedWindowRateLimiter  # noqa: E402

from state import forget_stores, open_store  # noqa: E402

ROUNDS = 300
SESSION = {"user": {"email": "pat.smith@example.nhs.uk", "partnership": "demo", "role": "practitioner",
                    "reference": None}, "seen": 0, "since": 0, "csrf_token": "x" * 40}


def timings(url: str, worker: int = 0) -> dict[str, list[float]]:
    forget_stores()
    store = open_store(url)
    limiter = FixedWindowRateLimiter(storage_from_string(store.limiter_uri()))
    limit = RateLimitItemPerMinute(10**9)
    found: dict[str, list[float]] = {k: [] for k in ("session load", "session save", "link claim",
                                                     "rate-limit hit", "journal intent+result")}
    for n in range(ROUNDS):
        sid, key = f"s{worker}-{n}", f"k{worker}-{n}"
        for name, action in (
            ("session save", lambda: store.save_session(sid, SESSION, 3600, "pat.smith@example.nhs.uk")),
            ("session load", lambda: store.load_session(sid)),
            ("link claim", lambda: store.claim("sign-in", key, 900)),
            ("rate-limit hit", lambda: limiter.hit(limit, "bench", str(worker))),
            ("journal intent+result", lambda: (store.journal_intent("bench", key, {"Key": key}),
                                               store.journal_result("bench", key, True))),
        ):
            started = time.perf_counter()
            action()
            found[name].append((time.perf_counter() - started) * 1000)
    return found


def _worker(args):
    return timings(*args)


def report(label: str, url: str) -> None:
    print(f"\n{label}: {ROUNDS} of each operation, milliseconds (median / 95th percentile)")
    alone = timings(url)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        together: dict[str, list[float]] = {}
        for result in pool.map(_worker, [(url, w) for w in range(1, 5)]):
            for name, values in result.items():
                together.setdefault(name, []).extend(values)
    print(f"  {'operation':<24}{'one process':>18}{'four at once':>18}")
    for name in alone:
        one, four = alone[name], together[name]
        print(f"  {name:<24}{_figures(one):>18}{_figures(four):>18}")


def _figures(values: list[float]) -> str:
    values = sorted(values)
    return f"{statistics.median(values):.2f} / {values[int(len(values) * 0.95)]:.2f}"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite (WAL) state file", f"sqlite:///{folder}/state.sqlite3")
        try:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.state.redis_server import RedisServer
            server = RedisServer(Path(folder) / "redis")
        except RuntimeError as e:
            print(f"\nRedis: not measured ({e})")
            return
        server.start()
        try:
            report("Redis (appendonly yes, appendfsync everysec)", server.url)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
