from datetime import datetime, timedelta

from pytz import utc

from odoo.tests import tagged

from .common import CskhCommon

# Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving time)
HCM_OFFSET = timedelta(hours=7)


def hcm(*args):
    """Naive UTC datetime of a wall-clock time in Asia/Ho_Chi_Minh."""
    return datetime(*args) - HCM_OFFSET


@tagged('post_install', '-at_install', 'cskh')
class TestResourceCalendar(CskhCommon):
    """The working-time arithmetic of the helpdesk (``resource.calendar._cskh_*``) on its
    own: office hours 08:00-17:00 Monday to Friday, in Ho Chi Minh City and in UTC, with a
    public holiday on Monday 23 November 2026 in Ho Chi Minh City."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar_hcm = cls._create_calendar('Giờ hành chính HCM', 'Asia/Ho_Chi_Minh')
        cls.calendar_utc = cls._create_calendar('Office hours UTC', 'UTC')
        cls.env['resource.calendar.leaves'].create({
            'name': 'Ngày lễ',
            'calendar_id': cls.calendar_hcm.id,
            'date_from': hcm(2026, 11, 23, 0, 0),
            'date_to': hcm(2026, 11, 23, 23, 59, 59),
        })
        cls.no_calendar = cls.env['resource.calendar']

    @classmethod
    def _create_calendar(cls, name, tz):
        return cls.env['resource.calendar'].create({
            'name': name,
            'tz': tz,
            'attendance_ids': [(5, 0, 0)] + [
                (0, 0, {'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 8, 'hour_to': 17,
                        'day_period': 'full_day'})
                for day in range(5)
            ],
        })

    def _core_plan_hours(self, calendar, hours, start):
        """Odoo's own answer (public holidays excluded), as a naive UTC datetime."""
        deadline = calendar.plan_hours(hours, start.replace(tzinfo=utc), compute_leaves=True)
        return deadline.astimezone(utc).replace(tzinfo=None)

    # ------------------------------------------------------------
    # PLAN HOURS
    # ------------------------------------------------------------

    def test_plan_hours_skips_public_holiday(self):
        # Friday 15:00 + 4 working hours: Friday 15-17, then 2 hours of the next working
        # day, Tuesday since Monday is a public holiday in Ho Chi Minh City
        friday_15 = hcm(2026, 11, 20, 15, 0)
        self.assertEqual(self.calendar_hcm._cskh_plan_hours(4, friday_15), hcm(2026, 11, 24, 10, 0))
        # the same office hours without the holiday: Monday
        friday_15_utc = datetime(2026, 11, 20, 15, 0)
        self.assertEqual(self.calendar_utc._cskh_plan_hours(4, friday_15_utc), datetime(2026, 11, 23, 10, 0))

    def test_plan_hours_time_zones(self):
        # Tuesday 24 Nov 08:00 UTC is 15:00 in Ho Chi Minh City: two working hours left there
        start = datetime(2026, 11, 24, 8, 0)
        self.assertEqual(self.calendar_utc._cskh_plan_hours(3, start), datetime(2026, 11, 24, 11, 0))
        self.assertEqual(self.calendar_hcm._cskh_plan_hours(3, start), hcm(2026, 11, 25, 9, 0))
        # outside working hours: the time starts at the next opening, in the calendar's zone
        saturday = datetime(2026, 11, 28, 12, 0)
        self.assertEqual(self.calendar_utc._cskh_plan_hours(1, saturday), datetime(2026, 11, 30, 9, 0))
        self.assertEqual(self.calendar_hcm._cskh_plan_hours(1, saturday), hcm(2026, 11, 30, 9, 0))

    def test_plan_hours_over_14_day_windows(self):
        """The intervals are walked by 14-day windows (as ``plan_hours``): a plan longer
        than a window, and plans whose starts are further apart than a window, give
        Odoo's answer."""
        start = hcm(2026, 11, 20, 15, 0)
        # 100 working hours: Friday's 2, then 10 working days and 8 hours, over three
        # weeks and a holiday
        self.assertEqual(self.calendar_hcm._cskh_plan_hours(100, start), hcm(2026, 12, 8, 16, 0))
        plans = [(start, 100), (start + timedelta(days=20), 5), (start + timedelta(days=45), 200)]
        for calendar in (self.calendar_hcm, self.calendar_utc):
            self.assertEqual(
                calendar._cskh_plan_hours_batch(plans),
                [self._core_plan_hours(calendar, hours, when) for when, hours in plans])

    def test_plan_hours_batch_same_as_single(self):
        starts = [
            hcm(2026, 11, 20, 15, 0),   # Friday afternoon, before the holiday
            hcm(2026, 11, 21, 10, 0),   # Saturday
            hcm(2026, 11, 23, 9, 30),   # on the holiday
            hcm(2026, 11, 24, 16, 45),  # just before closing
            hcm(2026, 12, 20, 8, 0),    # a month later
        ]
        plans = [(start, hours) for start in starts for hours in (0, 0.5, 2, 9, 30)]
        for calendar in (self.calendar_hcm, self.calendar_utc, self.no_calendar):
            batch = calendar._cskh_plan_hours_batch(plans)
            self.assertEqual(batch, [calendar._cskh_plan_hours(hours, start) for start, hours in plans])
            if calendar:
                self.assertEqual(batch, [self._core_plan_hours(calendar, hours, start) for start, hours in plans])

    def test_plan_hours_negative(self):
        # backwards from Tuesday 10:00: Tuesday 8-10, then Friday (Monday is a holiday)
        tuesday_10 = hcm(2026, 11, 24, 10, 0)
        self.assertEqual(self.calendar_hcm._cskh_plan_hours(-4, tuesday_10), hcm(2026, 11, 20, 15, 0))
        self.assertEqual(
            self.calendar_hcm._cskh_plan_hours_batch([(tuesday_10, -4), (tuesday_10, 4)]),
            [hcm(2026, 11, 20, 15, 0), hcm(2026, 11, 24, 14, 0)])

    def test_plan_hours_without_calendar(self):
        start = datetime(2026, 11, 21, 10, 0)
        self.assertEqual(self.no_calendar._cskh_plan_hours(30, start), start + timedelta(hours=30))
        self.assertEqual(
            self.no_calendar._cskh_plan_hours_batch([(start, 2), (start, -2)]),
            [start + timedelta(hours=2), start - timedelta(hours=2)])

    # ------------------------------------------------------------
    # WORK HOURS
    # ------------------------------------------------------------

    def test_work_hours_skips_public_holiday(self):
        # Friday 15:00 to Tuesday 10:00 in Ho Chi Minh City: Friday 15-17 and Tuesday 8-10,
        # Monday being a holiday
        start, end = hcm(2026, 11, 20, 15, 0), hcm(2026, 11, 24, 10, 0)
        self.assertEqual(self.calendar_hcm._cskh_work_hours(start, end), 4.0)
        self.assertEqual(self.calendar_hcm._cskh_work_hours_batch([(start, end)]), [4.0])
        # the same wall-clock times in UTC, without the holiday: 2 + 9 + 2 hours
        self.assertEqual(
            self.calendar_utc._cskh_work_hours(datetime(2026, 11, 20, 15, 0), datetime(2026, 11, 24, 10, 0)), 13.0)

    def test_work_hours_time_zones(self):
        # Tuesday 24 Nov 00:00-12:00 UTC is 07:00-19:00 in Ho Chi Minh City
        start, end = datetime(2026, 11, 24, 0, 0), datetime(2026, 11, 24, 12, 0)
        self.assertEqual(self.calendar_utc._cskh_work_hours(start, end), 4.0)
        self.assertEqual(self.calendar_hcm._cskh_work_hours(start, end), 9.0)

    def test_work_hours_batch_same_as_single(self):
        """One walk of the work intervals for periods of different starts and ends (e.g.
        tickets paused at different times) gives each period's own answer, over more
        than 14 days too; a period ending before it starts has no working time."""
        periods = [
            (hcm(2026, 11, 20, 15, 0), hcm(2026, 11, 24, 10, 0)),
            (hcm(2026, 11, 21, 10, 0), hcm(2026, 11, 23, 12, 0)),   # weekend and holiday only
            (hcm(2026, 11, 2, 8, 30), hcm(2026, 11, 27, 16, 0)),    # more than three weeks
            (hcm(2026, 11, 24, 16, 0), hcm(2026, 11, 24, 16, 0)),   # empty
            (hcm(2026, 11, 25, 9, 0), hcm(2026, 11, 24, 9, 0)),     # backwards
        ]
        for calendar in (self.calendar_hcm, self.calendar_utc):
            batch = calendar._cskh_work_hours_batch(periods)
            self.assertEqual(batch[-1], 0.0)
            for (start, end), hours in zip(periods[:-1], batch[:-1]):
                self.assertAlmostEqual(hours, calendar._cskh_work_hours(start, end), places=6)
        self.assertEqual(self.calendar_hcm._cskh_work_hours_batch(periods)[:4], [4.0, 0.0, 169.5, 0.0])

    def test_work_hours_without_calendar(self):
        start, end = datetime(2026, 11, 21, 10, 0), datetime(2026, 11, 23, 12, 0)
        self.assertEqual(self.no_calendar._cskh_work_hours(start, end), 50.0)
        self.assertEqual(self.no_calendar._cskh_work_hours_batch([(start, end), (end, start)]), [50.0, -50.0])
