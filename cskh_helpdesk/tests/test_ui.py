from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestAgentTours(HttpCase):
    """Agents work tickets in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env, login='tour_agent', name='Tour Agent', email='tour.agent@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        stages = cls.env['cskh.stage'].create([
            {'name': 'New', 'sequence': 1},
            {'name': 'In Progress', 'sequence': 2},
            {'name': 'Solved', 'sequence': 3, 'is_closed': True},
        ])
        cls.team = cls.env['cskh.team'].create({
            'name': 'Tour Team',
            'member_ids': [Command.set(cls.agent.ids)],
            'stage_ids': [Command.set(stages.ids)],
            'sequence': 0,
        })
        cls.customer = cls.env['res.partner'].create({'name': 'Trần Thị Bích', 'email': 'bich@example.vn'})
        cls.ticket = cls.env['cskh.ticket'].create({
            'name': 'Printer on fire', 'team_id': cls.team.id, 'partner_id': cls.customer.id})

    def test_agent_works_a_ticket(self):
        self.start_tour('/odoo', 'cskh_agent_ticket_tour', login='tour_agent')
        self.assertEqual(self.ticket.user_id, self.agent)
        self.assertEqual(self.ticket.priority, '3')
        self.assertTrue(self.ticket.is_closed)
        self.assertTrue(self.ticket.date_closed)
        answer = self.ticket.message_ids.filtered(lambda m: 'technician' in m.body)
        self.assertEqual(answer.author_id, self.agent.partner_id)
        self.assertEqual(answer.message_type, 'comment')

    def test_agent_quick_create(self):
        self.start_tour(f'/odoo/helpdesk-tickets?cskh_team={self.team.id}', 'cskh_agent_quick_create_tour', login='tour_agent')
        created = self.env['cskh.ticket'].search([('name', 'in', ['Wifi does not work', 'Invoice is wrong'])])
        self.assertEqual(len(created), 2)
        self.assertEqual(created.filtered(lambda t: t.name == 'Invoice is wrong').user_id, self.agent)
        self.assertTrue(all(created.mapped('number')))
