import importlib.util
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged, users
from odoo.tools import format_date, mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhSurveyCommon, freeze


@tagged('post_install', '-at_install', 'cskh')
class TestSurveySending(CskhSurveyCommon):

    def test_closing_sends_exactly_one_survey(self):
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        self.assertFalse(ticket.survey_response_ids)

        ticket.stage_id = self.stage_solved
        response = ticket.survey_response_ids
        self.assertEqual(len(response), 1)
        self.assertRecordValues(response, [{
            'state': 'sent', 'closure_key': 1, 'partner_id': self.customer.id,
            'team_id': self.team.id, 'user_id': self.user_agent.id,
        }])
        self.assertTrue(response.date_expiry)
        self.assertEqual(response.rating_id.res_model, 'cskh.ticket')
        self.assertEqual(response.rating_id.res_id, ticket.id)
        token = response.sudo().access_token
        self.assertTrue(token)
        self.assertNotEqual(token, response.rating_id.access_token, "the survey has its own token")
        mail = self._survey_mails(ticket)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        for csat in range(1, 6):
            self.assertIn(f'/cskh/survey/{token}/{csat}', mail.body_html)
        self.assertEqual(ticket.survey_state, 'sent')
        # the chatter says it was sent, without the links
        self.assertFalse(self._survey_messages(ticket))
        self.assertTrue(ticket.message_ids.filtered(
            lambda m: f'Satisfaction survey sent to {self.customer.name}' in m.body))

        # writing the same closed stage again, or another edit, is not a new closure
        ticket.write({'stage_id': self.stage_solved.id})
        ticket.name = 'Renamed'
        self.assertEqual(len(ticket.survey_response_ids), 1)
        self.assertEqual(len(self._survey_mails(ticket)), 1)

    def test_each_closure_sends_its_survey_unless_disabled(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_solved
        ticket.stage_id = self.stage_progress
        ticket.stage_id = self.stage_solved
        self.assertEqual(ticket.closure_count, 2)
        self.assertEqual(sorted(ticket.survey_response_ids.mapped('closure_key')), [1, 2])
        self.assertEqual(len(ticket.survey_response_ids.rating_id), 2, "each survey has its own token")

        self.team.survey_resend_on_reclose = False
        ticket.stage_id = self.stage_progress
        ticket.stage_id = self.stage_solved
        self.assertEqual(ticket.closure_count, 3)
        self.assertEqual(len(ticket.survey_response_ids), 2)

    def test_one_survey_per_closure_constraint(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_solved
        with self.assertRaises(Exception), mute_logger('odoo.sql_db'):
            with self.env.cr.savepoint():
                self.env['cskh.survey.response'].create({'ticket_id': ticket.id, 'closure_key': 1})

    def test_no_survey_when_cancelled_off_or_without_customer(self):
        # cancelled stage
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_cancel
        self.assertTrue(ticket.is_closed)
        self.assertFalse(ticket.survey_response_ids)
        self.assertFalse(self._survey_mails(ticket))
        # team without survey
        ticket_private = self.env['cskh.ticket'].create({
            'name': 'Bảo hành', 'team_id': self.team_private.id, 'partner_id': self.customer.id})
        ticket_private.stage_id = self.stage_solved
        self.assertFalse(ticket_private.survey_response_ids)
        # no customer to ask
        ticket_anonymous = self._create_ticket()
        ticket_anonymous.stage_id = self.stage_solved
        self.assertFalse(ticket_anonymous.survey_response_ids)

    def test_delayed_survey_through_cron(self):
        self.team.survey_delay_hours = 2
        cron = self.env.ref('cskh_helpdesk.cskh_ticket_cron_send_survey')
        with freeze('2026-03-02 10:00:00'):
            ticket = self._create_ticket(partner_id=self.customer.id)
            ticket_reopened = self._create_ticket(partner_id=self.customer.id)
            (ticket | ticket_reopened).stage_id = self.stage_solved
            response = ticket.survey_response_ids
            self.assertRecordValues(response, [{'state': 'scheduled', 'date_scheduled': datetime(2026, 3, 2, 12)}])
            self.assertFalse(response.rating_id)
            self.assertFalse(self._survey_mails(ticket))
            self.assertTrue(self.env['ir.cron.trigger'].search(
                [('cron_id', '=', cron.id), ('call_at', '=', datetime(2026, 3, 2, 12))]))
            ticket_reopened.stage_id = self.stage_progress
            self.assertEqual(ticket_reopened.survey_response_ids.state, 'cancelled')

        with freeze('2026-03-02 11:00:00'):
            self._run_survey_cron()
            self.assertEqual(response.state, 'scheduled', "not due yet")

        with freeze('2026-03-02 12:30:00'):
            self._run_survey_cron()
            self.assertEqual(response.state, 'sent')
            self.assertEqual(response.date_sent, datetime(2026, 3, 2, 12, 30))
            self.assertEqual(response.date_expiry, datetime(2026, 3, 9, 12, 30))
            self.assertEqual(len(self._survey_mails(ticket)), 1)
            self.assertFalse(self._survey_mails(ticket_reopened))
            self._run_survey_cron()
            self.assertEqual(len(self._survey_mails(ticket)), 1, "a survey is never sent twice")

    def test_delayed_survey_ticket_cancelled_meanwhile(self):
        self.team.survey_delay_hours = 1
        with freeze('2026-03-02 10:00:00'):
            ticket = self._create_ticket(partner_id=self.customer.id)
            ticket.stage_id = self.stage_solved
            self.assertEqual(ticket.survey_response_ids.state, 'scheduled')
            ticket.stage_id = self.stage_cancel  # closed, but no longer solved
            self.assertEqual(ticket.survey_response_ids.state, 'cancelled')
        with freeze('2026-03-02 12:00:00'):
            self._run_survey_cron()
        self.assertEqual(ticket.survey_response_ids.state, 'cancelled')
        self.assertFalse(self._survey_mails(ticket))

    def test_followup_activity(self):
        self.team.write({'use_followup': True, 'followup_days': 3})
        with freeze('2026-03-02 10:00:00'):
            ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
            ticket.stage_id = self.stage_solved
        activity = ticket.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertRecordValues(activity, [{
            'user_id': self.user_agent.id,
            'date_deadline': date(2026, 3, 5),
            'activity_type_id': self.env.ref('mail.mail_activity_data_call').id,
        }])
        # no follow-up for cancelled tickets
        other = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        other.stage_id = self.stage_cancel
        self.assertFalse(other.activity_ids)


@tagged('post_install', '-at_install', 'cskh')
class TestSurveyAnswers(CskhSurveyCommon):

    def test_answer_posts_and_updates_rating(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_solved
        response = self._answer(ticket, 4, nps=9, ces=6, comment='Nhanh và chu đáo')
        self.assertRecordValues(response, [{
            'state': 'answered', 'csat': 4, 'nps': 9, 'nps_category': 'promoter', 'ces': 6,
            'is_low_score': False,
        }])
        self.assertRecordValues(response.rating_id, [{'rating': 4, 'consumed': True, 'feedback': 'Nhanh và chu đáo'}])
        self.assertEqual(ticket.rating_avg, 4, "the CSAT counts in Odoo's rating statistics")
        self.assertRecordValues(ticket, [{'survey_csat': 4, 'survey_nps': 9, 'survey_ces': 6, 'survey_state': 'answered'}])
        message = response.rating_id.message_id
        self.assertEqual(message.author_id, self.customer)
        self.assertIn('Nhanh và chu đáo', message.body)
        self.assertFalse(ticket.activity_ids, "a good score does not alert anybody")

        # changing the answer updates the same chatter message
        self._answer(ticket, 5)
        self.assertEqual(response.rating_id.message_id, message)
        self.assertEqual(response.nps, 9, "a one-click CSAT keeps the previous NPS")
        self.assertEqual(ticket.survey_csat, 5)

    def test_low_score_activity_for_leader(self):
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        ticket.stage_id = self.stage_solved
        response = self._answer(ticket, 4, nps=5)
        self.assertTrue(response.is_low_score, "NPS 5 is below the default threshold 6")
        activity = ticket.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_manager)
        self.assertEqual(ticket.stage_id, self.stage_solved, "the team does not reopen on low score")
        # changing the answer does not alert twice
        self._answer(ticket, 1)
        self.assertEqual(len(ticket.activity_ids), 1)

    def test_low_score_reopens(self):
        self.team.write({'survey_reopen_on_low_score': True, 'survey_csat_threshold': 3})
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_solved
        self._answer(ticket, 3, nps=8)
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(len(ticket.activity_ids), 1)

    def test_out_of_range_scores_refused(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.stage_id = self.stage_solved
        response = ticket.survey_response_ids
        with self.assertRaises(Exception), mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            response._apply_answer(6)
        with self.assertRaises(Exception), mute_logger('odoo.sql_db'), self.env.cr.savepoint():
            response._apply_answer(3, nps=11)

    def test_team_nps_csat_ces_and_response_rate(self):
        """NPS of 10, 9, 8, 6, 3: 40% promoters - 40% detractors = 0."""
        scores = [(5, 10, 7), (4, 9, 6), (3, 8, 5), (2, 6, 2), (1, 3, 1)]
        tickets = self.env['cskh.ticket'].create([
            {'name': f'Ticket {i}', 'team_id': self.team.id, 'partner_id': self.customer.id}
            for i in range(len(scores) + 1)])
        tickets.stage_id = self.stage_solved
        for ticket, (csat, nps, ces) in zip(tickets, scores):
            self._answer(ticket, csat, nps=nps, ces=ces)
        self.team.invalidate_recordset()
        self.assertAlmostEqual(self.team.survey_nps, 0)
        self.assertAlmostEqual(self.team.survey_csat_avg, 3)
        self.assertAlmostEqual(self.team.survey_csat_pct, 40)
        self.assertAlmostEqual(self.team.survey_ces_avg, 4.2)
        self.assertAlmostEqual(self.team.survey_response_rate, 500 / 6)
        self.assertEqual(self.team.survey_answered_count, 5)
        self.assertEqual(self.team_private.survey_nps, 0)
        self.assertEqual(self.team_private.survey_response_rate, 0)

        # one more promoter: 3 promoters, 2 detractors out of 6 -> 16.67
        self._answer(tickets[-1], 5, nps=10)
        self.team.invalidate_recordset()
        self.assertAlmostEqual(self.team.survey_nps, 100 / 6)
        self.assertAlmostEqual(self.team.survey_response_rate, 100)

    def test_team_survey_kpis_read_in_one_query(self):
        teams = self.team | self.team_private | self.team_c2
        teams.invalidate_recordset()
        with self.assertQueryCount(1):
            teams.mapped('survey_nps')

    @users('cskh_agent', 'cskh_agent_3', 'cskh_manager', 'plain_employee')
    def test_survey_answers_follow_team_visibility(self):
        ticket = self.env['cskh.ticket'].sudo().create({
            'name': 'Bảo hành', 'team_id': self.team_private.id, 'partner_id': self.customer.id})
        self.team_private.sudo().use_survey = True
        ticket.stage_id = self.stage_solved
        response = ticket.survey_response_ids.with_env(self.env)
        login = self.env.user.login
        if login == 'plain_employee':
            with self.assertRaises(AccessError):
                response.read(['csat'])
            return
        if login == 'cskh_agent':
            # not a member of the private team
            with self.assertRaises(AccessError):
                response.read(['csat'])
            return
        self.assertEqual(response.read(['state'])[0]['state'], 'sent')
        if login == 'cskh_agent_3':
            with self.assertRaises(AccessError):
                response.write({'csat': 5})


@tagged('post_install', '-at_install', 'cskh')
class TestSurveyToken(CskhSurveyCommon):
    """The survey links are the customer's: agents cannot read them over RPC, neither on
    the survey, nor in the chatter, nor on the rating."""

    def setUp(self):
        super().setUp()
        # closed by the agent himself: he is the author of what the closing posts
        self.ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        self.ticket.with_user(self.user_agent).stage_id = self.stage_solved
        self.response = self.ticket.survey_response_ids
        self.token = self.response._get_access_token()

    @users('cskh_agent', 'cskh_manager')
    def test_agent_cannot_read_token(self):
        response = self.response.with_env(self.env)
        self.assertEqual(response.read(['state'])[0]['state'], 'sent')
        with self.assertRaises(AccessError):
            response.read(['access_token'])
        with self.assertRaises(AccessError):
            response.search_read([('id', '=', response.id)], ['access_token'])
        with self.assertRaises(AccessError):
            response.search([('access_token', '=', self.token)])
        # the chatter and the messages he may read carry no link
        ticket = self.ticket.with_env(self.env)
        self.assertFalse(self._survey_messages(ticket))
        messages = self.env['mail.message'].search([('model', '=', 'cskh.ticket'), ('res_id', '=', ticket.id)])
        self.assertTrue(messages)
        self.assertFalse([body for body in messages.mapped('body') if self.token in body])
        # the rating he may read has another token
        self.assertNotEqual(response.rating_id.access_token, self.token)

    def test_customer_mail_has_links(self):
        mail = self._survey_mails(self.ticket)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(f'/cskh/survey/{self.token}/5', mail.body_html)
        self.assertNotEqual(mail.author_id, self.user_agent.partner_id)
        self.assertTrue(self.ticket.message_ids.filtered(lambda m: 'Satisfaction survey sent to' in m.body))

    def test_migration_moves_rating_token(self):
        """Upgrading from 19.0.1.1.0: surveys sent with their rating's token keep it (the
        links already emailed still work) and the rating gets a new one."""
        rating = self.response.rating_id
        self.response.sudo().access_token = False
        rating.access_token = 'old-token-from-the-rating'
        self.env.flush_all()
        path = Path(__file__).parents[1] / 'migrations' / '19.0.1.2.0' / 'post-migrate.py'
        spec = importlib.util.spec_from_file_location('cskh_post_migrate', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, '19.0.1.1.0')
        self.env.invalidate_all()
        self.assertEqual(self.response.sudo().access_token, 'old-token-from-the-rating')
        self.assertNotEqual(rating.access_token, 'old-token-from-the-rating')
        self.assertEqual(len(rating.access_token), 32)


@tagged('post_install', '-at_install', 'cskh')
class TestSurveyPage(HttpCase, CskhSurveyCommon):

    def setUp(self):
        super().setUp()
        self.ticket = self._create_ticket(partner_id=self.customer.id)
        self.ticket.stage_id = self.stage_solved
        self.response = self.ticket.survey_response_ids
        self.token = self.response._get_access_token()

    def _csrf(self, url):
        res = self.url_open(url)
        self.assertEqual(res.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', res.text).group(1)

    def test_one_click_link_records_nothing(self):
        """Mail link scanners open every link of a mail: a score link shows the form with
        that score chosen and records nothing; only sending the form does."""
        mail = self._survey_mails(self.ticket)
        link = re.search(r'href="([^"]*/cskh/survey/[^"/]+/2)"', mail.body_html).group(1)
        res = self.url_open(link)
        self.assertEqual(res.status_code, 200)
        self.assertIn('o_cskh_survey_confirm', res.text)
        self.assertRegex(res.text, r'<input[^>]*id="csat_2"[^>]*checked')
        self.assertNotRegex(res.text, r'<input[^>]*id="csat_[1345]"[^>]*checked')
        self.assertIn('How likely are you to recommend us', res.text)
        # HEAD requests and repeated GETs of every link record nothing either
        for csat in range(1, 6):
            self.url_open(f'/cskh/survey/{self.token}/{csat}')
            self.opener.head(self.base_url() + f'/cskh/survey/{self.token}/{csat}', timeout=10)
        self.url_open(f'/cskh/survey/{self.token}')
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{'state': 'sent', 'csat': 0, 'date': False}])
        self.assertFalse(self.response.rating_id.consumed)
        self.assertFalse(self.ticket.activity_ids)

        # the customer sends the form
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', res.text).group(1)
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '2'})
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{'state': 'answered', 'csat': 2, 'is_low_score': True}])
        self.assertEqual(self.response.rating_id.rating, 2)
        self.assertEqual(len(self.ticket.activity_ids), 1, "the leader is alerted")

        res = self.url_open(f'/cskh/survey/{self.token}/9')
        self.assertEqual(res.status_code, 400)

    @mute_logger('odoo.http')
    def test_post_without_csrf_refused(self):
        for url in (f'/cskh/survey/{self.token}', f'/cskh/survey/{self.token}/5'):
            res = self.url_open(url, data={'csat': '5', 'nps': '10'})
            self.assertIn(res.status_code, (400, 405), url)
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csat': '5', 'csrf_token': 'forged'})
        self.assertEqual(res.status_code, 400)
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{'state': 'sent', 'csat': 0}])

    def test_staff_cannot_answer(self):
        """An employee signed in (e.g. the agent testing the link) gets a page saying that
        only the customer answers; nothing changes, whatever he sends."""
        self.authenticate('cskh_agent', 'cskh_agent')
        csrf = http.Request.csrf_token(self)
        for res in (
            self.url_open(f'/cskh/survey/{self.token}'),
            self.url_open(f'/cskh/survey/{self.token}/5'),
            self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '5'}),
        ):
            self.assertEqual(res.status_code, 403)
            self.assertIn('o_cskh_survey_other_user', res.text)
            self.assertIn('Staff members cannot answer', res.text)
            self.assertNotIn('name="csat"', res.text)
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{'state': 'sent', 'csat': 0}])
        self.assertFalse(self.response.rating_id.consumed)

    def test_customer_signed_in_can_answer(self):
        mail_new_test_user(
            self.env, login='cskh_survey_portal', groups='base.group_portal',
            partner_id=self.customer.id, name=self.customer.name, email=self.customer.email)
        self.authenticate('cskh_survey_portal', 'cskh_survey_portal')
        csrf = self._csrf(f'/cskh/survey/{self.token}/4')
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '4'})
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.response.csat, 4)

    def test_full_form_records_every_answer(self):
        csrf = self._csrf(f'/cskh/survey/{self.token}')
        res = self.url_open(f'/cskh/survey/{self.token}', data={
            'csrf_token': csrf, 'csat': '5', 'nps': '0', 'ces': '7', 'comment': 'Cảm ơn <b>bạn</b>'})
        self.assertEqual(res.status_code, 200)
        self.assertIn('Thank you for your feedback', res.text)
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{
            'state': 'answered', 'csat': 5, 'nps': 0, 'has_nps': True, 'nps_category': 'detractor',
            'ces': 7, 'comment': 'Cảm ơn <b>bạn</b>'}])
        message = self.response.rating_id.message_id
        self.assertIn('Cảm ơn &lt;b&gt;bạn&lt;/b&gt;', message.body, "the comment is escaped in the chatter")

        # the form shows the answers and accepts changes until expiry
        res = self.url_open(f'/cskh/survey/{self.token}')
        self.assertIn('Cảm ơn &lt;b&gt;bạn&lt;/b&gt;', res.text)
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '4', 'nps': '10'})
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertRecordValues(self.response, [{'csat': 4, 'nps': 10, 'ces': 7}])

    def test_form_bad_input_rerendered_nothing_saved(self):
        csrf = self._csrf(f'/cskh/survey/{self.token}')
        for data in ({}, {'csat': '0'}, {'csat': 'abc'}, {'csat': '3', 'nps': '11'}, {'csat': '3', 'ces': '8'}):
            res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, **data})
            self.assertEqual(res.status_code, 400, data)
            self.assertIn('Please check the highlighted answers', res.text)
        self.env.invalidate_all()
        self.assertEqual(self.response.state, 'sent')

    def test_invalid_token_not_found(self):
        for token in ('abc', self.token[:-1], self.token + 'x'):
            res = self.url_open(f'/cskh/survey/{token}')
            self.assertEqual(res.status_code, 404)
            self.assertIn('This survey link is not valid', res.text)
            self.assertNotIn('Traceback', res.text)
            res = self.url_open(f'/cskh/survey/{token}/5')
            self.assertEqual(res.status_code, 404)

    def test_expired_token(self):
        self.response.date_expiry = datetime.now() - timedelta(minutes=1)
        res = self.url_open(f'/cskh/survey/{self.token}/5')
        self.assertEqual(res.status_code, 410)
        self.assertIn('This survey has expired', res.text)
        self.authenticate(None, None)
        csrf = http.Request.csrf_token(self)
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '5'})
        self.assertEqual(res.status_code, 410)
        self.env.invalidate_all()
        self.assertEqual(self.response.state, 'sent')

    def test_other_ticket_token_refused(self):
        other = self._create_ticket(partner_id=self.customer.id, name='Other ticket')
        # the portal token of a ticket is not a survey token
        res = self.url_open(f'/cskh/survey/{other._portal_ensure_token()}/1')
        self.assertEqual(res.status_code, 404)
        # a rating token of another document is refused as well
        foreign = self.env['rating.rating'].sudo().create({
            'res_model_id': self.env['ir.model']._get_id('res.partner'),
            'res_id': self.customer.id, 'partner_id': self.customer.id})
        res = self.url_open(f'/cskh/survey/{foreign.access_token}/1')
        self.assertEqual(res.status_code, 404)
        # the rating of the survey (readable by every employee) does not open it
        res = self.url_open(f'/cskh/survey/{self.response.rating_id.access_token}')
        self.assertEqual(res.status_code, 404)
        # a token only opens its own ticket
        other.stage_id = self.stage_solved
        other_response = other.survey_response_ids
        csrf = self._csrf(f'/cskh/survey/{self.token}/1')
        res = self.url_open(f'/cskh/survey/{self.token}', data={'csrf_token': csrf, 'csat': '1'})
        self.assertNotIn('Other ticket', res.text)
        self.env.invalidate_all()
        self.assertEqual(other_response.state, 'sent')
        self.assertEqual(self.response.csat, 1)

    def test_page_in_customer_language(self):
        self.env['res.lang']._activate_lang('vi_VN')
        self.customer.lang = 'vi_VN'
        self.response.date_expiry = datetime(2099, 1, 31, 10, 0)
        res = self.url_open(f'/cskh/survey/{self.token}')
        self.assertEqual(res.status_code, 200)
        # dates are written the Vietnamese way (day first)
        expiry = format_date(self.env(context={'lang': 'vi_VN'}), self.response.date_expiry)
        self.assertNotEqual(expiry, format_date(self.env(context={'lang': 'en_US'}), self.response.date_expiry))
        self.assertIn(f'until {expiry}', res.text)

    def test_nps_zero_can_be_chosen(self):
        res = self.url_open(f'/cskh/survey/{self.token}')
        self.assertIn('name="nps" value="0"', res.text)
