"""Routing of new tickets to an available member with the skills and the capacity,
members' availability (own switch, time off) and the leader's hand-over."""
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CskhCommon, CskhMailCommon


class CskhRoutingCommon(CskhCommon):
    """The main team has three agents, balanced assignment, the manager as leader (not a
    member); Vietnamese and English are active."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('vi_VN')
        cls.lang_vi = cls.env['res.lang']._lang_get('vi_VN')
        cls.lang_en = cls.env['res.lang']._lang_get('en_US')
        cls.team.write({
            'member_ids': [Command.set((cls.user_agent | cls.user_agent_2 | cls.user_agent_3).ids)],
            'assign_method': 'balanced',
        })
        cls.type_complaint = cls.env.ref('cskh_helpdesk.type_complaint')
        cls.type_question = cls.env.ref('cskh_helpdesk.type_question')
        cls.tag_invoice = cls.env['cskh.tag'].create({'name': 'Hóa đơn'})

    def _member(self, user, team=None):
        return (team or self.team).team_member_ids.filtered(lambda m: m.user_id == user)

    def _give(self, user, count, **values):
        """``count`` open tickets of ``user`` in the main team."""
        return self.env['cskh.ticket'].create([
            {'name': f'Đang xử lý {i}', 'team_id': self.team.id, 'user_id': user.id, **values}
            for i in range(count)])

    def _put_on_leave(self, user, start, stop, time_type='leave'):
        resource = self.env['resource.resource'].create({'name': user.name, 'user_id': user.id})
        return self.env['resource.calendar.leaves'].create({
            'name': 'Nghỉ phép', 'resource_id': resource.id, 'time_type': time_type,
            'date_from': start, 'date_to': stop})

    def _assign_activities(self, ticket):
        todo = self.env.ref('mail.mail_activity_data_todo')
        return ticket.activity_ids.filtered(lambda a: a.activity_type_id == todo)


@tagged('post_install', '-at_install', 'cskh')
class TestTeamMembers(CskhRoutingCommon):

    def test_rows_follow_team_members(self):
        self.assertEqual(self.team.team_member_ids.user_id, self.user_agent | self.user_agent_2 | self.user_agent_3)
        self.team.member_ids = [Command.unlink(self.user_agent_2.id)]
        self.assertEqual(self.team.team_member_ids.user_id, self.user_agent | self.user_agent_3)
        # and the other way: a row makes its user a member, deleting it removes him
        row = self.env['cskh.team.member'].create({'team_id': self.team.id, 'user_id': self.user_agent_2.id})
        self.assertIn(self.user_agent_2, self.team.member_ids)
        row.unlink()
        self.assertNotIn(self.user_agent_2, self.team.member_ids)
        team = self.env['cskh.team'].create({'name': 'Đội mới', 'member_ids': [Command.set(self.user_agent.ids)]})
        self.assertRecordValues(team.team_member_ids, [{
            'user_id': self.user_agent.id, 'is_available': True, 'max_open_tickets': 0, 'has_skills': False}])
        self.assertEqual(team.team_member_ids.company_id, team.company_id)

    def test_unique_membership(self):
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'), self.cr.savepoint():
            self.env['cskh.team.member'].create({'team_id': self.team.id, 'user_id': self.user_agent.id})

    @users('cskh_manager')
    def test_team_form_shows_rows_of_added_members(self):
        team = self.team.with_env(self.env)
        with Form(team) as form:
            form.member_ids.remove(self.user_agent_2.id)
            form.member_ids.add(self.user_manager)
            self.assertEqual(len(form.team_member_ids), 3, "the row of the new member shows at once")
            with form.team_member_ids.edit(2) as row:
                self.assertEqual(row.user_id, self.user_manager)
                row.max_open_tickets = 4
                row.handles_vip = True
        self.assertEqual(team.member_ids, self.user_agent | self.user_agent_3 | self.user_manager)
        self.assertEqual(team.team_member_ids.user_id, team.member_ids)
        self.assertRecordValues(self._member(self.user_manager), [{'max_open_tickets': 4, 'handles_vip': True}])

    def test_agent_switches_only_his_own_availability(self):
        own = self._member(self.user_agent).with_user(self.user_agent)
        own.action_toggle_available()
        self.assertFalse(own.is_available)
        own.is_available = True
        with self.assertRaises(AccessError):
            own.max_open_tickets = 50
        with self.assertRaises(AccessError):
            own.lang_ids = self.lang_en
        with self.assertRaises(AccessError):
            self._member(self.user_agent_2).with_user(self.user_agent).is_available = False
        with self.assertRaises(AccessError):
            self.env['cskh.team.member'].with_user(self.user_agent).create(
                {'team_id': self.team.id, 'user_id': self.user_agent.id})
        with self.assertRaises(AccessError):
            own.unlink()
        # everyone of the team reads the availability of the others
        self.assertTrue(self._member(self.user_agent_2).with_user(self.user_agent).is_available)
        # an agent of another company sees no row
        with self.assertRaises(AccessError):
            self._member(self.user_agent_2).with_user(self.user_agent_c2).read(['is_available'])

    def test_leader_and_manager_edit_skills(self):
        self.team.leader_id = self.user_agent_3
        other = self._member(self.user_agent).with_user(self.user_agent_3)
        other.write({'max_open_tickets': 5, 'type_ids': [Command.set(self.type_question.ids)]})
        self.assertTrue(other.has_skills)
        with self.assertRaises(AccessError):
            other.user_id = self.user_agent_2  # moving a membership is a manager's
        row = self._member(self.user_agent_2).with_user(self.user_manager)
        row.write({'max_open_tickets': 2, 'is_available': False})
        self.assertEqual(row.max_open_tickets, 2)
        # the leader of another team does not change this one's members
        self.team_private.leader_id = self.user_agent_2
        with self.assertRaises(AccessError):
            self._member(self.user_agent).with_user(self.user_agent_2).max_open_tickets = 1


@tagged('post_install', '-at_install', 'cskh')
class TestRouting(CskhRoutingCommon):

    def test_no_eligible_agent_goes_to_leader(self):
        (self.team.team_member_ids).write({'type_ids': [Command.set(self.type_question.ids)]})
        ticket = self._create_ticket(type_id=self.type_complaint.id)
        self.assertEqual(ticket.user_id, self.user_manager, "nobody handles complaints: the leader takes it")
        self.assertFalse(self._assign_activities(ticket))
        self.assertIn(self._create_ticket(type_id=self.type_question.id).user_id, self.team.member_ids)

    def test_leader_unavailable_leaves_unassigned_with_activity(self):
        self.team.member_ids = [Command.link(self.user_manager.id)]
        self.team.team_member_ids.write({'is_available': False})
        ticket = self._create_ticket()
        self.assertFalse(ticket.user_id)
        activity = self._assign_activities(ticket)
        self.assertEqual(activity.user_id, self.user_manager)
        self.assertEqual(activity.summary, "Assign this ticket")
        # without leader: unassigned, and nobody to tell
        self.team.leader_id = False
        self.assertFalse(self._assign_activities(self._create_ticket()))

    def test_full_capacity(self):
        self._member(self.user_agent).max_open_tickets = 2
        (self._member(self.user_agent_2) | self._member(self.user_agent_3)).is_available = False
        self._give(self.user_agent, 2)
        self.assertEqual(self._create_ticket().user_id, self.user_manager, "Lan is full")
        self._member(self.user_agent).max_open_tickets = 3
        self.assertEqual(self._create_ticket().user_id, self.user_agent)
        # a closed ticket frees capacity
        self.env['cskh.ticket'].search([('user_id', '=', self.user_agent.id)], limit=1).stage_id = self.stage_solved
        self.assertEqual(self._create_ticket().user_id, self.user_agent)
        # a high priority ticket (weight 2) does not fit in the last free place
        self.assertEqual(self._member(self.user_agent).open_ticket_load, 3)
        self._member(self.user_agent).max_open_tickets = 4
        self.assertEqual(self._create_ticket(priority='2').user_id, self.user_manager)
        self.assertEqual(self._create_ticket(priority='1').user_id, self.user_agent)

    def test_skill_mismatch(self):
        self._member(self.user_agent).type_ids = self.type_complaint
        self._member(self.user_agent_2).type_ids = self.type_question
        self._member(self.user_agent_3).tag_ids = self.tag_invoice
        self._give(self.user_agent, 3)
        # only Lan handles complaints, whatever her load
        self.assertEqual(self._create_ticket(type_id=self.type_complaint.id).user_id, self.user_agent)
        self.assertEqual(self._create_ticket(type_id=self.type_question.id).user_id, self.user_agent_2)
        # Nam takes only tickets tagged invoice
        self.assertEqual(self._create_ticket(
            type_id=self.type_question.id, tag_ids=[Command.link(self.tag_invoice.id)]).user_id, self.user_agent_3)
        self.assertEqual(self._create_ticket(
            type_id=self.type_complaint.id, tag_ids=[Command.set(self.tag_invoice.ids)]).user_id, self.user_agent_3)
        # a ticket without type: only members without a type restriction; Nam wants tags
        self.assertEqual(self._create_ticket().user_id, self.user_manager)

    def test_language_match(self):
        english = self.env['res.partner'].create({'name': 'John Smith', 'email': 'john@example.com', 'lang': 'en_US'})
        vietnamese = self.env['res.partner'].create({'name': 'Trần Bình', 'lang': 'vi_VN'})
        no_lang = self.env['res.partner'].create({'name': 'Khách lạ', 'lang': False})
        self._member(self.user_agent).lang_ids = self.lang_en | self.lang_vi
        self._member(self.user_agent_2).lang_ids = self.lang_vi
        self._member(self.user_agent_3).lang_ids = self.lang_vi
        self._give(self.user_agent, 5)
        self.assertEqual(self._create_ticket(partner_id=english.id).user_id, self.user_agent,
                         "only Lan speaks English, although she has the most tickets")
        self.assertIn(self._create_ticket(partner_id=vietnamese.id).user_id, self.user_agent_2 | self.user_agent_3)
        self.assertIn(self._create_ticket(partner_id=no_lang.id).user_id, self.user_agent_2 | self.user_agent_3,
                      "a customer without language goes to anyone")

    def test_customer_tier_skill_and_vip_preference(self):
        self._member(self.user_agent_3).handles_vip = True
        self._give(self.user_agent_3, 4)
        vip = self._create_ticket(partner_id=self.customer.id)
        self.assertEqual(vip.customer_tier, 'vip')
        self.assertEqual(vip.user_id, self.user_agent_3, "VIP customers go to VIP agents first, whatever their load")
        self.assertIn(self._create_ticket().user_id, self.user_agent | self.user_agent_2)
        # a VIP agent without free capacity: another member takes it
        self._member(self.user_agent_3).max_open_tickets = 5
        self.assertIn(self._create_ticket(partner_id=self.customer.id).user_id, self.user_agent | self.user_agent_2)
        # a member restricted to a tier receives only that tier
        self._member(self.user_agent).customer_tier = 'loyal'
        self._member(self.user_agent_2).is_available = False
        loyal = self.env['res.partner'].create({'name': 'Khách thân thiết', 'cskh_customer_tier': 'loyal'})
        self.assertEqual(self._create_ticket(partner_id=loyal.id).user_id, self.user_agent)
        self.assertEqual(self._create_ticket().user_id, self.user_manager)

    def test_priority_weighting(self):
        self._give(self.user_agent, 1, priority='3')
        self._give(self.user_agent_2, 2, priority='0')
        self._give(self.user_agent_3, 1, priority='2')
        self._give(self.user_agent_3, 1, priority='1')
        self.assertEqual(
            [self._member(user).open_ticket_load for user in (self.user_agent, self.user_agent_2, self.user_agent_3)],
            [3, 2, 3])
        self.assertEqual(self._create_ticket().user_id, self.user_agent_2,
                         "one urgent ticket weighs more than two low ones")

    def _give_uncounted(self, user):
        """Tickets of ``user`` that weigh nothing in the team's load: two closed, two
        archived, and an urgent one in another team; returns that other team."""
        other_team = self.env['cskh.team'].create({
            'name': 'Đội khác', 'member_ids': [Command.set(user.ids)]})
        self.env['cskh.ticket'].create({
            'name': 'Đội khác', 'team_id': other_team.id, 'user_id': user.id, 'priority': '3'})
        self._give(user, 2, stage_id=self.stage_solved.id)
        self._give(user, 2, active=False)
        return other_team

    def test_load_counts_the_teams_open_tickets_only(self):
        other_team = self._give_uncounted(self.user_agent)
        self._give(self.user_agent, 1, priority='2')
        self._give(self.user_agent_2, 1)
        self.assertEqual(self._member(self.user_agent).open_ticket_load, 2,
                         "closed, archived and other teams' tickets do not count")
        self.assertEqual(self._member(self.user_agent, other_team).open_ticket_load, 3)
        self.assertEqual(self._member(self.user_agent_3).open_ticket_load, 0)

    def test_routing_counts_the_teams_open_tickets_only(self):
        """Routing reads the loads along with the available members: the same count."""
        self._give_uncounted(self.user_agent)
        self._give(self.user_agent, 1)
        self._give(self.user_agent_2, 1, priority='2')
        self._member(self.user_agent_3).is_available = False
        self.assertEqual(self._create_ticket().user_id, self.user_agent,
                         "one open ticket here (closed, archived and other teams' ones not counted) "
                         "against one weighing 2")

    def test_archived_user_gets_no_ticket(self):
        self._give(self.user_agent, 2)
        self._member(self.user_agent_3).is_available = False
        self.user_agent_2.active = False
        self.assertEqual(self._create_ticket().user_id, self.user_agent, "Minh is archived")

    def test_on_leave(self):
        now = fields.Datetime.now()
        self._give(self.user_agent_2, 1)
        self._give(self.user_agent_3, 1)
        self._put_on_leave(self.user_agent, now - timedelta(hours=2), now + timedelta(days=1))
        self.assertTrue(self._member(self.user_agent).is_on_leave)
        self.assertFalse(self._member(self.user_agent_2).is_on_leave)
        self.assertIn(self._create_ticket().user_id, self.user_agent_2 | self.user_agent_3)
        # other kinds of leaves, and leaves in the past or the future, do not count
        self._put_on_leave(self.user_agent_2, now - timedelta(hours=2), now + timedelta(days=1), time_type='other')
        self._put_on_leave(self.user_agent_3, now + timedelta(days=1), now + timedelta(days=2))
        self.env.invalidate_all()
        self.assertFalse(self._member(self.user_agent_2).is_on_leave)
        self.assertFalse(self._member(self.user_agent_3).is_on_leave)
        # the leader on leave does not take what nobody can
        self.team.team_member_ids.is_available = False
        self._put_on_leave(self.user_manager, now - timedelta(hours=1), now + timedelta(hours=1))
        ticket = self._create_ticket()
        self.assertFalse(ticket.user_id)
        self.assertEqual(self._assign_activities(ticket).user_id, self.user_manager)

    def test_round_robin_among_available(self):
        self.team.assign_method = 'round_robin'
        self._member(self.user_agent_2).is_available = False
        logins = [self._create_ticket(name=f'T{i}').user_id.login for i in range(3)]
        self.assertEqual(logins, ['cskh_agent', 'cskh_agent_3', 'cskh_agent'])

    def test_batch_counts_its_own_assignments(self):
        self.team.team_member_ids.max_open_tickets = 1
        tickets = self.env['cskh.ticket'].create([{'name': f'B{i}', 'team_id': self.team.id} for i in range(4)])
        self.assertEqual(tickets[:3].user_id, self.user_agent | self.user_agent_2 | self.user_agent_3)
        self.assertEqual(tickets[3].user_id, self.user_manager)

    def test_manual_team_routes_nothing(self):
        self.team.assign_method = 'manual'
        ticket = self._create_ticket()
        self.assertFalse(ticket.user_id)
        self.assertFalse(self._assign_activities(ticket))


@tagged('post_install', '-at_install', 'cskh')
class TestRedistribution(CskhRoutingCommon):

    def test_leader_hands_over_tickets_of_unavailable_members(self):
        tickets = self._give(self.user_agent, 4)
        closed = self._give(self.user_agent, 1, stage_id=self.stage_solved.id)
        self._member(self.user_agent).is_available = False
        action = self.team.with_user(self.user_manager).action_redistribute_unavailable()
        self.assertEqual(action['params']['type'], 'success')
        self.assertEqual(tickets.mapped('user_id'), self.user_agent_2 | self.user_agent_3)
        self.assertEqual(sorted(len(tickets.filtered(lambda t, u=u: t.user_id == u))
                                for u in (self.user_agent_2, self.user_agent_3)), [2, 2])
        self.assertEqual(closed.user_id, self.user_agent, "closed tickets stay with who solved them")

    def test_leader_hands_over_one_member(self):
        self.team.write({'leader_id': self.user_agent_3.id, 'visibility': 'members'})
        tickets = self._give(self.user_agent, 2, priority='2')
        self._member(self.user_agent_2).max_open_tickets = 2
        self._member(self.user_agent_3).is_available = False
        self.assertTrue(self._member(self.user_agent).with_user(self.user_agent_3).can_hand_over)
        self.assertFalse(self._member(self.user_agent).with_user(self.user_agent_2).can_hand_over)
        with self.assertRaises(AccessError):
            self._member(self.user_agent).with_user(self.user_agent_2).action_redistribute_tickets()
        self._member(self.user_agent).with_user(self.user_agent_3).action_redistribute_tickets()
        # Minh has room for one high priority ticket; the leader is away: the other one waits
        self.assertEqual(tickets.user_id, self.user_agent_2)
        waiting = tickets.filtered(lambda t: not t.user_id)
        self.assertEqual(len(waiting), 1)
        self.assertEqual(self._assign_activities(waiting).user_id, self.user_agent_3)

    def test_agent_cannot_hand_over(self):
        self._give(self.user_agent, 1)
        with self.assertRaises(AccessError):
            self.team.with_user(self.user_agent_2).action_redistribute_unavailable()


@tagged('post_install', '-at_install', 'cskh')
class TestRoutingMail(CskhMailCommon, CskhRoutingCommon):

    def test_email_routed_by_customer_language(self):
        self.env['res.partner'].create({
            'name': 'Trần Thị Bình', 'email': 'binh.tran@example.vn', 'lang': 'en_US'})
        self._member(self.user_agent).lang_ids = self.lang_en
        (self._member(self.user_agent_2) | self._member(self.user_agent_3)).lang_ids = self.lang_vi
        self._give(self.user_agent, 3)
        ticket = self._process(self._mail())
        self.assertEqual(ticket.partner_id.email, 'binh.tran@example.vn')
        self.assertEqual(ticket.user_id, self.user_agent, "the English-speaking agent, despite her load")
        # a new Vietnamese customer (created with the company's language) goes to the others
        self.env['res.partner'].create({'name': 'Lê Văn Cường', 'email': 'cuong@example.vn', 'lang': 'vi_VN'})
        other = self._process(self._mail(email_from='Lê Văn Cường <cuong@example.vn>', subject='Hỏi giá'))
        self.assertIn(other.user_id, self.user_agent_2 | self.user_agent_3)


@tagged('post_install', '-at_install', 'cskh', 'cskh_perf')
class TestRoutingUsers(CskhRoutingCommon):
    """Assigning a batch of tickets costs the same number of queries in a team of 6 and
    of 50 members (each with skills and capacity)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = cls.env.ref('cskh_helpdesk.cskh_helpdesk_group_agent')
        agents = cls.env['res.users'].with_context(no_reset_password=True).create([{
            'name': f'Nhân viên {i}', 'login': f'routing_agent_{i}', 'email': f'nv{i}@example.vn',
            'group_ids': [Command.link(group.id)],
        } for i in range(50)])
        cls.team_6 = cls._make_team('Đội 6', agents[:6])
        cls.team_50 = cls._make_team('Đội 50', agents)
        cls.partner_en = cls.env['res.partner'].create({'name': 'John', 'lang': 'en_US'})

    @classmethod
    def _make_team(cls, name, agents):
        team = cls.env['cskh.team'].create({
            'name': name, 'assign_method': 'balanced', 'leader_id': cls.user_manager.id,
            'member_ids': [Command.set(agents.ids)]})
        for i, member in enumerate(team.team_member_ids):
            member.write({
                'max_open_tickets': 20,
                'lang_ids': [Command.set((cls.lang_vi | cls.lang_en).ids if i % 2 else cls.lang_vi.ids)],
                'type_ids': [Command.set(cls.type_question.ids)] if i % 3 == 0 else [],
                'handles_vip': i % 5 == 0,
            })
        cls.env['cskh.ticket'].create([
            {'name': f'Cũ {i}', 'team_id': team.id, 'user_id': agents[i % len(agents)].id, 'priority': str(i % 4)}
            for i in range(2 * len(agents))])
        return team

    def _vals(self, team):
        return [{
            'name': f'Mới {i}', 'team_id': team.id, 'priority': str(i % 4),
            'type_id': self.type_question.id if i % 2 else False,
            'partner_id': (self.partner_en, self.customer)[i % 2].id,
            'tag_ids': [Command.link(self.tag_invoice.id)],
        } for i in range(10)]

    def _assign(self, team, queries):
        vals_list = self._vals(team)
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            self.env['cskh.ticket']._prepare_assignees(vals_list)
        assignees = self.env['res.users'].browse(vals['user_id'] for vals in vals_list)
        self.assertLessEqual(assignees, team.member_ids)
        self.assertEqual(len(assignees), len(vals_list), "all tickets found a member")

    def test_assignment_6_members(self):
        self._assign(self.team_6, 9)

    def test_assignment_50_members(self):
        self._assign(self.team_50, 9)
