import json

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.cskh_helpdesk.tests.common import CskhCommon
from odoo.addons.mail.tests.common import mail_new_test_user


@tagged('post_install', '-at_install', 'cskh')
class TestLivechatTicket(HttpCase, CskhCommon):
    """``/ticket`` in a live chat conversation, as crm_livechat's ``/lead``: real sessions
    opened by a guest or a portal user through the live chat routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_operator = mail_new_test_user(
            cls.env, login='cskh_operator', name='Operator Hoa', email='hoa@example.com',
            groups='base.group_user,im_livechat.im_livechat_group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        cls.user_operator_plain = mail_new_test_user(
            cls.env, login='livechat_only', name='Operator Tuan', email='tuan@example.com',
            groups='base.group_user,im_livechat.im_livechat_group_user')
        cls.user_portal = mail_new_test_user(
            cls.env, login='cskh_chat_portal', name='Khách Cổng', email='khach@example.vn',
            groups='base.group_portal')
        cls.team.member_ids = [Command.link(cls.user_operator.id)]
        cls.livechat_channel = cls.env['im_livechat.channel'].create({
            'name': 'Hỗ trợ trực tuyến',
            'user_ids': [Command.set((cls.user_operator | cls.user_operator_plain).ids)],
        })

    def _open_session(self, operator):
        """A visitor (the current HTTP session: guest or logged in) opens a conversation with
        ``operator`` and writes to him."""
        self.livechat_channel.user_ids = operator
        self.env['mail.presence']._update_presence(operator)
        data = self.make_jsonrpc_request('/im_livechat/get_session', {
            'channel_id': self.livechat_channel.id, 'persisted': True})
        channel = self.env['discuss.channel'].browse(data['channel_id'])
        self.make_jsonrpc_request('/mail/message/post', {
            'thread_model': 'discuss.channel',
            'thread_id': channel.id,
            'post_data': {'body': 'Tôi không đăng nhập được vào ứng dụng'},
        })
        channel.message_post(
            author_id=operator.partner_id.id, body='Anh/chị dùng email nào để đăng nhập?',
            message_type='comment')
        return channel

    def _run_command(self, channel, user, body):
        """Run the command as the composer does; return the operator-only messages sent."""
        with self.mock_bus():
            channel.with_user(user).execute_command_ticket(body=body)
        notifs = self._new_bus_notifs.filtered(
            lambda n: json.loads(n.message).get('type') == 'discuss.channel/transient_message')
        self.assertEqual(
            [tuple(json.loads(n.channel)) for n in notifs],
            [(self.env.cr.dbname, 'res.partner', user.partner_id.id)],
            "the answer to the command goes to the operator only")
        return json.loads(notifs.message)['payload']['body']

    def test_ticket_from_guest_conversation(self):
        channel = self._open_session(self.user_operator)
        guest = channel.channel_member_ids.guest_id
        self.assertTrue(guest)
        body = self._run_command(channel, self.user_operator, '/ticket Không đăng nhập được')
        ticket = self.env['cskh.ticket'].search([('origin_channel_id', '=', channel.id)])
        self.assertEqual(len(ticket), 1)
        self.assertIn(f"data-oe-model='cskh.ticket' data-oe-id='{ticket.id}'", body)
        self.assertEqual(ticket.name, 'Không đăng nhập được')
        self.assertEqual(ticket.channel, 'chat')
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_name, guest.name)
        self.assertEqual(ticket.team_id, self.env['cskh.ticket']._default_team_id())
        self.assertEqual(ticket.user_id, self.user_operator)
        # the transcript as /lead writes it: each author's name, then what they wrote
        self.assertIn(f'<strong>{guest.name}:</strong>', ticket.description)
        self.assertIn('<strong>Operator Hoa:</strong>', ticket.description)
        self.assertIn('Tôi không đăng nhập được vào ứng dụng', ticket.description)
        self.assertIn('Anh/chị dùng email nào để đăng nhập?', ticket.description)

    def test_ticket_from_portal_conversation(self):
        """A logged-in customer is the ticket's customer, not a colleague invited in the chat;
        the team is the one set on the live chat channel."""
        self.livechat_channel.cskh_team_id = self.team_private
        self.team_private.member_ids = [Command.link(self.user_operator.id)]
        self.authenticate('cskh_chat_portal', 'cskh_chat_portal')
        channel = self._open_session(self.user_operator)
        channel.sudo().channel_partner_ids = [Command.link(self.user_agent.partner_id.id)]
        self._run_command(channel, self.user_operator, '/ticket Đổi mật khẩu')
        ticket = self.env['cskh.ticket'].search([('origin_channel_id', '=', channel.id)])
        self.assertEqual(ticket.partner_id, self.user_portal.partner_id)
        self.assertEqual(ticket.partner_email, 'khach@example.vn')
        self.assertEqual(ticket.team_id, self.team_private)

    def test_ticket_command_without_subject(self):
        channel = self._open_session(self.user_operator)
        body = self._run_command(channel, self.user_operator, '/ticket ')
        self.assertIn('Create a new ticket with', body)
        self.assertFalse(self.env['cskh.ticket'].search([('origin_channel_id', '=', channel.id)]))

    def test_ticket_command_not_agent(self):
        """A live chat operator outside the helpdesk is told so, and no ticket is created."""
        channel = self._open_session(self.user_operator_plain)
        body = self._run_command(channel, self.user_operator_plain, '/ticket Không đăng nhập được')
        self.assertIn('Only helpdesk agents can create a ticket', body)
        self.assertFalse(self.env['cskh.ticket'].sudo().search([('origin_channel_id', '=', channel.id)]))

    def test_ticket_with_deleted_message(self):
        """An emptied message is left out of the transcript (as for /lead)."""
        channel = self._open_session(self.user_operator)
        message = channel.message_post(
            author_id=self.user_operator.partner_id.id, body='Tin nhắn đã xoá', message_type='comment')
        channel._message_update_content(message, body='')
        self.env.invalidate_all()
        channel.with_user(self.user_operator).execute_command_ticket(body='/ticket Hỏi về bảo hành')
        ticket = self.env['cskh.ticket'].search([('origin_channel_id', '=', channel.id)])
        self.assertEqual(ticket.name, 'Hỏi về bảo hành')
        self.assertNotIn('Tin nhắn đã xoá', ticket.description)
