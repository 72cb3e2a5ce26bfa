"""A regular time's pattern (pure): a weekday and wall-clock time in the therapist's zone,
every one or two weeks from its first date, perhaps paused until a date. Its dates, the
moment each falls on (none on a day the clocks skip that time), the time it will take
between two moments, and whether it can move to another time near a date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from bot.rules.series import local_instant

# A new time for "this and following" is at most this many days from the session's date,
# so every week keeps one session and no two weeks run into each other.
SHIFT_DAYS = 6


@dataclass(frozen=True)
class Pattern:
    first_day: date  # in the therapist's zone
    wall_minute: int  # minutes after local midnight
    rhythm: int  # weeks between dates
    tz: tzinfo  # the therapist's zone
    paused_until: date | None = None  # no date before it is booked

    @property
    def wall(self) -> time:
        return time(self.wall_minute // 60, self.wall_minute % 60)

    def days(self, first: date, last: date) -> list[date]:
        """The pattern's dates in [first, last]."""
        step = 7 * self.rhythm
        offset = max((first - self.first_day).days, 0)
        day = self.first_day + timedelta(days=-(-offset // step) * step)
        days = []
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
        return days

    def moment(self, day: date) -> datetime | None:
        """The UTC moment of its wall time on `day`; None when the clocks skip it."""
        return local_instant(day, self.wall, self.tz)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def paused_on(self, day: date) -> bool:
        return self.paused_until is not None and day < self.paused_until

    def is_paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > self.day_of(now)

    def resumes_after(self, now: datetime, weeks: int) -> date:
        """The first date it books again after a pause of `weeks` weeks from today."""
        return self.day_of(now) + timedelta(weeks=weeks)

    def projected(
        self, length: timedelta, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The times it will take between start and end (pauses honoured)."""
        times = []
        for day in self.days(self.day_of(start), self.day_of(end) + timedelta(days=1)):
            if self.paused_on(day):
                continue
            moment = self.moment(day)
            if moment is not None and start <= moment < end:
                times.append((moment, moment + length))
        return times

    def first_moment(self) -> datetime:
        """The moment of its first date the clocks do not skip (for "Tuesdays, 19:00" in
        another zone)."""
        day = self.first_day
        moment = self.moment(day)
        while moment is None:
            day += timedelta(weeks=self.rhythm)
            moment = self.moment(day)
        return moment

    def shift_to(self, stands_for: date, starts_at: datetime) -> timedelta:
        """How far a session standing for `stands_for` moves to start at `starts_at`, in
        whole days of the therapist's calendar."""
        return self.day_of(starts_at) - stands_for

    def can_shift(self, stands_for: date, starts_at: datetime) -> bool:
        """Whether it can move from the session of `stands_for` to a time starting then:
        near enough to that date, and not its own time."""
        local = starts_at.astimezone(self.tz)
        shift = local.date() - stands_for
        moved = bool(shift) or local.hour * 60 + local.minute != self.wall_minute
        return abs(shift.days) <= SHIFT_DAYS and moved

    def shifted(self, starts_at: datetime) -> Pattern:
        """The pattern going on from a session at `starts_at`: its weekday and time."""
        local = starts_at.astimezone(self.tz)
        return replace(self, first_day=local.date(), wall_minute=local.hour * 60 + local.minute)
