from odoo.tests import Form, HttpCase, tagged

from .common import CskhSlaCommon


@tagged('post_install', '-at_install', 'cskh')
class TestSettings(CskhSlaCommon, HttpCase):

    FEATURES = ('sla', 'survey', 'auto_reply', 'web_form', 'crm', 'customer_tier')

    def _menus(self, user):
        return self.env['ir.ui.menu'].with_user(user).load_menus(debug=False)

    def _form_arch(self, model, user):
        return self.env[model].with_user(user).get_views([(False, 'form')])['views']['form']['arch']

    def _set_features(self, **values):
        settings = Form(self.env['res.config.settings'])
        for name, value in values.items():
            setattr(settings, f'group_cskh_{name}', value)
        settings.save().execute()

    def test_features_on_by_default(self):
        settings = Form(self.env['res.config.settings'])
        for feature in self.FEATURES:
            self.assertTrue(settings[f'group_cskh_{feature}'], feature)
            self.assertTrue(self.user_agent.has_group(f'cskh_helpdesk.group_cskh_{feature}'), feature)
        self.assertIn(self.env.ref('cskh_helpdesk.cskh_sla_menu_config').id, self._menus(self.user_manager))
        self.assertIn('name="sla"', self._form_arch('cskh.ticket', self.user_agent))

    def test_switch_features_off_and_on(self):
        sla_menu = self.env.ref('cskh_helpdesk.cskh_sla_menu_config').id
        sla_report_menu = self.env.ref('cskh_helpdesk.cskh_ticket_sla_menu_analysis').id
        survey_menu = self.env.ref('cskh_helpdesk.cskh_survey_response_menu_report').id
        auto_reply_menu = self.env.ref('cskh_helpdesk.cskh_auto_reply_menu_config').id

        self._set_features(sla=False, survey=False, auto_reply=False, customer_tier=False, crm=False)
        self.assertFalse(self.user_agent.has_group('cskh_helpdesk.group_cskh_sla'))
        self.assertTrue(self.user_agent.has_group('cskh_helpdesk.group_cskh_web_form'))
        menus = self._menus(self.user_manager)
        for menu in (sla_menu, sla_report_menu, survey_menu, auto_reply_menu):
            self.assertNotIn(menu, menus)
        self.assertIn(self.env.ref('cskh_helpdesk.cskh_team_menu_config').id, menus)
        ticket_arch = self._form_arch('cskh.ticket', self.user_agent)
        self.assertNotIn('name="sla"', ticket_arch)
        self.assertNotIn('name="survey"', ticket_arch)
        self.assertNotIn('action_open_lead', ticket_arch)
        self.assertNotIn('cskh_customer_tier', self._form_arch('res.partner', self.user_agent))
        self.assertNotIn('name="use_sla"', self._form_arch('cskh.team', self.user_manager))

        self._set_features(sla=True, customer_tier=True)
        self.assertTrue(self.user_manager.has_group('cskh_helpdesk.group_cskh_sla'))
        self.assertIn(sla_menu, self._menus(self.user_manager))
        self.assertIn('name="sla"', self._form_arch('cskh.ticket', self.user_agent))
        self.assertIn('cskh_customer_tier', self._form_arch('res.partner', self.user_agent))
        self.assertNotIn(survey_menu, self._menus(self.user_manager))

    def test_settings_page_links_teams_wizard_alias_domain(self):
        """The Settings page links to the teams, the template wizard and the alias domain."""
        arch = self.env['res.config.settings'].get_views([(False, 'form')])['views']['form']['arch']
        for xmlid in ('cskh_helpdesk.cskh_team_action', 'cskh_helpdesk.cskh_process_template_apply_action',
                      'mail.mail_alias_domain_action'):
            self.assertIn(f'name="{self.env.ref(xmlid).id}"', arch)
        self.assertIn('cskh_alias_domain_id', arch)
        self.assertEqual(Form(self.env['res.config.settings']).cskh_alias_domain_id, self.env.company.alias_domain_id)

    def test_web_form_switch_off_closes_public_forms(self):
        """Switching the portal and web form off closes the public form of every team."""
        self.team.use_website_form = True
        self.assertEqual(self.url_open(f'/cskh/submit?team={self.team.id}').status_code, 200)
        self._set_features(web_form=False)
        self.assertFalse(self.env['res.config.settings']._cskh_is_feature_enabled('web_form'))
        self.assertTrue(self.env['res.config.settings']._cskh_is_feature_enabled('sla'))
        with self.assertNoLogs('odoo.http', 'WARNING'):  # the 404 is raised, not returned
            self.assertEqual(self.url_open(f'/cskh/submit?team={self.team.id}').status_code, 404)
            self.assertEqual(self.url_open('/cskh/submit').status_code, 404)
        self.assertNotIn('name="use_website_form"', self._form_arch('cskh.team', self.user_manager))

    def test_team_survey_button(self):
        """The team's survey stat button (shown while surveys are on) opens the team's answers."""
        action = self.team.action_view_survey_responses()
        self.assertEqual(action['res_model'], 'cskh.survey.response')
        self.assertEqual(action['context']['search_default_team_id'], self.team.id)
