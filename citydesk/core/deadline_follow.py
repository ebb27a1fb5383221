"""Open deadlines follow a change of the working calendar.

A day off announced late (a Tết bridge, a day in exchange for a working Saturday) used to leave every
deadline already set where it was: officers showed as late for days they were officially off, and a
swapped working Saturday gave nobody the day it added. Now, when an administrator adds, changes, moves or
removes a calendar change for today or a later day, each open item keeps the same amount of working time
left: what remained from now (or from the start of the changed day, if later) to its due time under the
calendar before the change is counted again under the new one.

- A day off added inside the window moves the due time one working day later (its office hours are not
  counted); a working day added brings it one day earlier; a due time before the change does not move.
- A due time at the close of a working day stays at a close (whole days); a time in working hours moves
  to the minute.
- A changed day in the past changes no deadline: the time already counted is history.

Each app registers what it keeps deadlines on (reports, dossiers) with `register`; the calendar's writes
(`core.calendar_changes`, the back office) call `deadlines_follow` in their transaction, so the change
and the deadlines it moves are one write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

from citydesk.lib.workdays import WorkCalendar


@dataclass(frozen=True)
class Shift:
    """The calendar before and after a change, and the moment from which time left is counted."""

    before: WorkCalendar
    after: WorkCalendar
    anchor: dt.datetime
    reason: str  # the change's name, for the items' history ("Nghỉ bù Quốc khánh")

    def moved(self, due: dt.datetime | None) -> dt.datetime | None:
        """`due` under the new calendar, or None when it does not move."""
        if due is None or due <= self.anchor:
            return None
        left = self.before.working_time_between(self.anchor, due)
        if not left:
            return None
        new = self.after.add_working_hours(self.anchor, left)
        local_due = timezone.localtime(due, self.before.tz)
        if local_due == self.before.close_of(local_due.date()):  # a limit in days ends at a close
            new = self.after.close_of(timezone.localtime(new, self.after.tz).date())
        return None if new == due else new


def _now() -> dt.datetime:
    return timezone.now()  # a function, so that tests can set the moment of a change


Follower = Callable[[Shift], int]
_FOLLOWERS: dict[str, Follower] = {}


def register(name: str, follower: Follower) -> None:
    """`follower(shift)` moves the open deadlines of one kind of item and returns how many it moved."""
    _FOLLOWERS[name] = follower


def deadlines_follow(
    before: WorkCalendar,
    after: WorkCalendar,
    days: Iterable[dt.date],
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Move the open deadlines a change of `days` touches; {kind: items moved}. Days before today are
    history and move nothing."""
    now = now or _now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    coming = sorted(d for d in days if d >= today)
    if not coming:
        return {}
    start = dt.datetime.combine(coming[0], dt.time.min, tzinfo=timezone.get_default_timezone())
    shift = Shift(before=before, after=after, anchor=max(now, start), reason=reason)
    return {name: follower(shift) for name, follower in _FOLLOWERS.items()}
