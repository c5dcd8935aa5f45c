from email.message import EmailMessage

from odoo.tests import tagged, users, warmup

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestMailPerformance(CskhCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.ack_template_id = cls.env.ref('cskh_helpdesk.mail_template_ticket_ack')
        cls.env['cskh.auto.reply'].create({'name': 'Mật khẩu', 'keywords': 'mat khau'})

    def _raw(self, index):
        message = EmailMessage()
        message['Subject'] = f'Yêu cầu số {index}'
        message['From'] = f'Khách {index} <khach{index}@example.vn>'
        message['To'] = self.team.alias_email
        message['Message-Id'] = f'<perf-{index}-{self.id()}@example.vn>'
        message.set_content('Xin hỗ trợ giúp tôi.')
        return message.as_bytes()

    @users('__system__')
    @warmup
    def test_ticket_from_email_query_count(self):
        """Creating a ticket from an email (partner, followers, acknowledgement, rules) costs a
        fixed number of queries."""
        index = 1 if not hasattr(self, '_perf_index') else self._perf_index + 1
        self._perf_index = index
        with self.mock_mail_gateway(), self.assertQueryCount(__system__=109):
            self.env['mail.thread'].message_process(False, self._raw(index))
            self.env.cr.precommit.run()
        ticket = self.env['cskh.ticket'].search([('partner_email', '=', f'khach{index}@example.vn')])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment'))
