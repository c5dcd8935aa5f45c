from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestAccess(CskhCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_open_team = cls._create_ticket(name='Public team ticket')
        cls.ticket_private_team = cls._create_ticket(name='Private team ticket', team_id=cls.team_private.id)
        cls.ticket_c2 = cls.env['cskh.ticket'].create({'name': 'Company 2 ticket', 'team_id': cls.team_c2.id})

    @users('cskh_agent')
    def test_agent_cannot_read_restricted_team(self):
        Ticket = self.env['cskh.ticket']
        visible = Ticket.search([('id', 'in', (self.ticket_open_team | self.ticket_private_team).ids)])
        self.assertEqual(visible, self.ticket_open_team.with_env(self.env))
        with self.assertRaises(AccessError):
            Ticket.browse(self.ticket_private_team.id).read(['name'])
        with self.assertRaises(AccessError):
            Ticket.create({'name': 'Sneaky', 'team_id': self.team_private.id})

    @users('cskh_agent_3')
    def test_member_reads_restricted_team(self):
        ticket = self.env['cskh.ticket'].browse(self.ticket_private_team.id)
        self.assertEqual(ticket.name, 'Private team ticket')
        ticket.write({'priority': '2'})

    @users('cskh_agent')
    def test_assignee_reads_ticket_of_restricted_team(self):
        self.ticket_private_team.sudo().user_id = self.env.user
        self.assertEqual(self.env['cskh.ticket'].browse(self.ticket_private_team.id).name, 'Private team ticket')

    @users('cskh_manager')
    def test_manager_reads_all(self):
        tickets = self.env['cskh.ticket'].search([('id', 'in', (self.ticket_open_team | self.ticket_private_team).ids)])
        self.assertEqual(len(tickets), 2)
        tickets.unlink()

    @users('cskh_agent')
    def test_agent_cannot_configure_or_delete(self):
        with self.assertRaises(AccessError):
            self.env['cskh.team'].create({'name': 'My own team'})
        with self.assertRaises(AccessError):
            self.env['cskh.stage'].create({'name': 'My stage'})
        with self.assertRaises(AccessError):
            self.env['cskh.team'].browse(self.team.id).write({'assign_method': 'balanced'})
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].browse(self.ticket_open_team.id).unlink()

    @users('plain_employee')
    def test_employee_without_group_reads_no_ticket(self):
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].search([])

    @users('cskh_agent_c2')
    def test_multi_company_isolation(self):
        Ticket = self.env['cskh.ticket']
        self.assertEqual(Ticket.search([('id', 'in', (self.ticket_open_team | self.ticket_c2).ids)]),
                         self.ticket_c2.with_env(self.env))
        with self.assertRaises(AccessError):
            Ticket.browse(self.ticket_open_team.id).read(['name'])
        self.assertNotIn(self.team, self.env['cskh.team'].search([]))

    @users('cskh_manager')
    def test_manager_limited_to_allowed_companies(self):
        """Managers see all teams' tickets, but only in their allowed companies."""
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].browse(self.ticket_c2.id).read(['name'])
