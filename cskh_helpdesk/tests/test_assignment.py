from odoo.fields import Command
from odoo.tests import tagged

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestAssignment(CskhCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.member_ids = [Command.set((cls.user_agent | cls.user_agent_2 | cls.user_agent_3).ids)]

    def test_manual_team_leaves_new_tickets_unassigned(self):
        tickets = self.env['cskh.ticket'].create([{'name': f'T{i}', 'team_id': self.team.id} for i in range(3)])
        self.assertFalse(tickets.user_id)

    def test_balanced_goes_to_fewest_open_tickets(self):
        self.team.assign_method = 'balanced'
        # agent 1 has two open tickets, agent 2 one, agent 3 one closed (does not count)
        self._create_ticket(user_id=self.user_agent.id)
        self._create_ticket(user_id=self.user_agent.id)
        self._create_ticket(user_id=self.user_agent_2.id)
        self._create_ticket(user_id=self.user_agent_3.id, stage_id=self.stage_solved.id)
        tickets = self.env['cskh.ticket'].create([{'name': f'T{i}', 'team_id': self.team.id} for i in range(5)])
        self.assertEqual(
            [ticket.user_id.login for ticket in tickets],
            ['cskh_agent_3', 'cskh_agent_2', 'cskh_agent_3', 'cskh_agent', 'cskh_agent_2'],
            "each new ticket goes to whoever has the fewest open tickets at that moment")
        self.assertTrue(all(tickets.mapped('date_assigned')))

    def test_balanced_spreads_tickets_evenly(self):
        self.team.assign_method = 'balanced'
        users = self.env['res.users']
        for i in range(6):
            users |= self._create_ticket(name=f'T{i}').user_id
        load = {user: self.env['cskh.ticket'].search_count([('user_id', '=', user.id)]) for user in users}
        self.assertEqual(sorted(load.values()), [2, 2, 2])

    def test_round_robin_cycles_members_and_skips_leavers(self):
        self.team.assign_method = 'round_robin'
        logins = [self._create_ticket(name=f'T{i}').user_id.login for i in range(4)]
        self.assertEqual(logins, ['cskh_agent', 'cskh_agent_2', 'cskh_agent_3', 'cskh_agent'])
        batch = self.env['cskh.ticket'].create([{'name': f'B{i}', 'team_id': self.team.id} for i in range(3)])
        self.assertEqual([ticket.user_id.login for ticket in batch], ['cskh_agent_2', 'cskh_agent_3', 'cskh_agent'])
        # a member who left the team is skipped
        self.team.member_ids = [Command.unlink(self.user_agent_2.id)]
        self.assertEqual(self._create_ticket().user_id, self.user_agent_3)

    def test_explicit_assignee_kept(self):
        self.team.assign_method = 'round_robin'
        ticket = self._create_ticket(user_id=self.user_agent_3.id)
        self.assertEqual(ticket.user_id, self.user_agent_3)
        unassigned = self._create_ticket(user_id=False)
        self.assertFalse(unassigned.user_id, "an explicit empty assignee is respected")

    def test_team_without_members_falls_back_to_leader(self):
        self.team.write({'assign_method': 'balanced', 'member_ids': [Command.clear()]})
        self.assertEqual(self._create_ticket().user_id, self.user_manager,
                         "no member to route to: the team leader takes the ticket")
        self.team.leader_id = False
        self.assertFalse(self._create_ticket().user_id)
