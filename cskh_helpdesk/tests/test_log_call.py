from odoo.exceptions import AccessError
from odoo.tests import Form, tagged, users

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestLogCall(CskhCommon):
    """"Log a Call": the caller found by number however it is written, an unknown number
    becoming a contact, a call solved on the phone counting as first-contact resolution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref('base.vn')
        cls.caller = cls.env['res.partner'].create({'name': 'Trần Thị Bình', 'phone': '+84909888777'})
        cls.user_portal = mail_new_test_user(
            cls.env, login='cskh_portal_caller', name='Portal Caller', groups='base.group_portal')

    def _log_call_form(self, action=None):
        action = action or self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_log_call_action')
        return Form.from_action(self.env, action)

    def _open_ticket(self, action):
        self.assertEqual(action['res_model'], 'cskh.ticket')
        return self.env['cskh.ticket'].browse(action['res_id'])

    @users('cskh_agent')
    def test_log_call_number_written_differently(self):
        """``0909 888 777`` typed by the agent finds the contact stored as ``+84909888777``."""
        form = self._log_call_form()
        form.phone = '0909 888 777'
        self.assertEqual(form.partner_id, self.caller)
        form.name = 'Hỏi về bảo hành'
        form.team_id = self.team
        form.description = '<p>Khách hỏi thời hạn bảo hành.</p>'
        ticket = self._open_ticket(form.save().action_log_call())
        self.assertEqual(ticket.partner_id, self.caller)
        self.assertEqual(ticket.channel, 'phone')
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.user_id, self.user_agent)
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertIn('bảo hành', ticket.description)
        self.assertFalse(ticket.fcr)

    @users('cskh_agent')
    def test_log_call_number_variants(self):
        """Dots, dashes, brackets, 0084 and a national number stored on the contact."""
        national = self.env['res.partner'].sudo().create({'name': 'Lê Văn Cường', 'phone': '028.3822-1234'})
        for typed, expected in [
            ('+84 909.888.777', self.caller),
            ('0084-909-888-777', self.caller),
            ('(028) 3822 1234', national),
            ('+84 28 3822 1234', national),
            ('0909 888 778', self.env['res.partner']),
        ]:
            with self.subTest(typed=typed):
                self.assertEqual(self.env['res.partner']._cskh_search_by_phone(typed), expected)

    @users('cskh_agent')
    def test_log_call_unknown_number_creates_contact(self):
        form = self._log_call_form()
        form.phone = '0912 345 678'
        self.assertFalse(form.partner_id)
        form.partner_name = 'Phạm Thu Hà'
        form.name = 'Đổi địa chỉ giao hàng'
        form.team_id = self.team
        ticket = self._open_ticket(form.save().action_log_call())
        caller = ticket.partner_id
        self.assertEqual(caller.name, 'Phạm Thu Hà')
        self.assertEqual(caller.phone, '+84912345678')
        # the next call from that number finds the new contact
        self.assertEqual(self.env['res.partner']._cskh_search_by_phone('0912.345.678'), caller)

    @users('cskh_agent')
    def test_log_call_solved_during_call_is_fcr(self):
        form = self._log_call_form()
        form.phone = '+84909888777'
        form.name = 'Hướng dẫn đặt lại mật khẩu'
        form.team_id = self.team
        form.is_solved = True
        ticket = self._open_ticket(form.save().action_log_call())
        self.assertEqual(ticket.stage_id, self.stage_solved)
        self.assertTrue(ticket.is_closed)
        self.assertTrue(ticket.date_closed)
        self.assertTrue(ticket.fcr)
        self.assertEqual(ticket.closure_count, 1)

    @users('cskh_agent')
    def test_log_call_from_contact(self):
        form = self._log_call_form(self.caller.with_env(self.env).action_cskh_log_call())
        self.assertEqual(form.partner_id, self.caller)
        self.assertEqual(form.phone, '+84909888777')
        form.name = 'Gọi lại về đơn hàng'
        form.team_id = self.team
        ticket = self._open_ticket(form.save().action_log_call())
        self.assertEqual(ticket.partner_id, self.caller)

    def test_log_call_access(self):
        """Only helpdesk agents log calls: a portal user or an employee outside the helpdesk
        groups cannot open the wizard."""
        for user in (self.user_portal, self.user_employee_plain):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env['cskh.ticket.log.call'].with_user(user).create({
                    'phone': '0909888777', 'name': 'x', 'team_id': self.team.id})
        wizard = self.env['cskh.ticket.log.call'].with_user(self.user_agent).create({
            'phone': '0909888777', 'name': 'Agent call', 'team_id': self.team.id})
        self.assertEqual(wizard.partner_id, self.caller)
