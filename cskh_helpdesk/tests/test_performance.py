from datetime import datetime
from email.message import EmailMessage

from freezegun import freeze_time

from odoo.tests import tagged, users, warmup

from .common import CskhCommon, CskhSlaCommon, local


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestMailPerformance(CskhCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # every per-email feature on: acknowledgement, keyword rules, SLA, auto-assignment
        cls.team.write({
            'ack_template_id': cls.env.ref('cskh_helpdesk.mail_template_ticket_ack').id,
            'assign_method': 'balanced',
            'use_sla': True,
        })
        cls.env['cskh.sla'].create({
            'name': 'Phản hồi trong 2 giờ', 'team_id': cls.team.id, 'target': 'first_response', 'time': 2})
        cls.env['cskh.auto.reply'].create({'name': 'Mật khẩu', 'keywords': 'mat khau'})

    def _raw(self, index):
        message = EmailMessage()
        message['Subject'] = f'Yêu cầu số {index}'
        message['From'] = f'Khách {index} <khach{index}@example.vn>'
        message['To'] = self.team.alias_email
        message['Message-Id'] = f'<perf-{index}-{self.id()}@example.vn>'
        message.set_content('Xin hỗ trợ giúp tôi.')
        return message.as_bytes()

    def _email_counted(self, existing, queries):
        """Ticket from an email (partner, followers, acknowledgement, rules, SLA, balanced
        assignment) in a team that already has ``existing`` open tickets."""
        self.env['cskh.ticket'].create([{
            'name': f'Ticket {i}', 'team_id': self.team.id, 'partner_email': f'old{i}@example.vn',
            'user_id': (self.user_agent, self.user_agent_2)[i % 2].id,
        } for i in range(existing)])
        # their acknowledgements are sent at commit: not part of the measured mail
        self.env.cr.precommit.run()
        # a mail comes in its own transaction: nothing in the record cache
        self.env.invalidate_all()
        index = getattr(self, '_perf_index', 0) + 1
        self._perf_index = index
        with self.mock_mail_gateway(), self.assertQueryCount(__system__=queries):
            self.env['mail.thread'].message_process(False, self._raw(index))
            self.env.cr.precommit.run()
        ticket = self.env['cskh.ticket'].search([('partner_email', '=', f'khach{index}@example.vn')])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment'))
        self.assertIn(ticket.user_id, self.user_agent | self.user_agent_2)
        self.assertEqual(ticket.sla_status_ids.sla_id.name, 'Phản hồi trong 2 giờ')

    @users('__system__')
    @warmup
    def test_ticket_from_email_10(self):
        # 101: the mail module's bounce reset (_routing_reset_bounce) searches the models with
        # bounce counters on every mail, one query the add-on no longer saves by replacing it
        self._email_counted(10, 101)

    @users('__system__')
    @warmup
    def test_ticket_from_email_100(self):
        self._email_counted(100, 101)


FRIDAY_15 = local(2026, 11, 20, 15, 0)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestSlaPerformance(CskhSlaCommon):
    """The SLA cron and the ticket kanban cost the same number of queries whatever
    the number of tickets."""

    def _create_tickets(self, count, when=FRIDAY_15, **values):
        with freeze_time(when):
            self.env.cr._now = datetime.now()
            tickets = self.env['cskh.ticket'].create([{
                **values,
                'name': f'Ticket {i}',
                'team_id': self.team.id,
                'priority': '2',
                'user_id': (self.user_agent, self.user_agent_2)[i % 2].id,
            } for i in range(count)])
        self.env.flush_all()
        self.env.invalidate_all()
        return tickets

    def _run_cron_counted(self, count, queries, open_count=0):
        tickets = self._create_tickets(count)
        # open tickets created on Monday morning: due later that day, after the cron run
        on_time = self._create_tickets(open_count, when=local(2026, 11, 24, 8, 0))
        with self.assertQueryCount(queries):
            self._run_cron_at(local(2026, 11, 24, 9, 0))
        self.env.invalidate_all()
        self.assertEqual(set(tickets.mapped('escalation_level')), {1})
        self.assertEqual(set(tickets.sla_status_ids.mapped('status')), {'failed'})
        self.assertEqual(len(tickets.activity_ids), count)
        # one Message-Id per note: thousands sharing one mislead the gateway's duplicate check
        notes = self.env['mail.message'].search([
            ('model', '=', 'cskh.ticket'), ('res_id', 'in', tickets.ids), ('body', 'ilike', 'SLA missed')])
        self.assertEqual(len(notes), count)
        self.assertEqual(len(set(notes.mapped('message_id'))), count)
        self.assertEqual(set(on_time.sla_status_ids.mapped('status')), {'ongoing'} if open_count else set())
        self.assertFalse(any(on_time.mapped('escalation_level')))

    # the notes and activities are written in the leaders' language (the cron runs in
    # English): one query reads the leaders' language, whatever the number of tickets
    @warmup
    def test_cron_escalate_10(self):
        self._run_cron_counted(10, 49)

    @warmup
    def test_cron_escalate_50(self):
        self._run_cron_counted(50, 49)

    @warmup
    def test_cron_escalate_100(self):
        # 200 SLA lines: the ORM flushes updates by chunks of 100 rows (UPDATE_BATCH_SIZE),
        # hence one UPDATE more; a cron batch (1,000 lines at most) stays bounded
        self._run_cron_counted(100, 50)

    @warmup
    def test_cron_escalate_10_among_1000_open(self):
        # the overdue lines are found from the partial deadline index: the open tickets
        # that are not late cost nothing, but for one query: their next deadline is
        # compared with the cron's interval to decide on a wake-up
        self._run_cron_counted(10, 50, open_count=1000)

    def _resume_counted(self, count, queries):
        """Tickets leave the waiting stage together: their deadlines move by the working
        time spent paused, planned in one walk over the calendar for all of them. (Odoo's
        stage tracking messages, one per ticket as for any tracked model, are posted at
        commit and not counted here, as in the stage write test of test_performance_load.)"""
        tickets = self._create_tickets(count, stage_id=self.stage_waiting.id)
        self.assertTrue(all(tickets.mapped('sla_pause_date')))
        deadlines = {line: line.deadline for line in tickets.sla_status_ids}
        self.env.invalidate_all()
        with freeze_time(local(2026, 11, 23, 10, 0)):
            self.env.cr._now = datetime.now()
            start = self.env.cr.sql_log_count
            tickets.write({'stage_id': self.stage_progress.id})
            self.env.flush_all()
            self.assertEqual(self.env.cr.sql_log_count - start, queries)
        # paused from Friday 15:00 to Monday 10:00: 4 working hours (Friday 15-17, Monday 8-10)
        self.assertEqual(set(tickets.mapped('sla_paused_hours')), {4.0})
        for line, deadline in deadlines.items():
            self.assertGreater(line.deadline, deadline)
        self.assertEqual(len({line.deadline for line in tickets.sla_status_ids}), 2)

    @warmup
    def test_resume_10(self):
        self._resume_counted(10, 18)

    @warmup
    def test_resume_100(self):
        # 200 SLA lines: the ORM flushes updates by chunks of 100 rows, hence one UPDATE more
        self._resume_counted(100, 19)

    def _read_kanban_counted(self, count, queries):
        self._create_tickets(count)
        Ticket = self.env['cskh.ticket']
        view = Ticket.get_views([(False, 'kanban')])
        spec = {name: {} for name in view['models']['cskh.ticket']['fields']
                if Ticket._fields[name].type not in ('one2many', 'many2many')}
        self.env.invalidate_all()
        with freeze_time(local(2026, 11, 23, 12, 0)), self.assertQueryCount(queries):
            result = Ticket.web_search_read([('team_id', '=', self.team.id)], spec)
        self.assertEqual(result['length'], count)
        self.assertEqual({record['sla_state'] for record in result['records']}, {'failed'})

    @users('cskh_agent')
    @warmup
    def test_kanban_read_10(self):
        self._read_kanban_counted(10, 3)

    @users('cskh_agent')
    @warmup
    def test_kanban_read_50(self):
        self._read_kanban_counted(50, 3)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestReportingPerformance(CskhSlaCommon):
    """The team overview and the tickets analysis cost the same number of queries
    whatever the number of teams and tickets."""

    def _create_teams(self, count):
        teams = self.env['cskh.team'].create([{
            'name': f'Nhóm {i}',
            'member_ids': [(6, 0, self.user_manager.ids)],
            'stage_ids': [(6, 0, self.stages.ids)],
            'use_survey': True,
            'use_sla': i % 2 == 0,
        } for i in range(count)])
        with freeze_time(FRIDAY_15):
            self.env.cr._now = datetime.now()
            tickets = self.env['cskh.ticket'].create([{
                'name': f'Ticket {i}',
                'team_id': team.id,
                'partner_id': self.customer.id,
                'priority': str(i % 4),
                'user_id': self.user_manager.id if i % 3 else False,
            } for i, team in enumerate(teams) for _j in range(3)])
            tickets.write({'date_first_response': datetime.now()})
            self.env['cskh.survey.response'].create([{
                'ticket_id': ticket.id, 'closure_key': 1, 'partner_id': self.customer.id,
                'state': 'answered', 'date': datetime.now(), 'csat': 4,
            } for ticket in tickets])
        self.env.flush_all()
        self.env.invalidate_all()
        return teams

    def _read_dashboard_counted(self, count, queries):
        teams = self._create_teams(count)
        Team = self.env['cskh.team'].with_context(tz='Asia/Ho_Chi_Minh')
        view = Team.get_views([(self.env.ref('cskh_helpdesk.cskh_team_view_kanban').id, 'kanban')])
        spec = {name: {} for name in view['models']['cskh.team']['fields']
                if Team._fields[name].type not in ('one2many', 'many2many')}
        self.env.invalidate_all()
        with freeze_time(FRIDAY_15), self.assertQueryCount(queries):
            result = Team.web_search_read([('id', 'in', teams.ids)], spec)
        self.assertEqual(result['length'], count)
        self.assertEqual({record['week_ticket_count'] for record in result['records']}, {3})
        self.assertEqual({record['csat_avg_7d'] for record in result['records']}, {4.0})

    @users('cskh_manager')
    @warmup
    def test_dashboard_2_teams(self):
        self._read_dashboard_counted(2, 8)

    @users('cskh_manager')
    @warmup
    def test_dashboard_20_teams(self):
        self._read_dashboard_counted(20, 8)

    def _report_counted(self, count, queries):
        teams = self._create_teams(count)
        Report = self.env['cskh.ticket.report']
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            groups = Report.formatted_read_group(
                [('team_id', 'in', teams.ids)], ['team_id', 'create_date:month'],
                ['__count', 'frt_hours:avg', 'resolution_hours:avg', 'fcr_rate:avg', 'reopen_rate:avg',
                 'sla_success_rate:avg', 'csat:avg', 'nps_score:avg', 'ces:avg'])
        self.assertEqual(len(groups), count)
        self.assertEqual({group['__count'] for group in groups}, {3})

    @users('cskh_manager')
    @warmup
    def test_report_read_group_2_teams(self):
        self._report_counted(2, 3)

    @users('cskh_manager')
    @warmup
    def test_report_read_group_20_teams(self):
        self._report_counted(20, 3)
