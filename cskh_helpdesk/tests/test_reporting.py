from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged, users

from .common import CskhSlaCommon, freeze, local

THURSDAY_16 = local(2026, 11, 19, 16, 0)
FRIDAY_0930 = local(2026, 11, 20, 9, 30)
FRIDAY_15 = local(2026, 11, 20, 15, 0)


@tagged('post_install', '-at_install', 'cskh')
class TestReporting(CskhSlaCommon):
    """Measures stored on the tickets when their event happens, and the tickets analysis.

    The team works 08:00-17:00 Monday to Friday (Asia/Ho_Chi_Minh), with a 2 working
    hours first response policy on every ticket."""

    def _reply_at(self, when, ticket, user=None, note=False):
        with freeze(when, self.env), self.mock_mail_gateway():
            ticket.with_user(user or self.user_agent).message_post(
                body="Chào anh, chúng tôi đã kiểm tra.", message_type='comment',
                subtype_xmlid='mail.mt_note' if note else 'mail.mt_comment')
            self.env.flush_all()

    def _answer_survey(self, ticket, csat, nps=None, ces=0):
        return self.env['cskh.survey.response'].create({
            'ticket_id': ticket.id,
            'closure_key': 1,
            'partner_id': self.customer.id,
            'state': 'answered',
            'date': FRIDAY_15,
            'csat': csat,
            'has_nps': nps is not None,
            'nps': nps or 0,
            'ces': ces,
        })

    def _report(self, domain, aggregates, groupby=('team_id',)):
        self.env.flush_all()
        Report = self.env['cskh.ticket.report']
        return Report._read_group(domain, list(groupby), aggregates)

    def test_frt_in_working_hours_across_a_night(self):
        """Created Thursday 16:00, answered Friday 09:30: 1 + 1.5 working hours, 17.5 hours."""
        ticket = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        self.assertFalse(ticket.frt_hours)
        self._reply_at(FRIDAY_0930, ticket)
        self.assertEqual(ticket.date_first_response, FRIDAY_0930)
        self.assertAlmostEqual(ticket.frt_hours, 2.5, places=2)
        self.assertAlmostEqual(ticket.frt_calendar_hours, 17.5, places=2)
        self.assertEqual(ticket.agent_reply_count, 1)
        # a later answer neither moves the first response nor its time
        self._reply_at(FRIDAY_15, ticket)
        self.assertEqual(ticket.date_first_response, FRIDAY_0930)
        self.assertAlmostEqual(ticket.frt_hours, 2.5, places=2)
        self.assertEqual(ticket.agent_reply_count, 2)
        # resolution: Thursday 16:00 -> Friday 15:00 is 1 + 7 working hours
        self._write_at(FRIDAY_15, ticket, {'stage_id': self.stage_solved.id})
        self.assertAlmostEqual(ticket.resolution_hours, 8.0, places=2)
        self.assertAlmostEqual(ticket.resolution_calendar_hours, 23.0, places=2)

    def test_frt_falls_back_on_company_calendar(self):
        """Without a team calendar the company's (08:00-17:00 with lunch, UTC by default) counts."""
        self.team.resource_calendar_id = False
        ticket = self._create_ticket_at(THURSDAY_16)
        self.assertEqual(ticket._sla_get_calendar(), self.env.company.resource_calendar_id)
        self._reply_at(FRIDAY_0930, ticket)
        expected = self.env.company.resource_calendar_id.get_work_hours_count(
            THURSDAY_16, FRIDAY_0930, compute_leaves=True)
        self.assertAlmostEqual(ticket.frt_hours, expected, places=2)
        self.assertNotAlmostEqual(ticket.frt_hours, 2.5, places=2)

    def test_agent_reply_count_only_public_agent_answers(self):
        ticket = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        self._reply_at(FRIDAY_0930, ticket, note=True)
        self.assertEqual(ticket.agent_reply_count, 0, "An internal note is not an answer")
        self.assertFalse(ticket.date_first_response)
        with self.mock_mail_gateway():
            ticket.message_post(body="Tôi vẫn chưa đăng nhập được.", author_id=self.customer.id,
                                message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertEqual(ticket.agent_reply_count, 0, "A customer message is not an agent answer")
        self._reply_at(FRIDAY_0930, ticket)
        self.assertEqual(ticket.agent_reply_count, 1)

    def test_reopen_count_and_fcr(self):
        one_answer = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        two_answers = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        reopened = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        cancelled = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        still_open = self._create_ticket_at(THURSDAY_16, partner_id=self.customer.id)
        for ticket in (one_answer, two_answers, reopened, cancelled, still_open):
            self._reply_at(FRIDAY_0930, ticket)
        self._reply_at(FRIDAY_15, two_answers)
        (one_answer | two_answers | reopened).write({'stage_id': self.stage_solved.id})
        cancelled.stage_id = self.stage_cancel
        self.assertTrue(one_answer.fcr)
        self.assertFalse(two_answers.fcr, "Two answers: not solved at first contact")
        self.assertFalse(cancelled.fcr, "A cancelled ticket is not resolved")
        self.assertFalse(still_open.fcr)
        self.assertTrue(reopened.fcr)

        # reopened by the customer's reply (mail gateway path), then solved again, reopened by hand
        reopened._reopen_on_customer_reply()
        self.assertFalse(reopened.is_closed)
        self.assertEqual(reopened.reopen_count, 1)
        reopened.stage_id = self.stage_solved
        self.assertFalse(reopened.fcr, "A reopened ticket is never a first contact resolution")
        reopened.stage_id = self.stage_progress
        reopened.stage_id = self.stage_new
        self.assertEqual(reopened.reopen_count, 2, "Moving between open stages is no reopening")
        self.assertEqual(one_answer.reopen_count, 0)

        rows = self._report([('team_id', '=', self.team.id)], ['__count', 'fcr_rate:avg', 'reopen_rate:avg'])
        [(_team, count, fcr_rate, reopen_rate)] = rows
        self.assertEqual(count, 5)
        # FCR over the solved tickets (one_answer, two_answers): 1 / 2
        self.assertAlmostEqual(fcr_rate, 50.0)
        # reopen rate over the tickets closed at least once (3 solved/reopened + cancelled): 1 / 4
        self.assertAlmostEqual(reopen_rate, 25.0)

    def test_sla_success_on_time_late_pending(self):
        on_time = self._create_ticket_at(FRIDAY_0930)
        late = self._create_ticket_at(FRIDAY_0930)
        pending = self._create_ticket_at(FRIDAY_0930)
        self._reply_at(local(2026, 11, 20, 10, 0), on_time)
        self._reply_at(FRIDAY_15, late)
        self.assertTrue(on_time.sla_success)
        self.assertFalse(late.sla_success)
        self.assertTrue(late.sla_failed)
        self.assertFalse(pending.sla_success)
        no_sla = self._create_ticket_at(FRIDAY_0930, team_id=self.team_private.id)
        self.assertFalse(no_sla.sla_status_ids)
        self.assertFalse(no_sla.sla_success)

        [(_team, rate, frt)] = self._report(
            [('team_id', '=', self.team.id)], ['sla_success_rate:avg', 'frt_hours:avg'])
        self.assertAlmostEqual(rate, 50.0, msg="Pending SLA outcomes are not counted yet")
        self.assertAlmostEqual(frt, (0.5 + 5.5) / 2, places=2, msg="Unanswered tickets have no FRT")

    def test_satisfaction_aggregates(self):
        tickets = [self._create_ticket_at(FRIDAY_0930, partner_id=self.customer.id) for _i in range(4)]
        self._answer_survey(tickets[0], csat=5, nps=10, ces=6)
        self._answer_survey(tickets[1], csat=3, nps=9, ces=4)
        self._answer_survey(tickets[2], csat=4, nps=3)
        # tickets[3]: no answer, counted in the volume only
        [(_team, count, csat, nps, ces)] = self._report(
            [('team_id', '=', self.team.id)], ['__count', 'csat:avg', 'nps_score:avg', 'ces:avg'])
        self.assertEqual(count, 4)
        self.assertAlmostEqual(csat, 4.0)
        # 2 promoters, 1 detractor out of 3 answers
        self.assertAlmostEqual(nps, 100 / 3, places=2)
        self.assertAlmostEqual(ces, 5.0, msg="Unanswered CES is not counted as 0")

    def test_report_groups_by_channel_agent_month_priority(self):
        phone = self._create_ticket_at(THURSDAY_16, channel='phone', user_id=self.user_agent.id, priority='2')
        self._create_ticket_at(FRIDAY_0930, channel='email', user_id=self.user_agent_2.id)
        self._create_ticket_at(FRIDAY_0930, channel='email', user_id=self.user_agent_2.id)
        self._reply_at(FRIDAY_0930, phone)
        rows = self._report([('team_id', '=', self.team.id)], ['__count', 'frt_hours:avg'],
                            groupby=('channel', 'user_id', 'create_date:month', 'priority'))
        self.assertEqual(sorted((channel, user, month.month, prio, count) for channel, user, month, prio, count, _f in rows), [
            ('email', self.user_agent_2, 11, '0', 2),
            ('phone', self.user_agent, 11, '2', 1),
        ])
        self.assertEqual(
            self.env['cskh.ticket.report'].search([('ticket_id', '=', phone.id)]).customer_tier,
            phone.customer_tier)

    def test_report_frt_and_csat_by_channel(self):
        """The tickets analysis compares the channels: volume, average FRT and CSAT of each one."""
        zalo_fast = self._create_ticket_at(FRIDAY_0930, channel='zalo', partner_id=self.customer.id)
        zalo_slow = self._create_ticket_at(THURSDAY_16, channel='zalo', partner_id=self.customer.id)
        email = self._create_ticket_at(THURSDAY_16, channel='email', partner_id=self.customer.id)
        self._create_ticket_at(FRIDAY_0930, channel='facebook')  # unanswered: volume only
        self._reply_at(local(2026, 11, 20, 10, 0), zalo_fast)  # 0.5 working hour
        self._reply_at(FRIDAY_0930, zalo_slow)  # 1 + 1.5 working hours
        self._reply_at(FRIDAY_15, email)  # 1 + 7 working hours
        self._answer_survey(zalo_fast, csat=5)
        self._answer_survey(zalo_slow, csat=4)
        self._answer_survey(email, csat=2)
        rows = self._report([('team_id', '=', self.team.id)], ['__count', 'frt_hours:avg', 'csat:avg'],
                            groupby=('channel',))
        by_channel = {channel: (count, frt, csat) for channel, count, frt, csat in rows}
        self.assertEqual(set(by_channel), {'zalo', 'email', 'facebook'})
        self.assertEqual(by_channel['zalo'][0], 2)
        self.assertAlmostEqual(by_channel['zalo'][1], (0.5 + 2.5) / 2, places=2)
        self.assertAlmostEqual(by_channel['zalo'][2], 4.5)
        self.assertAlmostEqual(by_channel['email'][1], 8.0, places=2)
        self.assertAlmostEqual(by_channel['email'][2], 2.0)
        self.assertEqual(by_channel['facebook'][0], 1)
        self.assertFalse(by_channel['facebook'][1], "No answer yet: no FRT")
        self.assertFalse(by_channel['facebook'][2], "No survey answer: no CSAT")

        # the ready-made analysis opens grouped by channel with these measures
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_report_action_channel')
        context = action['context']
        self.assertIn("'pivot_row_groupby': ['channel']", context)
        self.assertIn("'frt_hours'", context)
        self.assertIn("'csat'", context)

    @users('cskh_agent')
    def test_report_access_agent(self):
        """Agents analyse the tickets they may see: not the private team's, not the other company's."""
        visible = self._create_ticket(name='Visible')
        private = self._create_ticket(name='Private', team_id=self.team_private.id)
        other = self.env['cskh.ticket'].with_company(self.company_2).sudo().create(
            {'name': 'Other company', 'team_id': self.team_c2.id})
        self.env.flush_all()
        Report = self.env['cskh.ticket.report']
        found = Report.search([('ticket_id', 'in', (visible | private | other).ids)])
        self.assertEqual(found.ticket_id, visible)
        agent_c2 = Report.with_user(self.user_agent_c2).with_company(self.company_2)
        self.assertEqual(agent_c2.search([('ticket_id', 'in', (visible | other).ids)]).ticket_id.ids, other.ids)
        manager = Report.with_user(self.user_manager)
        self.assertEqual(manager.search([('ticket_id', 'in', (visible | private | other).ids)]).ticket_id,
                         visible | private)
        with self.assertRaises(AccessError):
            Report.with_user(self.user_employee_plain).search([])

    def test_dashboard_kpis_of_the_week(self):
        self._create_ticket_at(local(2026, 11, 16, 10, 0))  # Monday: this week
        self._create_ticket_at(local(2026, 11, 15, 10, 0))  # last Sunday: not this week
        answered = self._create_ticket_at(FRIDAY_0930)
        late = self._create_ticket_at(local(2026, 11, 20, 0, 30))  # Friday, early morning local
        self._reply_at(local(2026, 11, 20, 10, 0), answered)
        self._answer_survey(answered, csat=4)
        self._answer_survey(late, csat=2)
        self._run_cron_at(FRIDAY_15)
        with freeze(FRIDAY_15):
            team = self.team.with_user(self.user_manager).with_context(tz='Asia/Ho_Chi_Minh')
            self.assertEqual(team.today_ticket_count, 2)
            self.assertEqual(team.week_ticket_count, 3)
            self.assertEqual(team.sla_failed_ticket_count, 3, "Monday's, Sunday's and the early ticket are late")
            self.assertAlmostEqual(team.frt_hours_7d, 0.5, places=2)
            self.assertAlmostEqual(team.csat_avg_7d, 3.0)
            self.assertEqual(self.team_private.today_ticket_count, 0)

            action = team.action_view_week_tickets()
            self.assertEqual(self.env['cskh.ticket'].search_count(
                action['domain'] + [('team_id', '=', team.id)]), 3)
            self.assertNotIn('search_default_filter_open', action['context'])
            self.assertEqual(team.action_view_sla_failed_tickets()['context'].get('search_default_filter_sla_failed'), 1)
            self.assertEqual(team.action_view_ticket_analysis()['res_model'], 'cskh.ticket.report')


@tagged('-standard', 'cskh_demo', 'post_install', '-at_install')
class TestReportingDemo(TransactionCase):
    """Run on a database installed with demo data: the analysis shows every KPI."""

    def test_demo_tickets_analysis(self):
        groups = self.env['cskh.ticket.report']._read_group(
            [], ['team_id'], ['__count', 'frt_hours:avg', 'resolution_hours:avg', 'fcr_rate:avg',
                              'reopen_rate:avg', 'csat:avg', 'nps_score:avg'])
        by_team = {team: values for team, *values in groups}
        tech = by_team[self.env.ref('cskh_helpdesk.team_tech_demo')]
        care = by_team[self.env.ref('cskh_helpdesk.team_default')]
        for count, frt, resolution, fcr, reopen, _csat, _nps in (tech, care):
            self.assertGreaterEqual(count, 10)
            self.assertGreater(frt, 0)
            self.assertGreater(resolution, 0)
            self.assertTrue(0 < fcr < 100, "Some tickets solved at first contact, some not")
            self.assertGreater(reopen, 0)
        self.assertTrue(care[5] and care[6] is not None, "The care team's surveys give CSAT and NPS")
        months = self.env['cskh.ticket.report']._read_group([], ['create_date:month'], ['__count'])
        self.assertGreaterEqual(len(months), 2, "The demo history spans several months")
