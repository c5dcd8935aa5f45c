import subprocess
import sys
from email.utils import formatdate, make_msgid

from odoo.tests import HOST, HttpCase, tagged
from odoo.tools import file_path, mute_logger

from .common import MAIL_TEMPLATE


@tagged('post_install', '-at_install', 'cskh')
class TestMailgateScript(HttpCase):
    """End to end: a raw mail piped into Odoo's mailgate script, as a mail server does,
    reaches the running server over XML-RPC and becomes an acknowledged ticket."""

    def _run_mailgate(self, raw, password='admin'):
        admin = self.env.ref('base.user_admin')
        script = file_path('mail/static/scripts/odoo-mailgate.py')
        self.env.flush_all()
        # the script speaks XML-RPC, deprecated in 19.0 (warning), and may be refused (logged)
        with self.allow_requests(all_requests=True), \
                mute_logger('odoo.addons.rpc.controllers.xmlrpc', 'odoo.http'):
            return subprocess.run(
                [sys.executable, script, '-d', self.env.cr.dbname, '-u', str(admin.id), '-p', password,
                 '--host', HOST, '--port', str(self.http_port())],
                input=raw, capture_output=True, timeout=120, check=False)

    def test_mailgate_script_creates_ticket(self):
        alias_domain = self.env['mail.alias.domain'].create({'name': 'cskh-mailgate.example.com'})
        team = self.env.ref('cskh_helpdesk.team_default')
        team.alias_domain_id = alias_domain
        self.assertEqual(team.alias_email, 'support@cskh-mailgate.example.com')
        self.assertTrue(team.ack_template_id, "the default team acknowledges requests")

        raw = MAIL_TEMPLATE.format(
            email_from='Võ Thị Hạnh <hanh.vo@example.vn>', to=team.alias_email, cc='',
            subject='Đơn hàng chưa được giao', msg_id=make_msgid(domain='example.vn'), date=formatdate(), extra='',
            body='Tôi đặt hàng từ tuần trước mà vẫn chưa nhận được.')

        result = self._run_mailgate(raw.encode())
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors='replace'))

        ticket = self.env['cskh.ticket'].search([('partner_email', '=', 'hanh.vo@example.vn')])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.team_id, team)
        self.assertEqual(ticket.name, 'Đơn hàng chưa được giao')
        self.assertEqual(ticket.channel, 'email')
        self.assertIn('vẫn chưa nhận được', ticket.description)
        self.assertEqual(ticket.partner_id.name, 'Võ Thị Hạnh')
        ack = ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment')
        self.assertEqual(len(ack), 1)
        self.assertIn(ticket.number, ack.subject)
        outgoing = self.env['mail.mail'].sudo().search([('mail_message_id', '=', ack.id)])
        self.assertEqual(outgoing.recipient_ids, ticket.partner_id)

    def test_mailgate_script_wrong_password(self):
        result = self._run_mailgate(
            b'From: a@example.vn\r\nTo: support@example.com\r\nSubject: x\r\n\r\nx', password='wrong')
        self.assertNotEqual(result.returncode, 0)
        self.assertFalse(self.env['cskh.ticket'].search([('partner_email', '=', 'a@example.vn')]))
