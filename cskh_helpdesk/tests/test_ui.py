from datetime import timedelta

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import freeze


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
        self.start_tour(f'/odoo/cskh-tickets?cskh_team={self.team.id}', 'cskh_agent_quick_create_tour', login='tour_agent')
        created = self.env['cskh.ticket'].search([('name', 'in', ['Wifi does not work', 'Invoice is wrong'])])
        self.assertEqual(len(created), 2)
        self.assertEqual(created.filtered(lambda t: t.name == 'Invoice is wrong').user_id, self.agent)
        self.assertTrue(all(created.mapped('number')))


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestAdminTours(HttpCase):
    """An administrator configures a team in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env, login='tour_admin', name='Tour Admin', email='tour.admin@example.com',
            groups='base.group_user,base.group_system,cskh_helpdesk.cskh_helpdesk_group_manager')
        cls.agent = new_test_user(
            cls.env, login='tour_agent', name='Tour Agent', email='tour.agent@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        # stages of another team: not offered by default to a new team, picked in the tour
        cls.stage_received, cls.stage_done = cls.env['cskh.stage'].create([
            {'name': 'Tour Received', 'sequence': 1},
            {'name': 'Tour Done', 'sequence': 9, 'is_closed': True},
        ])
        cls.env['cskh.team'].create({
            'name': 'Other Team',
            'stage_ids': [Command.set((cls.stage_received | cls.stage_done).ids)],
        })

    def test_admin_sets_up_a_team(self):
        self.start_tour('/odoo', 'cskh_admin_setup_tour', login='tour_admin')
        retail = self.env['cskh.team'].search([('name', '=', 'Bán lẻ')])
        self.assertEqual(len(retail), 1, "the Retail process template created its team")
        self.assertIn('Sales Complaint', self.env['cskh.ticket.type'].search([]).mapped('name'))
        self.assertTrue(retail.sla_ids, "with its SLA policies")
        self.assertTrue(retail.stage_ids.filtered('is_closed'))
        team = self.env['cskh.team'].search([('name', '=', 'Chăm sóc VIP')])
        self.assertEqual(len(team), 1)
        self.assertEqual(team.leader_id, self.admin)
        self.assertEqual(team.member_ids, self.agent)
        self.assertEqual(team.alias_name, 'cham-soc-vip')
        self.assertEqual(team.alias_id.alias_model_id.model, 'cskh.ticket')
        self.assertLessEqual(self.stage_received | self.stage_done, team.stage_ids)
        waiting = team.stage_ids.filtered(lambda s: s.name == 'Tour Waiting')
        self.assertTrue(waiting.sla_pause)
        self.assertFalse(waiting.is_closed)
        sla = self.env['cskh.sla'].search([('team_id', '=', team.id)])
        self.assertRecordValues(sla, [{
            'name': 'Giải quyết trong 4 giờ', 'target': 'resolution', 'stage_id': self.stage_done.id,
            'time': 4.0, 'priority': '2',
        }])


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestManagerTours(HttpCase):
    """A manager reads the reports in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login='tour_manager', name='Tour Manager', email='tour.manager@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_manager')
        stage_new, cls.stage_solved = cls.env['cskh.stage'].create([
            {'name': 'Report New', 'sequence': 1},
            {'name': 'Report Solved', 'sequence': 2, 'is_closed': True},
        ])
        cls.team = cls.env['cskh.team'].create({
            'name': 'Report Team',
            'leader_id': cls.manager.id,
            'member_ids': [Command.set(cls.manager.ids)],
            'stage_ids': [Command.set((stage_new | cls.stage_solved).ids)],
            'use_sla': True,
            'use_survey': True,
        })
        cls.env['cskh.sla'].create({
            'name': 'Solve in 8 hours', 'team_id': cls.team.id, 'target': 'resolution',
            'stage_id': cls.stage_solved.id, 'time': 8,
        })
        customer = cls.env['res.partner'].create({'name': 'Nguyễn Văn An', 'email': 'an@example.vn'})
        cls.tickets = cls.env['cskh.ticket'].create([{
            'name': name, 'team_id': cls.team.id, 'partner_id': customer.id, 'channel': channel,
        } for name, channel in (('Đổi hàng', 'email'), ('Giao trễ', 'phone'), ('Hỏi giá', 'web'))])

    def test_manager_reads_the_reports(self):
        on_time, late, _open = self.tickets
        on_time.stage_id = self.stage_solved
        with freeze(late.sla_status_ids.deadline + timedelta(days=2)):
            late.stage_id = self.stage_solved
        on_time.survey_response_ids._apply_answer(5, nps=10, ces=7, comment='Nhân viên rất nhiệt tình')
        self.assertEqual(sorted(self.tickets.sla_status_ids.mapped('status')), ['failed', 'ongoing', 'reached'])

        self.start_tour('/odoo', 'cskh_manager_reporting_tour', login='tour_manager')


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestPublicTours(HttpCase):
    """Visitors without account: the public web form and the satisfaction survey page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['cskh.team'].search([]).use_website_form = False
        stage_new, cls.stage_solved = cls.env['cskh.stage'].create([
            {'name': 'Public New', 'sequence': 1},
            {'name': 'Public Solved', 'sequence': 2, 'is_closed': True},
        ])
        cls.team, cls.other_team = cls.env['cskh.team'].create([
            {'name': 'Web Form Team', 'use_website_form': True, 'use_survey': True,
             'stage_ids': [Command.set((stage_new | cls.stage_solved).ids)]},
            {'name': 'Other Web Team', 'use_website_form': True},
        ])
        cls.customer = cls.env['res.partner'].create({'name': 'Lê Thị Hoa', 'email': 'hoa.le@example.vn'})

    def test_public_web_form(self):
        self.start_tour('/cskh/submit', 'cskh_web_form_tour')
        ticket = self.env['cskh.ticket'].search([('channel', '=', 'web')])
        self.assertEqual(len(ticket), 1, "the refused submission created nothing")
        self.assertRecordValues(ticket, [{
            'name': 'Không đăng nhập được',
            'team_id': self.team.id,
            'type_id': self.env.ref('cskh_helpdesk.type_question').id,
            'partner_email': 'duc.pham@example.vn',
            'partner_phone': '0903 123 456',
        }])
        self.assertEqual(ticket.partner_id.name, 'Phạm Minh Đức')
        self.assertIn('không nhận được email', ticket.description)

    def test_survey_page(self):
        ticket = self.env['cskh.ticket'].create({
            'name': 'Máy lạnh chảy nước', 'team_id': self.team.id, 'partner_id': self.customer.id})
        ticket.stage_id = self.stage_solved
        response = ticket.survey_response_ids
        self.assertEqual(response.state, 'sent')
        self.start_tour(f'/cskh/survey/{response._get_access_token()}/3', 'cskh_survey_tour')
        self.assertRecordValues(response, [{
            'state': 'answered', 'csat': 4, 'has_nps': True, 'nps': 9, 'ces': 6,
            'comment': 'Kỹ thuật viên đến đúng giờ.',
        }])
        self.assertEqual(response.rating_id.rating, 4)
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'CSAT: 4/5' in str(m.body)))


@tagged('-standard', 'cskh_demo', 'post_install', '-at_install')
class TestDemoPages(HttpCase):
    """The demo shows what the README screenshots show (tools/screenshots.py)."""

    def test_demo_customer_portal(self):
        bich = self.env.ref('cskh_helpdesk.user_portal_bich_demo')
        self.assertTrue(bich._is_portal())
        own = self.env['cskh.ticket'].search([('partner_id', '=', bich.partner_id.id), ('is_closed', '=', False)])
        self.assertTrue(own)
        self.authenticate('bich', 'bich')
        page = self.url_open('/my/cskh-tickets').text
        for ticket in own:
            self.assertIn(ticket.number, page)

    def test_demo_survey_link(self):
        response = self.env.ref('cskh_helpdesk.survey_response_19_demo')
        token = response._get_access_token()
        self.assertTrue(token)
        page = self.url_open(f'/cskh/survey/{token}')
        self.assertEqual(page.status_code, 200)
        self.assertIn(response.ticket_id.number, page.text)

    def test_demo_sla_history(self):
        lines = self.env['cskh.ticket.sla'].search([('status', '!=', 'ongoing')])
        self.assertEqual(set(lines.mapped('status')), {'reached', 'failed'})
        history = self.env.ref('cskh_helpdesk.ticket_sla_07_tech_response_demo') \
            | self.env.ref('cskh_helpdesk.ticket_sla_18_care_response_demo')
        self.assertTrue(all(line.ticket_id.is_closed for line in history))
        # targets met late carry their delay in working hours
        late = lines.filtered(lambda line: line.status == 'failed' and line.reached_date)
        self.assertTrue(late)
        self.assertTrue(all(line.exceeded_hours > 0 for line in late))


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestRoutingTours(HttpCase):
    """The leader sets a member's capacity and skills on the team form, an agent steps
    away, the leader hands his tickets over, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader = new_test_user(
            cls.env, login='tour_leader', name='Tour Leader', email='tour.leader@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_manager')
        cls.agent_1 = new_test_user(
            cls.env, login='tour_agent', name='Tour Agent Một', email='tour.agent@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        cls.agent_2 = new_test_user(
            cls.env, login='tour_agent_2', name='Tour Agent Hai', email='tour.agent2@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent')
        stages = cls.env['cskh.stage'].create([
            {'name': 'Routing New', 'sequence': 1},
            {'name': 'Routing Solved', 'sequence': 2, 'is_closed': True},
        ])
        cls.team = cls.env['cskh.team'].create({
            'name': 'Routing Team',
            'leader_id': cls.leader.id,
            'member_ids': [Command.set((cls.agent_1 | cls.agent_2).ids)],
            'assign_method': 'balanced',
            'stage_ids': [Command.set(stages.ids)],
        })
        cls.tickets = cls.env['cskh.ticket'].create([{
            'name': f'Hỏi về đơn hàng {i}', 'team_id': cls.team.id, 'user_id': cls.agent_1.id,
            'type_id': cls.env.ref('cskh_helpdesk.type_question').id,
        } for i in range(3)])

    def test_routing_from_the_team_form(self):
        member_2 = self.team.team_member_ids.filtered(lambda m: m.user_id == self.agent_2)
        self.start_tour(f'/odoo/cskh-teams/{self.team.id}', 'cskh_routing_leader_tour', login='tour_leader')
        self.env.invalidate_all()
        self.assertEqual(member_2.max_open_tickets, 5)
        self.assertEqual(member_2.type_ids, self.env.ref('cskh_helpdesk.type_question'))

        self.start_tour('/odoo/cskh-availability', 'cskh_routing_agent_tour', login='tour_agent')
        self.env.invalidate_all()
        member_1 = self.team.team_member_ids.filtered(lambda m: m.user_id == self.agent_1)
        self.assertFalse(member_1.is_available)
        self.assertEqual(self.env['cskh.ticket'].create({
            'name': 'Câu hỏi mới', 'team_id': self.team.id,
            'type_id': self.env.ref('cskh_helpdesk.type_question').id}).user_id, self.agent_2,
            "the agent who stepped away gets no new ticket")

        self.start_tour(f'/odoo/cskh-teams/{self.team.id}', 'cskh_routing_handover_tour', login='tour_leader')
        self.env.invalidate_all()
        self.assertEqual(self.tickets.user_id, self.agent_2, "his tickets went to the available colleague")
        self.assertEqual(member_2.open_ticket_load, 4)
