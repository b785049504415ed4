"""A bounded retry HTTP client for gspread: 429, 5xx, connection errors, timeouts, cut-off replies.

gspread 6.2.1's own BackOffHTTPClient is broken, so this one is passed to gspread instead.
Waits grow exponentially with jitter, a Retry-After header is honoured, and every request
has a budget (attempts and seconds): short for a web request, longer for the cron job.
When the budget runs out, SheetUnavailable is raised so the caller can keep the work for later.

A reply cut off mid-transfer (``ChunkedEncodingError``) or a body that is not whole JSON is a
transient fault like a timeout. A write that adds something (``values:append``, a spreadsheet
``batchUpdate`` with ``appendCells``, ``addSheet``...) is never retried blind: once it may have
reached Google (a timeout, a lost connection, a cut-off reply, a 5xx) WriteUncertain is raised,
and the caller reads the sheet again to see whether it landed before writing again. Only a
429 (Google refused it) is retried as it is.

Given a ``QuotaLimiter`` (``sheets.quota``), every attempt first takes a slot of Google's per-minute
quota, a read or a write: the job waits for one, a page gets SheetUnavailable if none frees
within two seconds. The time spent waiting for a slot does not count against the retry budget.
"""
from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, MutableMapping, Optional

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType

from sheets.base import SheetUnavailable, WriteUncertain

if TYPE_CHECKING:
    from sheets.quota import QuotaLimiter, Who

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Spreadsheet batchUpdate requests that add something: sent twice, they add it twice.
ADDING_REQUESTS = frozenset({"appendCells", "appendDimension", "addSheet", "insertDimension", "insertRange",
                             "duplicateSheet", "addNamedRange", "addProtectedRange"})


def adds_something(method: str, endpoint: str, json: Optional[Mapping[str, Any]]) -> bool:
    """Whether sending this request twice could change the sheet twice (so it is not retried blind)."""
    if method.upper() != "POST":
        return False
    path = endpoint.split("?", 1)[0]
    if path.endswith(":append"):
        return True
    if path.endswith(":batchUpdate") and "/values" not in path:
        return any(kind in ADDING_REQUESTS for request in (json or {}).get("requests", []) for kind in request)
    return False


def quota_kind(method: str, endpoint: str) -> str:
    """Which per-minute quota Google counts a request against: ``read`` (a GET, or a read by data
    filter, which is sent as a POST) or ``write`` (everything else)."""
    path = endpoint.split("?", 1)[0]
    if method.upper() == "GET" or path.endswith((":batchGetByDataFilter", ":getByDataFilter")):
        return "read"
    return "write"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most ``attempts`` requests and ``budget`` seconds in all."""

    attempts: int
    budget: float
    base_delay: float
    max_delay: float
    timeout: float


POLICIES: dict[str, RetryPolicy] = {
    # A person is waiting: give up within a few seconds and keep the submission on disk instead.
    "web": RetryPolicy(attempts=3, budget=6.0, base_delay=0.5, max_delay=2.0, timeout=10.0),
    # Cron can wait out a per-minute quota.
    "cron": RetryPolicy(attempts=7, budget=180.0, base_delay=2.0, max_delay=65.0, timeout=60.0),
}


def retry_after_seconds(response: requests.Response | None, now: Callable[[], float] = time.time) -> float | None:
    """The Retry-After header in seconds (a number or an HTTP date), or None."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded retries, paced by ``limiter`` (none: not paced) as ``who``
    (``page``, ``refresh`` or ``job``: ``sheets.quota``). ``sleep``/``clock``/``jitter`` can be replaced in tests."""

    def __init__(self, auth: Any, session: Optional[requests.Session] = None, *,
                 policy: RetryPolicy = POLICIES["web"],
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random,
                 limiter: "QuotaLimiter | None" = None, who: "Who" = "page") -> None:
        super().__init__(auth, session)
        self.policy = policy
        self.limiter, self.who = limiter, who
        self.sleep, self.clock, self.jitter = sleep, clock, jitter
        self.timeout = policy.timeout
        self.attempts_made = 0  # requests sent by the last call, for logs and tests

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for the wait after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self.jitter())

    def request(self, method: str, endpoint: str, params: Optional[ParamsType] = None,
                data: Optional[bytes] = None, json: Optional[Mapping[str, Any]] = None,
                files: Any = None, headers: Optional[MutableMapping[str, str]] = None) -> requests.Response:
        started = self.clock()
        adding = adds_something(method, endpoint, json)
        kind = quota_kind(method, endpoint)
        attempt, paced = 0, 0.0
        while True:
            attempt += 1
            self.attempts_made = attempt
            if self.limiter is not None:
                before = self.clock()
                self.limiter.take(kind, self.who)  # type: ignore[arg-type]
                paced += self.clock() - before
            response: requests.Response | None = None
            reached = True  # whether the request may have reached Google (and been applied)
            try:
                response = self.session.request(method=method, url=endpoint, json=json, params=params, data=data,
                                                files=files, headers=headers, timeout=self.timeout)
            except requests.ConnectTimeout:
                reason, reached = "the connection timed out", False
            except requests.Timeout:
                reason = "the request timed out"
            except requests.exceptions.ChunkedEncodingError:
                reason = "the reply was cut off"
            except requests.exceptions.ContentDecodingError:
                reason = "the reply could not be decoded"
            except requests.ConnectionError:
                reason = "the connection failed"
            else:
                if response.ok:
                    if whole_json(response):
                        return response
                    reason = "the reply was cut off (not whole JSON)"
                elif response.status_code not in RETRYABLE_STATUS:
                    raise APIError(response)
                elif response.status_code == 429:
                    reason, reached = "the Google Sheets quota was used up (HTTP 429)", False
                else:
                    reason = f"Google Sheets answered HTTP {response.status_code}"
            spent = self.clock() - started - paced
            if adding and reached:
                raise WriteUncertain(f"The spreadsheet may or may not have taken a write: {reason} "
                                     f"(attempt {attempt} in {spent:.1f}s)")
            wait = self.backoff(attempt)
            asked = retry_after_seconds(response)
            if asked is not None:
                wait = max(wait, asked)
            if attempt >= self.policy.attempts or spent + wait > self.policy.budget:
                raise SheetUnavailable(
                    f"The spreadsheet could not be reached: {reason} "
                    f"({attempt} attempt{'s' if attempt > 1 else ''} in {spent:.1f}s)"
                )
            self.sleep(wait)


def whole_json(response: requests.Response) -> bool:
    """Whether a JSON reply's body parses whole; it is parsed once and kept for gspread."""
    if "json" not in response.headers.get("Content-Type", "json"):
        return True
    try:
        parsed = response.json()
    except ValueError:
        return False
    response.json = lambda **_: parsed  # type: ignore[method-assign]
    return True
