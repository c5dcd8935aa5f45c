from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestFaqTours(HttpCase):
    """The knowledge base in a browser: a customer finds his answer on the help center,
    the ticket form suggests an article, an agent answers a ticket with an article."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['cskh.team'].search([]).use_website_form = False
        stage = cls.env['cskh.stage'].create({'name': 'KB New', 'sequence': 1})
        cls.team = cls.env['cskh.team'].create({
            'name': 'KB Team', 'use_website_form': True, 'stage_ids': [Command.set(stage.ids)]})
        cls.faq = cls.env['cskh.faq'].create({
            'title': 'Bảo hành máy giặt bao lâu?',
            'answer': '<p>Máy giặt được bảo hành 24 tháng tại nhà.</p>',
            'is_published': True,
        })
        cls.env['cskh.faq'].create({'title': 'Đổi mật khẩu', 'answer': '<p>Vào Tài khoản.</p>', 'is_published': True})

    def test_customer_finds_answer(self):
        self.start_tour('/cskh/faq', 'cskh_faq_customer_tour')
        self.faq.invalidate_recordset()
        self.assertEqual(self.faq.helpful_count, 1)
        self.assertEqual(self.faq.view_count, 1)
        self.assertFalse(self.env['cskh.ticket'].search_count([('team_id', '=', self.team.id)]))

    def test_form_suggests_article(self):
        self.start_tour('/cskh/submit', 'cskh_faq_form_suggest_tour')
        self.faq.invalidate_recordset()
        self.assertGreaterEqual(self.faq.suggested_count, 1)

    def test_agent_replies_with_article(self):
        agent = mail_new_test_user(
            self.env, login='kb_tour_agent', name='Agent Kim', email='kim@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        self.team.member_ids = [Command.link(agent.id)]
        customer = self.env['res.partner'].create({'name': 'Lê Văn Tâm', 'email': 'tam.le@example.vn'})
        ticket = self.env['cskh.ticket'].create({
            'name': 'Máy giặt còn bảo hành không?', 'team_id': self.team.id, 'partner_id': customer.id})
        self.start_tour(f'/odoo/action-cskh_helpdesk.cskh_ticket_action/{ticket.id}', 'cskh_faq_agent_tour',
                        login='kb_tour_agent')
        message = ticket.message_ids.filtered(lambda m: '24 tháng' in str(m.body))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, agent.partner_id)
        self.assertIn(self.faq.url, message.body)
