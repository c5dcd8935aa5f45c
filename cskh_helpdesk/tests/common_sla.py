from datetime import datetime, timedelta

from freezegun import freeze_time

from .common import CskhCommon


def local(*args):
    """Naive UTC datetime of a wall-clock time in Asia/Ho_Chi_Minh (UTC+7, no DST)."""
    return datetime(*args) - timedelta(hours=7)


class CskhSlaCommon(CskhCommon):
    """The team works 08:00-17:00 Monday to Friday in Asia/Ho_Chi_Minh, with a first
    response policy (2 working hours, all tickets) and a resolution policy
    (8 working hours, high priority and up)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env['resource.calendar'].create({
            'name': 'Giờ hành chính 08:00-17:00',
            'tz': 'Asia/Ho_Chi_Minh',
            'attendance_ids': [(5, 0, 0)] + [
                (0, 0, {'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 8, 'hour_to': 17,
                        'day_period': 'full_day'})
                for day in range(5)
            ],
        })
        cls.team.resource_calendar_id = cls.calendar
        cls.sla_response = cls.env['cskh.sla'].create({
            'name': 'Phản hồi trong 2 giờ',
            'team_id': cls.team.id,
            'target': 'first_response',
            'time': 2,
        })
        cls.sla_resolution = cls.env['cskh.sla'].create({
            'name': 'Xử lý trong 1 ngày',
            'team_id': cls.team.id,
            'target': 'resolution',
            'stage_id': cls.stage_solved.id,
            'time': 8,
            'priority': '2',
        })

    def _create_ticket_at(self, when, **values):
        """Create a ticket as if at ``when`` (naive UTC): the creation date comes from
        the transaction's clock, reset under the frozen time."""
        with freeze_time(when):
            self.env.cr._now = datetime.now()
            ticket = self._create_ticket(**values)
            ticket.flush_recordset()
        return ticket

    def _write_at(self, when, records, values):
        with freeze_time(when):
            self.env.cr._now = datetime.now()
            records.write(values)
            records.env.flush_all()

    def _line(self, ticket, sla):
        return ticket.sla_status_ids.filtered(lambda line: line.sla_id == sla)

    def _run_cron_at(self, when):
        """Run the escalation cron as the scheduler does (own cursor, progress API)."""
        with freeze_time(when), self.enter_registry_test_mode():
            self.env.ref('cskh_helpdesk.cskh_ticket_sla_cron_escalate').method_direct_trigger()
