from odoo.tests import Form, HttpCase, tagged, users

from .common import CskhSlaCommon, freeze, local

DEFAULT_PIPELINE = ('stage_new', 'stage_in_progress', 'stage_waiting', 'stage_solved', 'stage_cancelled')


@tagged('post_install', '-at_install', 'cskh')
class TestTeamSetup(CskhSlaCommon):
    """A team created as an admin would is ready to work: a full pipeline, the web
    forms know which team to offer, the overview does not show empty KPIs as values."""

    def _default_pipeline(self):
        return self.env['cskh.stage'].union(*(self.env.ref(f'cskh_helpdesk.{xmlid}') for xmlid in DEFAULT_PIPELINE))

    @users('cskh_manager')
    def test_new_team_gets_default_pipeline(self):
        team_form = Form(self.env['cskh.team'])
        team_form.name = "Kho vận"
        team = team_form.save()
        pipeline = self._default_pipeline()
        self.assertEqual(team.stage_ids, pipeline, "New, In Progress, Waiting, Solved, Cancelled")
        self.assertIn(self.env.ref('cskh_helpdesk.team_default'), pipeline.team_ids, "The stages are shared")
        self.assertEqual(team._get_first_stage(), self.env.ref('cskh_helpdesk.stage_new'))
        self.assertEqual(team._get_solved_stage(), self.env.ref('cskh_helpdesk.stage_solved'))
        # its tickets go through the whole pipeline
        ticket = self.env['cskh.ticket'].create({'name': "Giao hàng chậm", 'team_id': team.id})
        self.assertEqual(ticket.stage_id, self.env.ref('cskh_helpdesk.stage_new'))
        ticket.stage_id = team._get_solved_stage()
        self.assertTrue(ticket.is_closed)

    def test_new_team_pipeline_skips_archived_stages(self):
        self.env.ref('cskh_helpdesk.stage_cancelled').active = False
        team = Form(self.env['cskh.team'].with_user(self.user_manager))
        team.name = "Kho vận"
        self.assertEqual(team.save().stage_ids, self._default_pipeline().filtered('active'))

    def test_new_team_without_shipped_stages(self):
        """Shipped stages archived by the admin: the stages of no team are offered instead."""
        self._default_pipeline().active = False
        free = self.env['cskh.stage'].create({'name': "Mới", 'team_ids': False})
        team = Form(self.env['cskh.team'].with_user(self.user_manager))
        team.name = "Kho vận"
        self.assertEqual(team.save().stage_ids, free)

    @users('cskh_manager')
    def test_new_team_from_process_template(self):
        """A team created from a process template gets the template's stages only."""
        template = self.env.ref('cskh_helpdesk.process_template_b2b')
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_process_template_apply_action')
        wizard = Form.from_action(self.env, action)
        wizard.template_id = template
        wizard.team_name = "Khách hàng doanh nghiệp"
        wizard.alias_name = "doanhnghiep"
        team = self.env['cskh.team'].browse(wizard.save().action_apply()['res_id'])
        self.assertEqual(len(team.stage_ids), len(template.stage_ids))
        self.assertEqual(
            sorted(team.with_context(lang='en_US').stage_ids.mapped('name')),
            sorted(template.with_context(lang='en_US').stage_ids.mapped('name')))

    # ------------------------------------------------------------
    # Default team of the web forms
    # ------------------------------------------------------------

    def test_default_web_form_team(self):
        Team = self.env['cskh.team']
        default = self.env.ref('cskh_helpdesk.team_default')
        Team.search([]).use_website_form = False
        self.assertFalse(Team._get_default_web_form_team())
        self.team.use_website_form = True
        self.assertEqual(Team._get_default_web_form_team(), self.team)
        default.use_website_form = True
        default.sequence = 1
        self.assertEqual(Team._get_default_web_form_team(), default, "The first team in the teams' order")
        self.team.sequence = 0
        self.assertEqual(Team._get_default_web_form_team(), self.team, "The admin orders the teams")

    # ------------------------------------------------------------
    # Overview KPIs
    # ------------------------------------------------------------

    def test_dashboard_kpis_without_data(self):
        team = self.team.with_user(self.user_manager)
        self.assertEqual(team.frt_ticket_count_7d, 0)
        self.assertEqual(team.frt_hours_7d, 0)
        self.assertEqual(team.csat_avg_7d, 0)

    def test_dashboard_frt_count_tells_zero_from_no_data(self):
        """A ticket answered out of working hours has a first response time of 0 working
        hours: the overview shows 0:00, not the "no data" dash."""
        friday_night = local(2026, 11, 20, 20, 0)
        with freeze(friday_night, self.env):
            ticket = self._create_ticket()
            self.env.flush_all()
        with freeze(local(2026, 11, 20, 21, 0), self.env), self.mock_mail_gateway():
            ticket.with_user(self.user_agent).message_post(
                body="Chào anh, chúng tôi đã nhận được.", message_type='comment', subtype_xmlid='mail.mt_comment')
            self.env.flush_all()
        self.assertTrue(ticket.date_first_response)
        with freeze(local(2026, 11, 21, 9, 0)):
            team = self.team.with_user(self.user_manager)
            self.assertEqual(team.frt_ticket_count_7d, 1)
            self.assertEqual(team.frt_hours_7d, 0)

    def test_dashboard_kanban_explains_kpis(self):
        arch = self.env['cskh.team'].with_user(self.user_agent).get_views(
            [(False, 'kanban')])['views']['kanban']['arch']
        for acronym, meaning in (('FRT', 'First Response Time'), ('CSAT', 'Customer Satisfaction Score'),
                                 ('NPS', 'Net Promoter Score'), ('CES', 'Customer Effort Score')):
            self.assertIn(f'{acronym} ({meaning})', arch, f"{acronym} is explained in a tooltip")


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestTeamDashboardTour(HttpCase):
    """The overview in a real browser: a team without data shows "–", not "00:00"."""

    def test_dashboard_empty_kpis(self):
        self.env['cskh.team'].search([]).write({'active': False})
        self.env['cskh.team'].create({'name': "Đội mới", 'use_survey': True, 'sequence': 0})
        self.start_tour('/odoo/cskh-helpdesk', 'cskh_dashboard_empty_kpis_tour', login='admin')


@tagged('post_install', '-at_install', 'cskh')
class TestWebFormDefaultTeam(HttpCase):
    """The public form preselects the default web form team among several."""

    def test_public_form_preselects_default_team(self):
        Team = self.env['cskh.team']
        Team.search([]).use_website_form = False
        first, other = Team.create([
            {'name': "Tiếp nhận", 'use_website_form': True, 'sequence': 1},
            {'name': "Bảo hành", 'use_website_form': True, 'sequence': 2},
        ])
        self.assertEqual(Team._get_default_web_form_team(), first)
        page = self.url_open('/cskh/submit').text
        self.assertRegex(page, rf'<option value="{first.id}"\s+selected')
        self.assertNotRegex(page, rf'<option value="{other.id}"\s+selected')
