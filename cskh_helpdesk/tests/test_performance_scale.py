import logging
import threading
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.cli.populate import Populate
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common_sla import CskhSlaCommon


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestPopulate(CskhSlaCommon):
    """``odoo populate --models cskh.ticket,cskh.ticket.sla`` duplicates tickets with
    SQL: the copies must be valid tickets."""

    def test_populate_tickets(self):
        tickets = self.env['cskh.ticket'].create([{
            'name': f'Nguồn {i}', 'team_id': self.team.id, 'priority': str(i % 4),
            'partner_id': self.customer.id,
        } for i in range(4)])
        tickets[0].stage_id = self.stage_progress
        self.env.flush_all()
        Ticket = self.env['cskh.ticket'].with_context(active_test=False)
        before = Ticket.search_count([])
        lines_before = self.env['cskh.ticket.sla'].search_count([])
        self.assertTrue(lines_before)

        # populate warns that it copies as is the many2one columns of unique constraints
        # (company_id of the number, sla_id of a line): that is what we want
        with mute_logger('odoo.tools.populate'):
            Populate.populate(
                self.env(context={'active_test': False}), {'cskh.ticket': 3, 'cskh.ticket.sla': 3}, ord('_'))
        self.env.invalidate_all()

        self.assertEqual(Ticket.search_count([]), before * 4)
        self.assertEqual(self.env['cskh.ticket.sla'].search_count([]), lines_before * 4)
        self.env.cr.execute("""
            SELECT company_id, number FROM cskh_ticket
             WHERE number IS NOT NULL GROUP BY company_id, number HAVING COUNT(*) > 1""")
        self.assertFalse(self.env.cr.fetchall(), "ticket numbers must stay unique per company")
        all_tickets = Ticket.search([])
        for ticket in all_tickets:
            self.assertIn(ticket.stage_id, ticket.team_id.stage_ids, "stage of another team")
            self.assertEqual(ticket.is_closed, ticket.stage_id.is_closed)
            for line in ticket.sla_status_ids:
                self.assertEqual(line.sla_id.team_id, ticket.team_id)
                self.assertEqual(line.team_id, ticket.team_id)
                # dates are spread back in time together: a line keeps its delay after creation
                self.assertEqual(line.ticket_create_date, ticket.create_date)
        copies = all_tickets - tickets
        self.assertEqual(len(copies), before * 3)
        # every copy got the SLA lines of its source: same policies for the same conditions
        self.assertEqual(
            {len(ticket.sla_status_ids) for ticket in copies if ticket.priority == '0'},
            {len(tickets.filtered(lambda t: t.priority == '0').sla_status_ids)})
        self.assertTrue(copies.sla_status_ids.filtered(lambda line: line.status == 'ongoing'))


class CronCursorsCommon(TransactionCase):
    """Crons and users in several real cursors: the tests commit their own data in
    their own cursors and remove it."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _setup_data(self, count):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].create({'name': 'Two workers test team', 'use_sla': True})
            env['cskh.sla'].create({
                'name': 'Two workers test policy', 'team_id': team.id, 'target': 'first_response', 'time': 1})
            tickets = env['cskh.ticket'].create([
                {'name': f'Two workers {i}', 'team_id': team.id} for i in range(count)])
            lines = tickets.sla_status_ids
            self.assertEqual(len(lines), count)
            past = fields.Datetime.now() - timedelta(days=3)
            lines.write({'deadline': past})
            return team.id, tickets.ids, lines.ids

    def _cleanup(self, team_id, trigger_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].with_context(active_test=False).browse(team_id).exists()
            tickets = env['cskh.ticket'].with_context(active_test=False).search([('team_id', '=', team_id)])
            env['mail.activity'].search([('res_model', '=', 'cskh.ticket'), ('res_id', 'in', tickets.ids)]).unlink()
            tickets.unlink()
            env['cskh.sla'].with_context(active_test=False).search([('team_id', '=', team_id)]).unlink()
            team.unlink()
            env['ir.cron.trigger'].search([('id', '>', trigger_id)]).unlink()

    def _setup_surveys(self, count):
        """``count`` solved tickets whose survey is due, committed."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            stages = env.ref('cskh_helpdesk.stage_new') | env.ref('cskh_helpdesk.stage_solved')
            team = env['cskh.team'].create({
                'name': 'Two workers survey team', 'use_survey': True, 'survey_delay_hours': 2,
                'stage_ids': [fields.Command.set(stages.ids)]})
            # one customer each: a worker writes its customers (portal signup), the other must not
            partners = env['res.partner'].create([
                {'name': f'Khách khảo sát {i}', 'email': f'khaosat{i}@example.vn'} for i in range(count)])
            tickets = env['cskh.ticket'].create([
                {'name': f'Two workers survey {i}', 'team_id': team.id, 'partner_id': partner.id}
                for i, partner in enumerate(partners)])
            tickets.write({'stage_id': env.ref('cskh_helpdesk.stage_solved').id})
            responses = tickets.survey_response_ids
            self.assertEqual(set(responses.mapped('state')), {'scheduled'})
            responses.write({'date_scheduled': fields.Datetime.now() - timedelta(hours=1)})
            return team.id, partners.ids, tickets.ids, responses.ids

    def _cleanup_surveys(self, team_id, partner_ids, ticket_ids, trigger_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['cskh.ticket'].with_context(active_test=False).browse(ticket_ids).exists()
            env['mail.mail'].search([('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids)]).unlink()
            env['rating.rating'].search([('res_model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids)]).unlink()
            tickets.unlink()
            env['cskh.team'].with_context(active_test=False).browse(team_id).exists().unlink()
            env['res.partner'].browse(partner_ids).exists().unlink()
            env['ir.cron.trigger'].search([('id', '>', trigger_id)]).unlink()


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestCronWorkers(CronCursorsCommon):
    """Two workers running the SLA escalation cron or the survey cron at the same time
    never process the same record."""

    def test_two_workers_share_the_overdue_lines(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        trigger_id = self.env.cr.fetchone()[0]
        team_id, ticket_ids, line_ids = self._setup_data(10)
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a, env_b = self._env(cr_a), self._env(cr_b)
                Line_a = env_a['cskh.ticket.sla']
                domain = Line_a._get_overdue_domain() & fields.Domain('id', 'in', line_ids)
                # worker A takes its batch the way the cron does, and is still working on it
                batch_a = Line_a.search(domain, order='deadline, id').try_lock_for_update(limit=4)
                self.assertEqual(len(batch_a), 4)
                # worker B runs the cron meanwhile: it skips A's rows and commits its own batch
                env_b['cskh.ticket.sla']._cron_escalate(batch_size=100)
                # A finishes its batch and commits
                batch_a._fail()
                cr_a.commit()
            with self.registry.cursor() as cr:
                env = self._env(cr)
                lines = env['cskh.ticket.sla'].browse(line_ids)
                self.assertEqual(set(lines.mapped('status')), {'failed'})
                tickets = env['cskh.ticket'].browse(ticket_ids)
                # escalated exactly once each: nobody processed a line twice
                self.assertEqual(set(tickets.mapped('escalation_level')), {1})
                notes = env['mail.message'].search_count([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids),
                    ('body', 'ilike', 'SLA missed')])
                self.assertEqual(notes, len(ticket_ids))
        finally:
            self._cleanup(team_id, trigger_id)

    def test_two_workers_share_the_due_surveys(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        trigger_id = self.env.cr.fetchone()[0]
        team_id, partner_ids, ticket_ids, response_ids = self._setup_surveys(6)
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a, env_b = self._env(cr_a), self._env(cr_b)
                Response_a = env_a['cskh.survey.response']
                # worker A holds the two first due surveys, as the cron's batch does
                batch_a = Response_a.search(
                    [('id', 'in', response_ids)], order='date_scheduled, id').try_lock_for_update(limit=2)
                self.assertEqual(len(batch_a), 2)
                # worker B runs the cron with small batches: it skips A's rows and sends the rest
                env_b['cskh.ticket']._cron_send_survey(batch_size=1)
                batch_a._send_survey()
                cr_a.commit()
            with self.registry.cursor() as cr:
                env = self._env(cr)
                responses = env['cskh.survey.response'].browse(response_ids)
                self.assertEqual(set(responses.mapped('state')), {'sent'})
                # one survey email per ticket: nobody sent a survey twice
                messages = env['mail.message'].search([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids), ('body', 'ilike', '/cskh/survey/')])
                self.assertEqual(sorted(messages.mapped('res_id')), sorted(ticket_ids))
        finally:
            self._cleanup_surveys(team_id, partner_ids, ticket_ids, trigger_id)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestCronConcurrency(CronCursorsCommon):
    """A cron batch and an agent's write of the same ticket, in two real cursors: an
    agent's write locks the ticket, then its SLA lines and surveys; the crons lock
    their rows and the tickets in one statement, skipping busy ones, so that neither
    waits for the other (no deadlock). Every wait for a lock fails after 2 seconds:
    a wait, or a deadlock, makes the test fail at once instead of hanging."""

    def _fail_fast(self, *crs):
        for cr in crs:
            # session settings (the cron commits per batch); the pool resets them. This
            # test's own cursor commits them, so that a later rollback keeps them.
            cr.execute("SET lock_timeout = '2s'")
            cr.execute("SET statement_timeout = '30s'")
            cr.commit()  # pylint: disable=invalid-commit

    def _max_trigger_id(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        return self.env.cr.fetchone()[0]

    def test_sla_cron_and_agent_write(self):
        trigger_id = self._max_trigger_id()
        team_id, ticket_ids, _line_ids = self._setup_data(3)
        try:
            with self.registry.cursor() as cr_agent, self.registry.cursor() as cr_cron:
                self._fail_fast(cr_agent, cr_cron)
                env_agent, env_cron = self._env(cr_agent), self._env(cr_cron)
                busy = env_agent['cskh.ticket'].browse(ticket_ids[0])
                # the agent edits a late ticket: its row is locked until the agent saves
                busy.write({'name': 'Edited by the agent'})
                env_agent.flush_all()
                # the cron runs meanwhile: it escalates the other tickets, without waiting
                env_cron['cskh.ticket.sla']._cron_escalate()
                cr_cron.commit()
                # the agent goes on: a new priority updates the ticket's SLA lines too
                busy.write({'priority': '2'})
                env_agent.flush_all()
                cr_agent.commit()
            with self.registry.cursor() as cr:
                env = self._env(cr)
                tickets = env['cskh.ticket'].browse(ticket_ids)
                self.assertEqual(tickets.mapped('escalation_level'), [0, 1, 1])
                self.assertEqual(tickets[0].priority, '2')
                # the skipped ticket is taken by a run a minute later
                cron = env.ref('cskh_helpdesk.cskh_ticket_sla_cron_escalate')
                triggers = env['ir.cron.trigger'].search([('id', '>', trigger_id), ('cron_id', '=', cron.id)])
                self.assertTrue(triggers.filtered(
                    lambda t: fields.Datetime.now() < t.call_at <= fields.Datetime.now() + timedelta(minutes=1)))
                env['cskh.ticket.sla']._cron_escalate()
                self.assertEqual(tickets.mapped('escalation_level'), [1, 1, 1])
                notes = env['mail.message'].search([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids), ('body', 'ilike', 'SLA missed')])
                self.assertEqual(sorted(notes.mapped('res_id')), sorted(ticket_ids))
        finally:
            self._cleanup(team_id, trigger_id)

    def test_survey_cron_and_agent_reopening(self):
        trigger_id = self._max_trigger_id()
        team_id, partner_ids, ticket_ids, response_ids = self._setup_surveys(3)
        try:
            with self.registry.cursor() as cr_agent, self.registry.cursor() as cr_cron:
                self._fail_fast(cr_agent, cr_cron)
                env_agent, env_cron = self._env(cr_agent), self._env(cr_cron)
                busy = env_agent['cskh.ticket'].browse(ticket_ids[0])
                busy.write({'name': 'Edited by the agent'})
                env_agent.flush_all()
                # sending a survey updates its ticket (survey state): the busy one is skipped
                env_cron['cskh.ticket']._cron_send_survey()
                cr_cron.commit()
                # the agent reopens the ticket: its survey, not sent yet, is cancelled
                busy.write({'stage_id': env_agent.ref('cskh_helpdesk.stage_new').id})
                env_agent.flush_all()
                cr_agent.commit()
            with self.registry.cursor() as cr:
                env = self._env(cr)
                responses = env['cskh.survey.response'].browse(response_ids)
                self.assertEqual(responses.mapped('state'), ['cancelled', 'sent', 'sent'])
                self.assertEqual(env['cskh.ticket'].browse(ticket_ids).mapped('survey_state'), [False, 'sent', 'sent'])
                messages = env['mail.message'].search([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids), ('body', 'ilike', '/cskh/survey/')])
                self.assertEqual(sorted(messages.mapped('res_id')), sorted(ticket_ids[1:]))
        finally:
            self._cleanup_surveys(team_id, partner_ids, ticket_ids, trigger_id)

    def test_batch_retried_after_serialization_failure(self):
        """Another transaction holds an SLA line that the cron's second batch updates
        (the escalation raises the ticket's priority, copied on all its lines), and
        commits while the cron waits for it: PostgreSQL refuses the cron's update
        (serialization failure). That batch alone is run again and succeeds; the first
        one stays committed, nothing is escalated twice."""
        trigger_id = self._max_trigger_id()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].create({'name': 'Retry test team', 'use_sla': True})
            late, later = env['cskh.sla'].create([
                {'name': 'Retry test late policy', 'team_id': team.id, 'target': 'first_response',
                 'time': 1, 'raise_priority': True},
                {'name': 'Retry test later policy', 'team_id': team.id, 'target': 'first_response', 'time': 100},
            ])
            tickets = env['cskh.ticket'].create([{'name': f'Retry {i}', 'team_id': team.id} for i in range(2)])
            for days, ticket in zip((3, 2), tickets):
                ticket.sla_status_ids.filtered(lambda line: line.sla_id == late).deadline = \
                    fields.Datetime.now() - timedelta(days=days)
            held_line_id = tickets[1].sla_status_ids.filtered(lambda line: line.sla_id == later).id
            team_id, ticket_ids = team.id, tickets.ids
        blocked = []
        try:
            with self.registry.cursor() as cr_other, self.registry.cursor() as cr_cron:
                cr_cron.execute("SET lock_timeout = '20s'")
                cr_cron.commit()
                cron_pid = cr_cron._cnx.get_backend_pid()
                cr_other.execute("SELECT pg_backend_pid()")
                other_pid = cr_other.fetchone()[0]
                cr_other.execute("UPDATE cskh_ticket_sla SET paused_hours = 0 WHERE id = %s", [held_line_id])

                def commit_when_the_cron_waits():
                    # pg_blocking_pids reads the lock table live, not the transaction's snapshot
                    for _i in range(400):
                        cr_other.execute("SELECT pg_blocking_pids(%s)", [cron_pid])
                        if other_pid in cr_other.fetchone()[0]:
                            blocked.append(True)
                            break
                        time.sleep(0.05)
                    cr_other.commit()

                thread = threading.Thread(target=commit_when_the_cron_waits)
                thread.start()
                try:
                    with self.assertLogs('odoo.addons.cskh_helpdesk.models.utils', logging.INFO) as logs, \
                            mute_logger('odoo.sql_db'):
                        self._env(cr_cron)['cskh.ticket.sla']._cron_escalate(batch_size=1)
                finally:
                    thread.join()
                cr_cron.commit()
            self.assertTrue(blocked, "the cron waited for the other transaction's line")
            self.assertEqual(len(logs.records), 1)
            self.assertIn('serialization_failure', logs.output[0].lower())
            with self.registry.cursor() as cr:
                env = self._env(cr)
                tickets = env['cskh.ticket'].browse(ticket_ids)
                self.assertEqual(tickets.mapped('escalation_level'), [1, 1])
                self.assertEqual(tickets.mapped('priority'), ['1', '1'])
                notes = env['mail.message'].search([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids), ('body', 'ilike', 'SLA missed')])
                self.assertEqual(sorted(notes.mapped('res_id')), sorted(ticket_ids))
        finally:
            self._cleanup(team_id, trigger_id)
