"""Auto-close of tickets waiting for a customer who does not answer: one reminder after
the team's reminder delay, closure after the closing delay, both in working days of the
team's calendar; a customer message in between starts the delays again."""
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CronCursorsCommon, CskhMailCommon, CskhSlaCommon, freeze, local

# the team works 08:00-17:00 Monday to Friday (CskhSlaCommon); 2026-11-16 is a Monday
MONDAY_10 = local(2026, 11, 16, 10, 0)
REMINDER_NOTE = "Reminder sent to the customer"
CLOSED_NOTE = "Closed automatically after 4 working days without an answer."


@tagged('post_install', '-at_install', 'cskh')
class TestAutoClose(CskhSlaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.write({'use_auto_close': True, 'auto_close_reminder_days': 2, 'auto_close_days': 4})

    def _waiting_ticket(self, when=MONDAY_10, **values):
        return self._create_ticket_at(when, **{'partner_id': self.customer.id, 'stage_id': self.stage_waiting.id, **values})

    def _run_auto_close_at(self, when):
        """Run the auto-close cron as the scheduler does (own cursor, progress API)."""
        with freeze(when), self.enter_registry_test_mode():
            self.env.ref('cskh_helpdesk.cskh_ticket_cron_auto_close').method_direct_trigger()
        self.env.invalidate_all()

    def _notes(self, ticket, text):
        return ticket.message_ids.filtered(lambda m: m.message_type == 'notification' and text in (m.body or ''))

    def _reminders(self, ticket):
        return ticket.message_ids.filtered(lambda m: 'Are you still there?' in (m.subject or ''))

    def _closing_mails(self, ticket):
        return ticket.message_ids.filtered(lambda m: 'We closed your request' in (m.subject or ''))

    def _customer_writes(self, ticket, when):
        with freeze(when, self.env):
            ticket.message_post(
                body="Tôi vẫn chưa đăng nhập được.", author_id=self.customer.id,
                message_type='email', subtype_xmlid='mail.mt_comment')
            self.env.flush_all()

    def test_watched_stages_default_to_waiting_stages(self):
        self.assertEqual(self.team.auto_close_stage_ids, self.stage_waiting)

    @users('cskh_manager')
    def test_team_form_delays(self):
        with Form(self.env['cskh.team']) as form:
            form.name = "Đội tự đóng"
            form.use_auto_close = True
            form.auto_close_reminder_days = 1
            form.auto_close_days = 3
        self.assertTrue(form.record.use_auto_close)

    @mute_logger('odoo.sql_db')
    def test_closure_must_come_after_reminder(self):
        with self.assertRaises(IntegrityError):
            self.team.write({'auto_close_reminder_days': 4, 'auto_close_days': 4})
            self.team.flush_recordset()

    def test_reminder_once_then_closed(self):
        ticket = self._waiting_ticket()
        # Wednesday: only Tuesday is a whole working day without answer
        self._run_auto_close_at(local(2026, 11, 18, 16, 0))
        self.assertFalse(ticket.date_auto_close_reminder)
        self.assertFalse(self._reminders(ticket))
        # Thursday: Tuesday and Wednesday; the cron running twice reminds once
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self._run_auto_close_at(local(2026, 11, 19, 10, 0))
        self.assertEqual(ticket.date_auto_close_reminder, local(2026, 11, 19, 9, 0))
        self.assertEqual(len(self._reminders(ticket)), 1)
        self.assertEqual(len(self._notes(ticket, REMINDER_NOTE)), 1)
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        # Friday afternoon: three working days only
        self._run_auto_close_at(local(2026, 11, 20, 16, 0))
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        # Monday: Tuesday to Friday, four working days
        self._run_auto_close_at(local(2026, 11, 23, 9, 0))
        self._run_auto_close_at(local(2026, 11, 23, 10, 0))
        self.assertEqual(ticket.stage_id, self.stage_solved)
        self.assertEqual(len(self._closing_mails(ticket)), 1)
        self.assertEqual(len(self._notes(ticket, CLOSED_NOTE)), 1)
        self.assertEqual(len(self._reminders(ticket)), 1)

    def test_customer_reply_cancels_closure(self):
        ticket = self._waiting_ticket()
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self.assertTrue(ticket.date_auto_close_reminder)
        # the customer answers on Friday; the ticket stays waiting (no gateway here)
        self._customer_writes(ticket, local(2026, 11, 20, 11, 0))
        self.assertEqual(ticket.date_last_customer_message, local(2026, 11, 20, 11, 0))
        self.assertFalse(ticket.date_auto_close_reminder)
        self._run_auto_close_at(local(2026, 11, 23, 9, 0))
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        self.assertFalse(self._notes(ticket, CLOSED_NOTE))
        # the delays start again from the answer: a new reminder on Wednesday (Monday, Tuesday)
        self._run_auto_close_at(local(2026, 11, 24, 9, 0))
        self.assertEqual(len(self._reminders(ticket)), 1)
        self._run_auto_close_at(local(2026, 11, 25, 9, 0))
        self.assertEqual(len(self._reminders(ticket)), 2)
        self.assertEqual(ticket.stage_id, self.stage_waiting)

    def test_agent_message_is_not_an_answer(self):
        ticket = self._waiting_ticket()
        with freeze(local(2026, 11, 18, 11, 0), self.env):
            ticket.with_user(self.user_agent).message_post(
                body="Anh/chị đã thử lại chưa ạ?", message_type='comment', subtype_xmlid='mail.mt_comment')
            ticket.message_post(body="Ghi chú nội bộ", author_id=self.customer.id, subtype_xmlid='mail.mt_note')
            self.env.flush_all()
        self.assertFalse(ticket.date_last_customer_message)
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self.assertEqual(len(self._reminders(ticket)), 1)

    def test_unwatched_stage_and_team_untouched(self):
        in_progress = self._waiting_ticket(stage_id=self.stage_progress.id)
        other_team = self.team.copy({'name': 'Không tự đóng', 'use_auto_close': False})
        other = self._waiting_ticket(team_id=other_team.id)
        self._run_auto_close_at(local(2026, 11, 30, 9, 0))
        for ticket in in_progress | other:
            self.assertFalse(ticket.date_auto_close_reminder)
            self.assertFalse(self._reminders(ticket))
        self.assertEqual(in_progress.stage_id, self.stage_progress)
        self.assertEqual(other.stage_id, self.stage_waiting)

    def test_stage_change_restarts_the_wait(self):
        ticket = self._waiting_ticket()
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self._write_at(local(2026, 11, 19, 10, 0), ticket, {'stage_id': self.stage_progress.id})
        self._write_at(local(2026, 11, 19, 11, 0), ticket, {'stage_id': self.stage_waiting.id})
        self.assertFalse(ticket.date_auto_close_reminder)
        self._run_auto_close_at(local(2026, 11, 23, 9, 0))
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        self.assertEqual(len(self._reminders(ticket)), 1)

    def test_working_days_skip_the_weekend(self):
        ticket = self._waiting_ticket(local(2026, 11, 20, 10, 0))  # Friday
        # Monday and Tuesday: Saturday and Sunday are no working days
        self._run_auto_close_at(local(2026, 11, 23, 9, 0))
        self._run_auto_close_at(local(2026, 11, 24, 9, 0))
        self.assertFalse(self._reminders(ticket))
        # Wednesday: Monday and Tuesday
        self._run_auto_close_at(local(2026, 11, 25, 9, 0))
        self.assertEqual(len(self._reminders(ticket)), 1)

    def test_stage_email_not_sent_on_top_of_closing_email(self):
        self.stage_solved.mail_template_id = self.env.ref('cskh_helpdesk.mail_template_ticket_ack')
        ticket = self._waiting_ticket()
        self._run_auto_close_at(local(2026, 11, 19, 9, 0))
        self._run_auto_close_at(local(2026, 11, 23, 9, 0))
        self.assertEqual(ticket.stage_id, self.stage_solved)
        self.assertEqual(len(self._closing_mails(ticket)), 1)
        self.assertFalse(ticket.message_ids.filtered(lambda m: 'We received your request' in (m.subject or '')))


@tagged('post_install', '-at_install', 'cskh')
class TestAutoCloseMail(CskhMailCommon):
    """Customer messages through the gateway restart the auto-close delays; an agent's
    mail does not."""

    def test_gateway_replies(self):
        self.team.write({'use_auto_close': True, 'resume_on_reply': False})
        ticket = self._process(self._mail())
        self.assertTrue(ticket.date_last_customer_message, "the first mail is a customer message")
        ack = self._auto_messages(ticket)
        ticket.stage_id = self.stage_waiting
        ticket.sudo().date_auto_close_reminder = fields.Datetime.now()
        ticket.sudo().date_last_customer_message = False
        # an agent answering by email is no customer message
        self._process(self._mail(
            subject=f'Re: [{ticket.number}] x', email_from=self.user_agent.email_formatted,
            headers={'In-Reply-To': ack.message_id}))
        self.assertFalse(ticket.date_last_customer_message)
        self.assertTrue(ticket.date_auto_close_reminder)
        # the customer's reply forgets the reminder
        self._process(self._mail(subject='Re: x', body='Vẫn chưa được', headers={'In-Reply-To': ack.message_id}))
        self.assertTrue(ticket.date_last_customer_message)
        self.assertFalse(ticket.date_auto_close_reminder)
        self.assertEqual(ticket.stage_id, self.stage_waiting)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestAutoClosePerformance(CskhSlaCommon):
    """The auto-close cron costs a fixed number of queries per batch, plus those of
    posting each reminder email."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.write({'use_auto_close': True, 'auto_close_reminder_days': 2,
                        'auto_close_days': 4, 'auto_reply_limit': 0})

    def _count_cron(self, count, when):
        partners = self.env['res.partner'].create([
            {'name': f'Khách {count}-{i}', 'email': f'khach{count}.{i}@example.vn'} for i in range(count)])
        with freeze(MONDAY_10, self.env):
            tickets = self.env['cskh.ticket'].create([{
                'name': f'Chờ khách {i}', 'team_id': self.team.id, 'partner_id': partner.id,
                'stage_id': self.stage_waiting.id} for i, partner in enumerate(partners)])
            self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        with freeze(when), self.enter_registry_test_mode():
            self.env.ref('cskh_helpdesk.cskh_ticket_cron_auto_close').method_direct_trigger()
        queries = self.env.cr.sql_log_count - start
        self.env.invalidate_all()
        return queries, tickets

    def test_cron_queries_per_batch(self):
        self._count_cron(3, local(2026, 11, 19, 9, 0))  # warm the caches
        (self.env['cskh.ticket'].search([('team_id', '=', self.team.id)])).write({'active': False})
        small, tickets_small = self._count_cron(10, local(2026, 11, 19, 9, 0))
        tickets_small.write({'active': False})
        large, tickets_large = self._count_cron(50, local(2026, 11, 19, 9, 0))
        self.assertTrue(all(tickets_large.mapped('date_auto_close_reminder')))
        # the reminder email is posted ticket by ticket (rendered in the customer's language,
        # and delivered on the chat app of a Zalo or Facebook ticket: see _send_auto_email);
        # finding, locking, stamping and the chatter notes cost the same for 10 or 50 tickets
        counts = f"queries: 10 tickets -> {small}, 50 tickets -> {large}"
        self.assertEqual((large - small) % 40, 0, counts)
        self.assertEqual((large - small) // 40, 18, counts)
        # 55 (was 59): the calendar's work intervals are cached (resource.calendar._cskh_window_intervals)
        self.assertEqual(small - 10 * 18, 55, counts)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestAutoCloseWorkers(CronCursorsCommon):
    """Two workers running the auto-close cron at the same time never remind the same ticket."""

    def test_two_workers_share_the_waiting_tickets(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        trigger_id = self.env.cr.fetchone()[0]
        with self.registry.cursor() as cr:
            env = self._env(cr)
            waiting = env.ref('cskh_helpdesk.stage_waiting')
            team = env['cskh.team'].create({
                'name': 'Two workers auto-close team', 'use_auto_close': True,
                'auto_close_reminder_days': 1, 'auto_close_days': 30, 'resource_calendar_id': False,
                'stage_ids': [Command.set((waiting | env.ref('cskh_helpdesk.stage_solved')).ids)]})
            self.assertEqual(team.auto_close_stage_ids, waiting)
            tickets = env['cskh.ticket'].create([
                {'name': f'Two workers auto-close {i}', 'team_id': team.id, 'stage_id': waiting.id}
                for i in range(8)])
            tickets.flush_recordset()
            cr.execute("UPDATE cskh_ticket SET date_last_stage_update = %s WHERE id IN %s",
                       [fields.Datetime.now() - timedelta(days=5), tuple(tickets.ids)])
            team_id, ticket_ids = team.id, tickets.ids
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a, env_b = self._env(cr_a), self._env(cr_b)
                # worker A holds the three first tickets, as the cron's batch does
                batch_a = env_a['cskh.ticket'].browse(ticket_ids).sorted('id').try_lock_for_update(
                    limit=3, allow_referencing=True)
                self.assertEqual(len(batch_a), 3)
                # worker B runs the cron with small batches: it skips A's tickets
                env_b['cskh.ticket']._cron_auto_close(batch_size=2)
                batch_a._auto_close_remind()
                cr_a.commit()
            with self.registry.cursor() as cr:
                env = self._env(cr)
                tickets = env['cskh.ticket'].browse(ticket_ids)
                self.assertTrue(all(tickets.mapped('date_auto_close_reminder')))
                notes = env['mail.message'].search([
                    ('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids),
                    ('body', 'ilike', 'working days')])
                # one note per ticket: nobody reminded a ticket twice
                self.assertEqual(sorted(notes.mapped('res_id')), sorted(ticket_ids))
        finally:
            with self.registry.cursor() as cr:
                env = self._env(cr)
                env['cskh.ticket'].with_context(active_test=False).browse(ticket_ids).exists().unlink()
                env['cskh.team'].with_context(active_test=False).browse(team_id).exists().unlink()
                env['ir.cron.trigger'].search([('id', '>', trigger_id)]).unlink()
