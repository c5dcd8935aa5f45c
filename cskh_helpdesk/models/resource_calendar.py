from datetime import datetime, time, timedelta

from pytz import timezone, utc

from odoo import api, models
from odoo.tools import ormcache
from odoo.tools.date_utils import localized

# the windows in which resource.calendar.plan_hours walks the work intervals, and how
# many of them it walks from a start before giving up
PLAN_WINDOW = timedelta(days=14)
PLAN_MAX_WINDOWS = 100
# writes of only these fields (other apps rename calendars and attendances) keep the
# cached work intervals of every worker; any other field may change the work time
CALENDAR_LABEL_FIELDS = frozenset({'name'})
ATTENDANCE_LABEL_FIELDS = frozenset({'name', 'sequence'})


class ResourceCalendar(models.Model):
    """Working-time arithmetic of the helpdesk (SLA deadlines, paused time, response and
    resolution times in working hours), in batches: one walk of the work intervals of a
    calendar answers for many tickets.

    Every method works on an empty recordset too (a ticket without calendar): the answer
    is then in plain hours. Datetimes in and out are naive UTC; public holidays and other
    global leaves of the calendar are not working time."""
    _inherit = 'resource.calendar'

    def _cskh_plan_hours(self, hours, start):
        """``start`` + ``hours`` of working time (naive UTC); plain hours when there is
        no calendar or it has no working time at all."""
        return self._cskh_plan_hours_batch([(start, hours)])[0]

    def _cskh_plan_hours_batch(self, plans):
        """``_cskh_plan_hours`` of each ``(start, hours)`` of ``plans``, walking the work
        intervals once for all of them, by the same 14-day windows as ``plan_hours``:
        the policies of tickets created together, the deadlines of many tickets leaving
        a waiting stage, cost the queries of one."""
        if not self or any(hours < 0 for _start, hours in plans):
            return [
                (self and self.plan_hours(hours, start, compute_leaves=True)) or start + timedelta(hours=hours)
                for start, hours in plans
            ]
        self.ensure_one()
        starts = [localized(start) for start, _hours in plans]
        pending = {index: hours for index, (_start, hours) in enumerate(plans)}  # hours still to plan
        deadlines = {}
        # windows from midnight UTC of the earliest start: the tickets of a day share them
        origin = datetime.combine(min(starts).astimezone(utc).date(), time.min, tzinfo=utc)
        # plan_hours gives up after PLAN_MAX_WINDOWS windows from a start
        for n in range(PLAN_MAX_WINDOWS + 1 + (max(starts) - origin) // PLAN_WINDOW):
            if not pending:
                break
            for begin, end in self._cskh_window_intervals(origin + PLAN_WINDOW * n):
                for index, hours in list(pending.items()):
                    if end <= starts[index]:
                        continue
                    begin_here = max(begin, starts[index])
                    interval_hours = (end - begin_here).total_seconds() / 3600
                    if hours <= interval_hours:
                        deadlines[index] = (begin_here + timedelta(hours=hours)).astimezone(utc).replace(tzinfo=None)
                        del pending[index]
                    else:
                        pending[index] = hours - interval_hours
        # no working time at all: plain hours
        return [deadlines.get(index) or start + timedelta(hours=hours) for index, (start, hours) in enumerate(plans)]

    @ormcache('self.id', 'window_start', 'tuple(self.env.companies.ids)')
    def _cskh_window_intervals(self, window_start):
        """Work intervals ``(begin, end)`` (aware datetimes) of the ``PLAN_WINDOW`` from
        ``window_start``, public holidays excluded: what every new ticket's SLA deadlines
        are planned on, cached (four queries and the interval arithmetic for every ticket
        otherwise). Changes to calendars, their attendances and global leaves clear it."""
        self.ensure_one()
        return tuple(
            (begin, end)
            for begin, end, _meta in self._work_intervals_batch(window_start, window_start + PLAN_WINDOW)[False])

    def write(self, vals):
        if not vals.keys() <= CALENDAR_LABEL_FIELDS:
            self.env.registry.clear_cache()  # _cskh_window_intervals
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # _cskh_window_intervals
        return super().unlink()

    def _cskh_work_hours(self, start, end):
        """Working hours between two naive UTC datetimes; plain hours without calendar."""
        if not self:
            return (end - start).total_seconds() / 3600
        return self.get_work_hours_count(start, end, compute_leaves=True)

    def _cskh_work_hours_batch(self, periods):
        """``_cskh_work_hours`` of each ``(start, end)`` of ``periods`` (e.g. the time each
        ticket spent paused), from one walk of the work intervals between the earliest
        start and the latest end: moving many tickets out of a waiting stage costs no
        query per ticket. A period ending before it starts has no working time."""
        if not self:
            return [(end - start).total_seconds() / 3600 for start, end in periods]
        self.ensure_one()
        periods_utc = [(start.replace(tzinfo=utc), end.replace(tzinfo=utc)) for start, end in periods]
        first = min((start for start, _end in periods_utc), default=None)
        last = max((end for _start, end in periods_utc), default=None)
        intervals = self._work_intervals_batch(first, last)[False] if periods_utc and first < last else []
        return [
            sum((min(stop, end) - max(begin, start)).total_seconds() / 3600
                for begin, stop, _meta in intervals if stop > start and begin < end)
            if start < end else 0.0
            for start, end in periods_utc
        ]

    def _cskh_working_days_before(self, days, now):
        """Start (naive UTC) of the ``days``-th working day before the day of ``now``:
        a ticket untouched since before it went ``days`` whole working days (today not
        counted) without news, e.g. the auto-close delays. Weekends, public holidays and
        other global leaves of the calendar are skipped; without a calendar (or without
        working time) plain days, counted from today's midnight UTC."""
        today = datetime.combine(now.date(), time.min)
        if not self:
            return today - timedelta(days=days)
        self.ensure_one()
        tz = timezone(self.tz or 'UTC')
        midnight = tz.localize(datetime.combine(utc.localize(now).astimezone(tz).date(), time.min))
        start = days > 0 and self.plan_days(-days, midnight, compute_leaves=True)
        if not start:
            return today - timedelta(days=days)
        return start.astimezone(utc).replace(tzinfo=None)


class ResourceCalendarAttendance(models.Model):
    """Working hours of calendars: a change clears the cached work intervals."""
    _inherit = 'resource.calendar.attendance'

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().create(vals_list)

    def write(self, vals):
        if not vals.keys() <= ATTENDANCE_LABEL_FIELDS:
            self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().unlink()


class ResourceCalendarLeaves(models.Model):
    """Public holidays and other global leaves (without resource): a change clears the
    cached work intervals. Time off of one resource does not (the helpdesk plans on the
    calendar, not on people)."""
    _inherit = 'resource.calendar.leaves'

    @api.model_create_multi
    def create(self, vals_list):
        if any(not vals.get('resource_id') for vals in vals_list):
            self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().create(vals_list)

    def write(self, vals):
        if 'resource_id' in vals or not all(leave.resource_id for leave in self):
            self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().write(vals)

    def unlink(self):
        if not all(leave.resource_id for leave in self):
            self.env.registry.clear_cache()  # resource.calendar._cskh_window_intervals
        return super().unlink()
