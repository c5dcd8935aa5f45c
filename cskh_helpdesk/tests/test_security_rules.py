from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestSecurityRules(CskhCommon):
    """Which tickets each user sees, and that the records about a ticket (SLA lines,
    survey answers, analysis rows, ratings) follow the ticket's visibility."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_led = cls.env['cskh.team'].create({
            'name': 'Khiếu nại', 'visibility': 'members', 'leader_id': cls.user_agent_2.id,
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.user_portal = mail_new_test_user(
            cls.env, login='cskh_portal', name='Portal An', email='portal.an@example.vn',
            groups='base.group_portal')
        cls.user_portal.partner_id.parent_id = cls.customer

        Ticket = cls.env['cskh.ticket']
        cls.tickets = {
            'no_team': Ticket.create({'name': 'No team', 'team_id': False}),
            'open': cls._create_ticket(name='Open team', partner_id=cls.customer.id),
            'archived': cls._create_ticket(name='Open team, archived', active=False),
            'private': cls._create_ticket(name='Private team', team_id=cls.team_private.id,
                                          partner_id=cls.customer.id),
            'private_assigned': cls._create_ticket(name='Private team, assigned to Lan',
                                                   team_id=cls.team_private.id, user_id=cls.user_agent.id),
            'led': cls._create_ticket(name='Team led by Minh', team_id=cls.team_led.id),
            'company_2': Ticket.create({'name': 'Company 2', 'team_id': cls.team_c2.id}),
        }
        assert not cls.tickets['no_team'].team_id
        cls.ticket_keys = {ticket.id: key for key, ticket in cls.tickets.items()}
        all_tickets = Ticket.browse(cls.ticket_keys).with_context(active_test=False)

        # one record of each dependent model per ticket
        cls.sla_lines = cls.env['cskh.ticket.sla'].create([{
            'ticket_id': ticket.id,
            'sla_id': cls.env['cskh.sla'].create({
                'name': f'SLA {ticket.name}', 'team_id': ticket.team_id.id or cls.team.id,
                'company_id': ticket.company_id.id, 'target': 'first_response', 'time': 2}).id,
        } for ticket in all_tickets])
        cls.responses = cls.env['cskh.survey.response'].create([
            {'ticket_id': ticket.id, 'closure_key': 1} for ticket in all_tickets])
        cls.ratings = cls.env['rating.rating'].create([{
            'res_model_id': cls.env['ir.model']._get_id('cskh.ticket'),
            'res_id': ticket.id, 'rating': 5, 'consumed': True,
        } for ticket in all_tickets])

    # what each user sees, by ticket key
    COMPANY_1 = {'no_team', 'open', 'archived', 'private', 'private_assigned', 'led'}
    EXPECTED = {
        # member of the open team: tickets without team, of open teams, assigned to her
        'cskh_agent': {'no_team', 'open', 'archived', 'private_assigned'},
        # leader of a members-only team
        'cskh_agent_2': {'no_team', 'open', 'archived', 'led'},
        # member of the members-only team
        'cskh_agent_3': {'no_team', 'open', 'archived', 'private', 'private_assigned'},
        # agent of the second company only
        'cskh_agent_c2': {'company_2'},
        'cskh_manager': COMPANY_1,
    }

    def _keys(self, records):
        field = 'id' if records._name == 'cskh.ticket' else (
            'cskh_ticket_id' if records._name == 'rating.rating' else 'ticket_id')
        return {self.ticket_keys[record[field].id if field != 'id' else record.id] for record in records.sudo()}

    def _search(self, user, model, records):
        return self.env[model].with_user(user).with_context(active_test=False).search(
            [('id', 'in', records.ids)])

    def test_visibility_matrix(self):
        tickets = self.env['cskh.ticket'].browse(self.ticket_keys)
        report_rows = self.env['cskh.ticket.report'].browse(self.ticket_keys)
        for login, expected in self.EXPECTED.items():
            user = self.env['res.users'].search([('login', '=', login)])
            with self.subTest(user=login):
                self.assertEqual(self._keys(self._search(user, 'cskh.ticket', tickets)), expected)
                self.assertEqual(self._keys(self._search(user, 'cskh.ticket.sla', self.sla_lines)), expected)
                self.assertEqual(self._keys(self._search(user, 'cskh.survey.response', self.responses)), expected)
                self.assertEqual(self._keys(self._search(user, 'rating.rating', self.ratings)), expected)
                # the analysis shows active tickets only
                self.assertEqual(self._keys(self._search(user, 'cskh.ticket.report', report_rows)),
                                 expected - {'archived'})

    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_record_access_checks(self):
        """Opening a record (check_access on given ids) agrees with searching."""
        for login, expected in self.EXPECTED.items():
            user = self.env['res.users'].search([('login', '=', login)])
            for key, ticket in self.tickets.items():
                allowed = key in expected
                line = self.sla_lines.filtered(lambda l, t=ticket: l.ticket_id == t)
                response = self.responses.filtered(lambda r, t=ticket: r.ticket_id == t)
                for record in (ticket, line, response):
                    with self.subTest(user=login, ticket=key, model=record._name):
                        record = record.with_user(user)
                        if allowed:
                            record.check_access('read')
                            record.read(['display_name'])
                        else:
                            with self.assertRaises(AccessError):
                                record.check_access('read')

    def test_is_agent_visible(self):
        """The field's value and its search agree, whatever the teams' companies."""
        tickets = self.env['cskh.ticket'].with_context(active_test=False).browse(self.ticket_keys)
        # the field ignores companies: the company rule applies on top of it
        everyone = {'no_team', 'open', 'archived', 'company_2'}
        expected_by_login = {
            'cskh_agent': everyone | {'private_assigned'},
            'cskh_agent_2': everyone | {'led'},
            'cskh_agent_3': everyone | {'private', 'private_assigned'},
            'cskh_agent_c2': everyone,
            'cskh_manager': everyone,
        }
        for login, expected in expected_by_login.items():
            user = self.env['res.users'].search([('login', '=', login)])
            as_user = tickets.with_user(user).sudo()
            with self.subTest(user=login):
                self.assertEqual(self._keys(as_user.filtered('is_agent_visible')), expected)
                self.assertEqual(self._keys(as_user.search(
                    [('id', 'in', tickets.ids), ('is_agent_visible', '=', True)])), expected)
                self.assertEqual(self._keys(as_user.search(
                    [('id', 'in', tickets.ids), ('is_agent_visible', '=', False)])), set(self.tickets) - expected)
                self.assertEqual(self._keys(as_user.search(
                    [('id', 'in', tickets.ids), ('is_agent_visible', '!=', True)])), set(self.tickets) - expected)

    def test_visibility_follows_changes(self):
        """Joining a team or being assigned shows its tickets at once."""
        ticket = self.tickets['private'].with_user(self.user_agent)
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_rule'):
            ticket.check_access('read')
        self.team_private.member_ids += self.user_agent
        ticket.check_access('read')
        self.assertTrue(self._search(self.user_agent, 'cskh.ticket.sla',
                                     self.sla_lines.filtered(lambda l: l.ticket_id == ticket)))
        self.team_private.member_ids -= self.user_agent
        self.env.invalidate_all()
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_rule'):
            ticket.check_access('read')
        self.tickets['private'].user_id = self.user_agent
        ticket.check_access('read')

    def test_portal(self):
        """Portal users see their company's tickets, whatever the team, and nothing of
        the helpdesk's internal records."""
        tickets = self.env['cskh.ticket'].browse(self.ticket_keys)
        self.assertEqual(self._keys(self._search(self.user_portal, 'cskh.ticket', tickets)), {'open', 'private'})
        for model, records in (('cskh.ticket.sla', self.sla_lines), ('cskh.survey.response', self.responses),
                               ('cskh.ticket.report', self.env['cskh.ticket.report'].browse(self.ticket_keys))):
            with self.subTest(model=model), self.assertRaises(AccessError), \
                    mute_logger('odoo.addons.base.models.ir_model'):
                self._search(self.user_portal, model, records)

    def test_employee_outside_helpdesk(self):
        tickets = self.env['cskh.ticket'].browse(self.ticket_keys)
        with self.assertRaises(AccessError), mute_logger('odoo.addons.base.models.ir_model'):
            self._search(self.user_employee_plain, 'cskh.ticket', tickets)
        self.assertFalse(self._search(self.user_employee_plain, 'rating.rating', self.ratings))
