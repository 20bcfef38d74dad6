"""A send budget: at most `per_second` sends a second, evenly spaced, pausable after a 429."""

from __future__ import annotations

import asyncio


class RateBudget:
    """Hands out send slots 1/per_second apart; a slot not used can be given back."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("a budget needs a positive rate")
        self.per_second = per_second
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def acquire(self) -> None:
        """Wait for the next slot."""
        async with self._lock:
            now = self._now()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def give_back(self) -> None:
        """The slot just taken was not used."""
        self._next = max(self._now(), self._next - self._interval)

    def pause(self, seconds: float) -> None:
        """No slot for the next `seconds` (the platform said: retry after)."""
        self._next = max(self._next, self._now() + seconds)
