from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestCrm(CskhCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sales_agent = mail_new_test_user(
            cls.env, login='cskh_sales_agent', name='Agent Sales Hoa', email='hoa@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent,'
                   'sales_team.group_sale_salesman_all_leads,crm.group_use_lead',
            company_id=cls.env.company.id)
        cls.user_salesman = mail_new_test_user(
            cls.env, login='crm_salesman', name='Salesman Tuan', email='tuan@example.com',
            groups='base.group_user,sales_team.group_sale_salesman_all_leads',
            company_id=cls.env.company.id)
        cls.team.member_ids = [Command.link(cls.user_sales_agent.id)]
        cls.sales_team = cls.env['crm.team'].create({
            'name': 'Kinh doanh miền Nam',
            'use_leads': True,
            'use_opportunities': True,
            'member_ids': [Command.link(cls.user_sales_agent.id)],
        })
        cls.sales_team_2 = cls.env['crm.team'].create({'name': 'Kinh doanh miền Bắc'})
        cls.type_question = cls.env.ref('cskh_helpdesk.type_question')
        cls.type_support = cls.env.ref('cskh_helpdesk.type_support')
        cls.lead = cls.env['crm.lead'].create({
            'name': 'Báo giá phần mềm bán hàng',
            'type': 'opportunity',
            'partner_id': cls.customer.id,
            'description': '<p>Khách muốn dùng thử 30 ngày.</p>',
            'user_id': cls.user_salesman.id,
        })

    def _assert_note_links(self, record, linked):
        """The last message of ``record`` is a note linking ``linked``."""
        message = record.message_ids[0]
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_note'))
        self.assertIn(f'data-oe-model="{linked._name}" data-oe-id="{linked.id}"', message.body)

    # ------------------------------------------------------------
    # Ticket -> lead / opportunity
    # ------------------------------------------------------------

    @users('cskh_sales_agent')
    def test_create_opportunity_from_question(self):
        """A pre-sales question by email: the wizard proposes an opportunity pre-filled from the
        ticket, with UTM source Helpdesk and medium email, links it and notes it on both sides."""
        ticket = self._create_ticket(
            name='Hỏi giá gói doanh nghiệp', partner_id=self.customer.id, type_id=self.type_question.id,
            channel='email', description='<p>Công ty tôi có 50 nhân viên.</p>').with_env(self.env)
        self.assertTrue(ticket.type_suggest_opportunity)
        wizard_form = Form.from_action(self.env, ticket.action_create_lead())
        self.assertEqual(wizard_form.lead_type, 'opportunity', "question types suggest an opportunity")
        self.assertEqual(wizard_form.name, 'Hỏi giá gói doanh nghiệp')
        self.assertEqual(wizard_form.partner_id, self.customer)
        self.assertEqual(wizard_form.user_id, self.env.user)
        self.assertEqual(wizard_form.team_id, self.sales_team, "the salesperson's team")
        wizard_form.team_id = self.sales_team_2
        action = wizard_form.save().action_create_lead()

        lead = ticket.lead_id
        self.assertTrue(lead)
        self.assertEqual(action['res_id'], lead.id)
        self.assertEqual(action['res_model'], 'crm.lead')
        self.assertEqual(lead.type, 'opportunity')
        self.assertEqual(lead.name, 'Hỏi giá gói doanh nghiệp')
        self.assertEqual(lead.partner_id, self.customer)
        self.assertEqual(lead.email_from, 'an.nguyen@example.vn')
        self.assertIn('50 nhân viên', lead.description)
        self.assertEqual(lead.team_id, self.sales_team_2)
        self.assertEqual(lead.user_id, self.env.user)
        self.assertEqual(lead.company_id, ticket.company_id)
        self.assertEqual(lead.source_id, self.env.ref('cskh_helpdesk.utm_source_helpdesk'))
        self.assertEqual(lead.medium_id, self.env.ref('utm.utm_medium_email'))
        self._assert_note_links(ticket, lead)
        self._assert_note_links(lead, ticket)

    @users('cskh_sales_agent')
    def test_create_lead_without_partner(self):
        """An unknown caller: a lead (company qualifies leads) with the ticket's contact data,
        no email medium; the agent stays on the ticket."""
        ticket = self._create_ticket(
            name='Hỏi về đại lý', partner_name='Trần Thị Bích', partner_email='bich.tran@example.vn',
            partner_phone='+84 90 123 4567', type_id=self.type_support.id, channel='phone',
        ).with_env(self.env)
        self.assertFalse(ticket.partner_id)
        wizard_form = Form.from_action(self.env, ticket.action_create_lead())
        self.assertEqual(wizard_form.lead_type, 'lead')
        self.assertEqual(wizard_form.contact_name, 'Trần Thị Bích')
        action = wizard_form.save().action_create_lead_and_stay()
        self.assertEqual(action['type'], 'ir.actions.act_window_close')

        lead = ticket.lead_id
        self.assertEqual(lead.type, 'lead')
        self.assertFalse(lead.partner_id)
        self.assertEqual(lead.contact_name, 'Trần Thị Bích')
        self.assertEqual(lead.email_from, 'bich.tran@example.vn')
        self.assertEqual(lead.phone, '+84 90 123 4567')
        self.assertEqual(lead.source_id, self.env.ref('cskh_helpdesk.utm_source_helpdesk'))
        self.assertFalse(lead.medium_id, "not an email ticket")
        self.assertIn('Lead', ticket.message_ids[0].body)
        self._assert_note_links(ticket, lead)
        self._assert_note_links(lead, ticket)

    @users('cskh_sales_agent')
    def test_create_opportunity_keeps_partner_email(self):
        """The customer wrote from another address: the partner's email must not be overwritten."""
        ticket = self._create_ticket(partner_id=self.customer.id).with_env(self.env)
        ticket.partner_email = 'an.personal@example.vn'
        wizard = Form.from_action(self.env, ticket.action_create_lead()).save()
        wizard.lead_type = 'opportunity'
        wizard.action_create_lead()
        self.assertEqual(ticket.lead_id.email_from, 'an.nguyen@example.vn')
        self.assertEqual(self.customer.email, 'an.nguyen@example.vn')

    @users('cskh_agent')
    def test_agent_without_crm_rights_cannot_create_lead(self):
        ticket = self._create_ticket().with_env(self.env)
        wizard = self.env['cskh.ticket.create.lead'].create({'ticket_id': ticket.id, 'name': 'Lead'})
        with self.assertRaises(AccessError):
            wizard.action_create_lead()
        self.assertFalse(ticket.lead_id)

    # ------------------------------------------------------------
    # Link to an existing lead
    # ------------------------------------------------------------

    @users('cskh_sales_agent')
    def test_link_existing_lead(self):
        ticket = self._create_ticket().with_env(self.env)
        self.flush_tracking()
        with Form(ticket) as form:
            form.lead_id = self.lead.with_env(self.env)
        self.assertEqual(ticket.lead_id, self.lead)
        self.flush_tracking()
        tracking = ticket.sudo().message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == 'lead_id')
        self.assertEqual(tracking.new_value_char, self.lead.display_name)

    @users('cskh_agent')
    def test_agent_without_crm_rights_cannot_link_lead(self):
        ticket = self._create_ticket().with_env(self.env)
        with self.assertRaises(AccessError):
            ticket.lead_id = self.lead.id
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].create({'name': 'Sneaky', 'team_id': self.team.id, 'lead_id': self.lead.id})
        self.assertFalse(ticket.lead_id)

    def test_link_lead_of_other_company(self):
        lead_c2 = self.env['crm.lead'].create({'name': 'Cơ hội công ty 2', 'company_id': self.company_2.id})
        with self.assertRaises(UserError):
            self._create_ticket(lead_id=lead_c2.id)

    # ------------------------------------------------------------
    # Access: the ticket form without CRM rights
    # ------------------------------------------------------------

    @users('cskh_agent')
    def test_agent_without_crm_rights_opens_linked_ticket(self):
        """The agent sees the name of the linked lead, no button to open or create leads,
        and loading the form raises nothing."""
        ticket = self._create_ticket(lead_id=self.lead.id, type_id=self.type_question.id).with_env(self.env)
        with self.assertRaises(AccessError):
            self.env['crm.lead'].browse(self.lead.id).read(['name'])

        form_view = self.env['cskh.ticket'].get_views([(False, 'form')])['views']['form']
        for button in ('action_create_lead', 'action_open_lead', 'Create Opportunity'):
            self.assertNotIn(button, form_view['arch'])
        self.assertIn("no_open", form_view['arch'])

        with Form(ticket) as form:
            self.assertEqual(form.lead_id.id, self.lead.id)
            form.priority = '2'
        self.assertEqual(ticket.priority, '2')
        self.assertEqual(ticket.lead_id, self.lead, "saving does not touch the link")

        [values] = ticket.web_read({
            'lead_id': {'fields': {'display_name': {}}},
            'lead_type': {},
            'type_suggest_opportunity': {},
        })
        self.assertEqual(values['lead_id'], {'id': self.lead.id, 'display_name': 'Báo giá phần mềm bán hàng'})

    @users('cskh_sales_agent')
    def test_sales_agent_ticket_form_buttons(self):
        ticket = self._create_ticket(type_id=self.type_question.id).with_env(self.env)
        arch = self.env['cskh.ticket'].get_views([(False, 'form')])['views']['form']['arch']
        for button in ('action_create_lead', 'action_open_lead', 'Create Opportunity'):
            self.assertIn(button, arch)
        ticket.lead_id = self.lead
        action = ticket.action_open_lead()
        self.assertEqual((action['res_model'], action['res_id']), ('crm.lead', self.lead.id))

    # ------------------------------------------------------------
    # Ticket type flag
    # ------------------------------------------------------------

    def test_suggest_opportunity_type_flag(self):
        self.assertTrue(self.type_question.suggest_opportunity, "shipped on the question type")
        self.assertFalse(self.env.ref('cskh_helpdesk.type_complaint').suggest_opportunity)
        ticket = self._create_ticket(type_id=self.type_support.id)
        self.assertFalse(ticket.type_suggest_opportunity)
        self.type_support.suggest_opportunity = True
        self.assertTrue(ticket.type_suggest_opportunity)

    # ------------------------------------------------------------
    # Lead -> tickets
    # ------------------------------------------------------------

    def test_lead_ticket_count_and_smart_button(self):
        ticket_1 = self._create_ticket(lead_id=self.lead.id)
        other_lead = self.env['crm.lead'].create({'name': 'Khác'})
        self._create_ticket(lead_id=other_lead.id)
        self.assertEqual(self.lead.cskh_ticket_count, 1)
        action = self.lead.action_view_cskh_tickets()
        self.assertEqual(action['res_id'], ticket_1.id, "a single ticket opens directly")

        ticket_2 = self._create_ticket(lead_id=self.lead.id)
        ticket_private = self._create_ticket(lead_id=self.lead.id, team_id=self.team_private.id)
        self.lead.invalidate_recordset(['cskh_ticket_count', 'cskh_ticket_ids'])
        self.assertEqual(self.lead.cskh_ticket_count, 3)
        action = self.lead.action_view_cskh_tickets()
        self.assertEqual(self.env['cskh.ticket'].search(action['domain']), ticket_1 | ticket_2 | ticket_private)
        self.assertEqual(action['context']['default_lead_id'], self.lead.id)
        self.lead.invalidate_recordset(['cskh_ticket_count'])
        self.assertEqual(
            self.lead.with_user(self.user_sales_agent).cskh_ticket_count, 2,
            "record rules apply: the private team's ticket is not counted")

    @users('crm_salesman')
    def test_salesman_without_helpdesk_rights_opens_lead(self):
        self._create_ticket(lead_id=self.lead.id)
        arch = self.env['crm.lead'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertNotIn('action_view_cskh_tickets', arch)
        self.assertNotIn('action_cskh_create_ticket', arch)
        lead = self.env['crm.lead'].browse(self.lead.id)
        lead.read(['name', 'partner_id'])
        with self.assertRaises(AccessError):
            lead.read(['cskh_ticket_count'])

    @users('cskh_sales_agent')
    def test_lead_form_buttons(self):
        arch = self.env['crm.lead'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('action_view_cskh_tickets', arch)
        self.assertIn('action_cskh_create_ticket', arch)

    @users('cskh_sales_agent')
    def test_create_ticket_from_lead(self):
        lead = self.lead.with_env(self.env)
        wizard_form = Form.from_action(self.env, lead.action_cskh_create_ticket())
        self.assertEqual(wizard_form.name, 'Báo giá phần mềm bán hàng')
        self.assertEqual(wizard_form.partner_id, self.customer)
        self.assertIn('dùng thử 30 ngày', wizard_form.description)
        self.assertTrue(wizard_form.team_id, "a team of the lead's company is proposed")
        wizard_form.team_id = self.team
        wizard_form.type_id = self.type_support
        wizard_form.priority = '2'
        action = wizard_form.save().action_create_ticket()

        ticket = self.env['cskh.ticket'].browse(action['res_id'])
        self.assertEqual(action['res_model'], 'cskh.ticket')
        self.assertEqual(ticket.lead_id, self.lead)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.partner_email, 'an.nguyen@example.vn')
        self.assertEqual(ticket.type_id, self.type_support)
        self.assertEqual(ticket.priority, '2')
        self.assertIn('dùng thử 30 ngày', ticket.description)
        self.assertTrue(ticket.number)
        self._assert_note_links(ticket, lead)
        self._assert_note_links(lead, ticket)
        self.assertEqual(lead.cskh_ticket_count, 1)

    @users('cskh_sales_agent')
    def test_create_ticket_from_lead_without_partner(self):
        lead = self.env['crm.lead'].create({
            'name': 'Khách vãng lai', 'contact_name': 'Lê Văn Cường',
            'email_from': 'cuong.le@example.vn', 'phone': '+84 91 000 1111'})
        wizard_form = Form.from_action(self.env, lead.action_cskh_create_ticket())
        wizard_form.team_id = self.team
        wizard_form.user_id = self.user_agent_2
        ticket = self.env['cskh.ticket'].browse(wizard_form.save().action_create_ticket()['res_id'])
        self.assertEqual(ticket.partner_name, 'Lê Văn Cường')
        self.assertEqual(ticket.partner_email, 'cuong.le@example.vn')
        self.assertEqual(ticket.partner_phone, '+84 91 000 1111')
        self.assertEqual(ticket.user_id, self.user_agent_2)
        self.assertEqual(ticket.lead_id, lead)

    # ------------------------------------------------------------
    # Customer smart button
    # ------------------------------------------------------------

    @users('cskh_agent')
    def test_partner_smart_button_counts_commercial_entity(self):
        Partner = self.env['res.partner'].sudo()
        company = Partner.create({'name': 'Công ty Sao Mai', 'is_company': True})
        contact_1 = Partner.create({'name': 'Thảo', 'parent_id': company.id})
        contact_2 = Partner.create({'name': 'Long', 'parent_id': company.id})
        stranger = Partner.create({'name': 'Người ngoài'})
        tickets = self._create_ticket(partner_id=company.id) | self._create_ticket(partner_id=contact_1.id) \
            | self._create_ticket(partner_id=contact_2.id)
        self._create_ticket(partner_id=stranger.id)
        self._create_ticket(partner_id=contact_1.id, team_id=self.team_private.id)

        for partner in (company, contact_1, contact_2):
            partner = partner.with_env(self.env)
            self.assertEqual(partner.cskh_ticket_count, 3, "whole entity, private team excluded")
        action = contact_2.with_env(self.env).action_view_cskh_tickets()
        self.assertEqual(self.env['cskh.ticket'].search(action['domain']), tickets.with_env(self.env))
        self.assertEqual(stranger.with_env(self.env).cskh_ticket_count, 1)
