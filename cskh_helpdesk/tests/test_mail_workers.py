"""Exactly once: one mail delivered twice at the same moment (an MTA retrying after a
timeout while the first delivery still runs, two fetchmail servers) makes one ticket,
with the two deliveries in two real cursors, as two server workers run them."""
import threading
import time
from email.utils import formatdate, make_msgid

from odoo.orm.environments import Transaction
from odoo.tests import tagged

from .common import MAIL_TEMPLATE, CronCursorsCommon
from ..models.mail_thread import MESSAGE_LOCK_NAMESPACE


@tagged('post_install', '-at_install', 'cskh')
class TestMailWorkers(CronCursorsCommon):

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].create({
                'name': 'Exactly once test team',
                'ack_template_id': env.ref('cskh_helpdesk.mail_template_ticket_ack').id})
            self.team_id = team.id
        self.addCleanup(self._cleanup_mail)
        self.msg_id = make_msgid(domain='khach.example.vn')
        self.raw = MAIL_TEMPLATE.format(
            email_from='Lý Văn Hùng <hung.ly@khach.example.vn>', to='hotro@khach-hang.example.com', cc='',
            subject='Gửi hai lần', msg_id=self.msg_id, date=formatdate(), extra='',
            body='Máy chủ thư gửi lại thư này khi lần đầu chưa trả lời.').encode()

    def _cleanup_mail(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['cskh.ticket'].with_context(active_test=False).search([('team_id', '=', self.team_id)])
            env['mail.mail'].search([('model', '=', 'cskh.ticket'), ('res_id', 'in', tickets.ids)]).unlink()
            env['mail.activity'].search([('res_model', '=', 'cskh.ticket'), ('res_id', 'in', tickets.ids)]).unlink()
            tickets.unlink()
            env['cskh.team'].with_context(active_test=False).browse(self.team_id).unlink()
            env['res.partner'].with_context(active_test=False).search(
                [('email', '=ilike', 'hung.ly@khach.example.vn')]).unlink()

    def _process(self, cr):
        """The mail, delivered in ``cr`` (no alias of this database matches its recipient:
        it goes to the team given, as fetchmail servers of a team route it)."""
        if cr.transaction is None:
            # as a server worker does: the registry is loaded (the test runner holds the
            # registries' lock, which Environment would wait for in another thread)
            cr.transaction = Transaction(self.registry)
        return self._env(cr)['mail.thread'].message_process(
            'cskh.ticket', self.raw, custom_values={'team_id': self.team_id})

    def _deliver(self, results, key, before=None):
        """One delivery in its own transaction, committed, as a server worker runs it;
        ``before(cr)`` runs in that transaction first."""
        try:
            with self.registry.cursor() as cr:
                if before:
                    before(cr)
                results[key] = self._process(cr)
        except Exception as error:  # noqa: BLE001  reported by the test thread
            results[key] = error

    def _waiting_on_lock(self):
        with self.registry.cursor() as cr:
            cr.execute("""
                SELECT COUNT(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND NOT granted AND classid = %s""", (MESSAGE_LOCK_NAMESPACE,))
            return cr.fetchone()[0]

    def _assert_one_ticket(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['cskh.ticket'].search([('team_id', '=', self.team_id)])
            self.assertEqual(len(tickets), 1, "one mail, one ticket")
            messages = env['mail.message'].search([('message_id', '=', self.msg_id)])
            self.assertEqual(len(messages), 1, "the mail is on one message")
            self.assertEqual((messages.model, messages.res_id), ('cskh.ticket', tickets.id))
            return tickets

    def test_concurrent_deliveries_make_one_ticket(self):
        results = {}
        with self.registry.cursor() as cr_first:
            ticket_id = self._process(cr_first)
            self.assertTrue(ticket_id)
            # the MTA delivers the mail again while the first delivery is still running;
            # that worker has read the database already (its snapshot predates the commit)
            second = threading.Thread(target=self._deliver, args=(results, 'second'), kwargs={
                'before': lambda cr: cr.execute("SELECT COUNT(*) FROM mail_message")})
            second.start()
            deadline = time.time() + 20
            while not self._waiting_on_lock() and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(self._waiting_on_lock(), 1, f"the second delivery waits for the first one {results}")
            self.assertTrue(second.is_alive())
            cr_first.commit()
        second.join(60)
        self.assertFalse(second.is_alive())
        self.assertIs(results['second'], False, "the second delivery is dropped as processed")
        ticket = self._assert_one_ticket()
        self.assertEqual(ticket.id, ticket_id)

    def test_delivery_committed_after_the_snapshot(self):
        """The first delivery commits after the second one's transaction read the database
        but before it takes the lock: the second does not wait, and still drops the mail."""
        first_done = threading.Event()
        results = {}

        def before(cr):
            cr.execute("SELECT COUNT(*) FROM mail_message")
            first = threading.Thread(target=self._deliver, args=(results, 'first'))
            first.start()
            first.join(60)
            first_done.set()

        self._deliver(results, 'second', before=before)
        self.assertTrue(first_done.is_set())
        self.assertTrue(results['first'] and not isinstance(results['first'], Exception), results['first'])
        self.assertIs(results['second'], False)
        self._assert_one_ticket()

    def test_rolled_back_delivery_lets_the_retry_through(self):
        """A delivery that fails (rolled back) leaves nothing: the MTA's retry, waiting
        meanwhile, makes the ticket."""
        results = {}
        with self.registry.cursor() as cr_first:
            self._process(cr_first)
            second = threading.Thread(target=self._deliver, args=(results, 'second'))
            second.start()
            deadline = time.time() + 20
            while not self._waiting_on_lock() and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(self._waiting_on_lock(), 1)
            cr_first.rollback()
        second.join(60)
        self.assertTrue(results['second'] and not isinstance(results['second'], Exception), results['second'])
        self._assert_one_ticket()
