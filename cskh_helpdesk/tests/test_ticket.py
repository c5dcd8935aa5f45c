from datetime import timedelta

from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CskhCommon, freeze


@tagged('post_install', '-at_install', 'cskh')
class TestTicket(CskhCommon):

    def test_number_sequence_per_company(self):
        first = self._create_ticket()
        second = self._create_ticket()
        other = self.env['cskh.ticket'].create({'name': 'Hỏi giá', 'team_id': self.team_c2.id})
        self.assertTrue(first.number and second.number and other.number)
        self.assertNotEqual(first.number, second.number)
        self.assertEqual(other.company_id, self.company_2)
        # each company counts on its own sequence
        sequences = self.env['ir.sequence'].search([('code', '=', 'cskh.ticket')])
        self.assertEqual(sequences.company_id, self.env.company | self.company_2)
        self.assertTrue(other.number.endswith('00001'), "a new company starts its own counter")
        self.assertIn(f'[{first.number}]', first.display_name)
        # the number is searchable from the name search
        self.assertEqual(self.env['cskh.ticket'].name_search(first.number)[0][0], first.id)
        self.assertEqual(self.env['cskh.ticket'].search([('number', '=', second.number)]), second)

    def test_number_unique_per_company(self):
        ticket = self._create_ticket()
        duplicate = self._create_ticket()
        with self.assertRaises(Exception), self.cr.savepoint(), mute_logger('odoo.sql_db'):
            duplicate.number = ticket.number
            duplicate.flush_recordset()

    def test_default_stage_and_stage_domain(self):
        ticket = self._create_ticket()
        self.assertEqual(ticket.stage_id, self.stage_new, "the team's first stage")
        # a ticket moved to a team without its stage goes to that team's first stage
        ticket.team_id = self.team_private
        self.assertEqual(ticket.stage_id, self.other_stage)
        # stages offered on the form are the team's ones
        with Form(self.env['cskh.ticket'].with_context(default_team_id=self.team.id)) as form:
            form.name = 'Máy in không hoạt động'
            self.assertEqual(form.stage_id, self.stage_new)
            stages = self.env['cskh.stage'].search(
                [('team_ids', 'in', self.team.id)])
            self.assertNotIn(self.other_stage, stages)
        # the kanban shows all the team's stages, even empty ones
        groups = self.env['cskh.ticket'].with_context(
            default_team_id=self.team.id, read_group_expand=True).web_read_group(
            [('team_id', '=', self.team.id)], ['stage_id'], ['__count'], unfold_read_specification={})
        self.assertEqual(
            [g['stage_id'][0] for g in groups['groups']], self.stages.ids)

    def test_date_closed_set_on_closing_stage(self):
        ticket = self._create_ticket()
        self.assertFalse(ticket.date_closed)
        self.assertFalse(ticket.is_closed)
        with freeze('2026-03-02 10:00:00'):
            ticket.stage_id = self.stage_solved
            ticket.flush_recordset()
            self.assertTrue(ticket.is_closed)
            self.assertEqual(str(ticket.date_closed), '2026-03-02 10:00:00')
        with freeze('2026-03-03 10:00:00'):
            ticket.stage_id = self.stage_cancel
            ticket.flush_recordset()
            self.assertEqual(str(ticket.date_closed), '2026-03-02 10:00:00', "still closed: kept")
            ticket.stage_id = self.stage_progress
            self.assertFalse(ticket.date_closed)
            self.assertFalse(ticket.is_closed)

    def test_date_assigned_set_on_assignment(self):
        ticket = self._create_ticket()
        self.assertFalse(ticket.user_id, "manual team: nobody assigned")
        self.assertFalse(ticket.date_assigned)
        with freeze('2026-03-02 10:00:00'):
            ticket.with_user(self.user_agent).action_assign_to_me()
            ticket.flush_recordset()
        self.assertEqual(ticket.user_id, self.user_agent)
        self.assertEqual(str(ticket.date_assigned), '2026-03-02 10:00:00')
        ticket.user_id = False
        self.assertFalse(ticket.date_assigned)

    def test_partner_matched_by_email(self):
        ticket = self._create_ticket(partner_email='"An" <An.Nguyen@Example.VN>', partner_name='An')
        self.assertEqual(ticket.partner_id, self.customer)
        unknown = self._create_ticket(partner_email='stranger@example.org', partner_name='Người lạ')
        self.assertFalse(unknown.partner_id)
        self.assertEqual(unknown.partner_email, 'stranger@example.org')
        self.assertEqual(unknown.partner_name, 'Người lạ')

    def test_partner_contact_data(self):
        self.customer.phone = '0903 123 456'
        with Form(self.env['cskh.ticket'].with_context(default_team_id=self.team.id)) as form:
            form.name = 'Hỏi về hóa đơn'
            form.partner_id = self.customer
            self.assertEqual(form.partner_email, 'an.nguyen@example.vn')
            self.assertEqual(form.partner_phone, '0903 123 456')
        ticket = form.record
        self.assertEqual(ticket.partner_name, 'Nguyễn Văn An')

    def test_customer_tier_stored_and_updated(self):
        company = self.env['res.partner'].create({
            'name': 'Công ty Minh Phát', 'is_company': True, 'cskh_customer_tier': 'loyal'})
        contact = self.env['res.partner'].create({'name': 'Huy', 'parent_id': company.id})
        ticket = self._create_ticket(partner_id=contact.id)
        self.assertEqual(ticket.customer_tier, 'loyal', "inherited from the commercial entity")
        vip_ticket = self._create_ticket(partner_id=self.customer.id)
        self.assertEqual(vip_ticket.customer_tier, 'vip')
        self.customer.cskh_customer_tier = 'loyal'
        self.assertEqual(vip_ticket.customer_tier, 'loyal')
        self.assertEqual(
            self.env['cskh.ticket'].search([('customer_tier', '=', 'loyal'), ('id', 'in', (ticket | vip_ticket).ids)]),
            ticket | vip_ticket, "stored: searchable")
        # an agent may override it on one ticket
        vip_ticket.customer_tier = 'vip'
        self.assertEqual(vip_ticket.customer_tier, 'vip')

    def test_partner_ticket_counts(self):
        company = self.env['res.partner'].create({'name': 'Công ty Sao Việt', 'is_company': True})
        contact_1 = self.env['res.partner'].create({'name': 'Thảo', 'parent_id': company.id})
        contact_2 = self.env['res.partner'].create({'name': 'Long', 'parent_id': company.id})
        self._create_ticket(partner_id=contact_1.id)
        ticket = self._create_ticket(partner_id=contact_2.id)
        self.assertEqual(company.cskh_ticket_count, 2)
        self.assertEqual(contact_1.cskh_ticket_count, 2, "counts the whole commercial entity")
        self.assertEqual(ticket.partner_ticket_count, 2)
        action = ticket.action_open_partner_tickets()
        self.assertEqual(self.env['cskh.ticket'].search(action['domain']).partner_id, contact_1 | contact_2)

    @users('cskh_agent')
    def test_agent_creates_ticket_with_form(self):
        with Form(self.env['cskh.ticket'].with_context(default_team_id=self.team.id)) as form:
            form.name = 'Khách gọi điện hỏi bảo hành'
            form.partner_id = self.customer.with_env(self.env)
            form.priority = '3'
            form.channel = 'phone'
            form.type_id = self.env.ref('cskh_helpdesk.type_complaint')
            self.assertIn('Greeting', form.type_script)
            form.tag_ids.add(self.env['cskh.tag'].create({'name': 'Khiếu nại qua điện thoại'}))
        ticket = form.record
        self.assertEqual(ticket.priority, '3')
        self.assertEqual(ticket.company_id, self.env.company)
        self.assertEqual(ticket.customer_tier, 'vip')

    def test_stage_assignee_priority_tracked_in_one_message(self):
        ticket = self._create_ticket(priority='3')
        self.flush_tracking()
        ticket.with_user(self.user_agent).write(
            {'stage_id': self.stage_progress.id, 'user_id': self.user_agent.id, 'priority': '2'})
        self.flush_tracking()
        message = ticket.message_ids[0]
        self.assertEqual(message.subtype_id, self.env.ref('cskh_helpdesk.mt_ticket_stage'))
        self.assertEqual(
            set(message.sudo().tracking_value_ids.field_id.mapped('name')), {'stage_id', 'user_id', 'priority'})

    def test_team_follower_follows_tickets(self):
        self.team.message_subscribe(partner_ids=self.user_manager.partner_id.ids)
        ticket = self._create_ticket()
        self.assertIn(self.user_manager.partner_id, ticket.message_partner_ids)

    def test_team_dashboard_counts(self):
        self._create_ticket(priority='3')
        self._create_ticket(user_id=self.user_agent.id)
        self._create_ticket(user_id=self.user_agent.id, stage_id=self.stage_solved.id)
        team = self.team.with_user(self.user_agent)
        self.assertEqual(team.open_ticket_count, 2)
        self.assertEqual(team.unassigned_ticket_count, 1)
        self.assertEqual(team.urgent_ticket_count, 1)
        self.assertEqual(team.my_ticket_count, 1)
        action = team.action_view_unassigned_tickets()
        self.assertEqual(action['context']['search_default_filter_unassigned'], 1)
        self.assertEqual(action['context']['default_team_id'], self.team.id)

    def test_open_tickets_rot_after_stage_threshold(self):
        (self.stage_new | self.stage_solved).rotting_threshold_days = 3
        ticket = self._create_ticket()
        closed = self._create_ticket(stage_id=self.stage_solved.id)
        # rotting counts against the transaction time: move the last stage change back
        (ticket | closed).date_last_stage_update = self.env.cr.now() - timedelta(days=8, hours=1)
        self.assertTrue(ticket.is_rotting)
        self.assertEqual(ticket.rotting_days, 8)
        self.assertFalse(closed.is_rotting, "closed tickets never rot")
        self.assertEqual(self.env['cskh.ticket'].search([('is_rotting', '=', True)]), ticket)

    def test_team_alias_creates_tickets_of_team(self):
        self.assertEqual(self.team.alias_id.alias_model_id.model, 'cskh.ticket')
        self.assertIn(f"'team_id': {self.team.id}", self.team.alias_id.alias_defaults)
        self.assertEqual(self.team.alias_email, f'hotro@{self.mail_alias_domain.name}')
        default_team = self.env.ref('cskh_helpdesk.team_default')
        self.assertEqual(default_team.alias_name, 'support')
