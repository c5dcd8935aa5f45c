from lxml import etree

from odoo.tests import tagged

from .common import CskhCommon

# What each feature switch of the Settings page hides when it is off, per view:
# (model, view type, xpath on the arch a user receives from get_views). Fields the
# server adds back invisibly for the expressions of other nodes carry `data-used-by`
# and do not count as shown.
FEATURE_NODES = {
    'sla': [
        ('cskh.ticket', 'search', "//filter[@name='filter_sla_failed']"),
        ('cskh.ticket', 'search', "//filter[@name='filter_sla_due_today']"),
        ('cskh.ticket', 'kanban', "//field[@name='sla_state']"),
        ('cskh.ticket', 'list', "//field[@name='sla_state']"),
        ('cskh.ticket', 'list', "//field[@name='sla_deadline']"),
        ('cskh.ticket', 'form', "//page[@name='sla']"),
        ('cskh.team', 'form', "//field[@name='use_sla']"),
        ('cskh.team', 'form', "//label[@for='sla_due_soon_hours']"),
        ('cskh.team', 'form', "//div[field[@name='sla_due_soon_hours']]"),
        ('cskh.process.template', 'list', "//field[@name='use_sla']"),
        ('cskh.process.template', 'form', "//page[@name='slas']"),
    ],
    'survey': [
        ('cskh.ticket', 'form', "//page[@name='survey']"),
        ('cskh.team', 'form', "//button[@name='action_view_survey_responses']"),
        ('cskh.team', 'form', "//field[@name='use_survey']"),
        ('cskh.team', 'form', "//group[@name='survey_options']"),
        ('cskh.team', 'form', "//group[@name='survey_low_score']"),
        ('cskh.team', 'form', "//group[@name='survey_metrics']"),
        ('cskh.team', 'kanban', "//div[@name='survey_metrics']"),
        ('cskh.process.template', 'form', "//field[@name='use_survey']"),
    ],
    'auto_reply': [
        ('cskh.process.template', 'form', "//page[@name='auto_replies']"),
    ],
    'web_form': [
        ('cskh.team', 'form', "//field[@name='use_website_form']"),
        ('cskh.team', 'form', "//field[@name='website_form_url']"),
        ('cskh.process.template', 'form', "//field[@name='use_website_form']"),
    ],
    'crm': [
        ('cskh.ticket', 'search', "//filter[@name='filter_with_lead']"),
        ('cskh.ticket', 'form', "//field[@name='lead_id']"),
    ],
    'customer_tier': [
        ('cskh.ticket', 'search', "//filter[@name='groupby_tier']"),
        ('cskh.ticket', 'list', "//field[@name='customer_tier']"),
        ('cskh.ticket', 'form', "//group[@name='customer']//field[@name='customer_tier']"),
        ('res.partner', 'form', "//field[@name='cskh_customer_tier']"),
        ('res.partner', 'search', "//filter[@name='groupby_cskh_tier']"),
    ],
}

# nodes only salespeople see when the CRM links are on
CRM_SALES_NODES = [
    ('cskh.ticket', 'form', "//header/button[@name='action_create_lead']"),
    ('cskh.ticket', 'form', "//div[@name='button_box']//button[@name='action_open_lead']"),
    ('cskh.ticket', 'form', "//div[contains(@class, 'alert-info')]//button[@name='action_create_lead']"),
    ('crm.lead', 'form', "//header/button[@name='action_cskh_create_ticket']"),
    ('crm.lead', 'form', "//div[@name='button_box']//button[@name='action_view_cskh_tickets']"),
]

# nodes only helpdesk managers see when the feature is on
MANAGER_NODES = {
    'sla': [('cskh.team', 'form', "//button[@name='action_view_slas']")],
}

FEATURE_MENUS = {
    'sla': ['cskh_helpdesk.cskh_sla_menu_config', 'cskh_helpdesk.cskh_ticket_sla_menu_analysis'],
    'survey': ['cskh_helpdesk.cskh_survey_response_menu_report'],
    'auto_reply': ['cskh_helpdesk.cskh_auto_reply_menu_config'],
}


@tagged('post_install', '-at_install', 'cskh')
class TestFeatureViews(CskhCommon):
    """Each feature switch hides its fields, buttons, pages and menus from every user
    when it is off, and shows them (within the user's other groups) when it is on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_agent_sales = cls.env['res.users'].create({
            'name': 'Agent Sales', 'login': 'cskh_agent_sales', 'email': 'sales@example.com',
            'group_ids': [(6, 0, [cls.env.ref('cskh_helpdesk.cskh_helpdesk_group_agent').id,
                                  cls.env.ref('sales_team.group_sale_salesman').id])],
        })
        cls.users = cls.user_agent | cls.user_manager | cls.user_agent_sales

    def _set_feature(self, feature, value):
        self.env['res.config.settings'].create({f'group_cskh_{feature}': value}).execute()
        self.assertEqual(self.user_agent.has_group(f'cskh_helpdesk.group_cskh_{feature}'), value)

    def _shown(self, user, model, view_type, xpath):
        arch = self.env[model].with_user(user).get_views([(False, view_type)])['views'][view_type]['arch']
        return [node for node in etree.fromstring(arch).xpath(xpath) if node.get('data-used-by') is None]

    def _menus(self, user):
        return self.env['ir.ui.menu'].with_user(user).load_menus(debug=False)

    def _check(self, feature, on):
        for user in self.users:
            for model, view_type, xpath in FEATURE_NODES[feature]:
                with self.subTest(feature=feature, on=on, user=user.login, view=f'{model} {view_type}', xpath=xpath):
                    self.assertEqual(bool(self._shown(user, model, view_type, xpath)), on)
        for model, view_type, xpath in MANAGER_NODES.get(feature, []):
            with self.subTest(feature=feature, on=on, view=f'{model} {view_type}', xpath=xpath):
                self.assertEqual(bool(self._shown(self.user_manager, model, view_type, xpath)), on)
                self.assertFalse(self._shown(self.user_agent, model, view_type, xpath))
        for xmlid in FEATURE_MENUS.get(feature, []):
            with self.subTest(feature=feature, on=on, menu=xmlid):
                self.assertEqual(self.env.ref(xmlid).id in self._menus(self.user_manager), on)

    def test_features_off_and_on(self):
        for feature in FEATURE_NODES:
            self._check(feature, True)
            self._set_feature(feature, False)
            self._check(feature, False)
            self._set_feature(feature, True)
            self._check(feature, True)

    def test_crm_links(self):
        """Lead buttons follow both the CRM switch and the salesman group; agents who are
        not salespeople see the lead read-only."""
        for on in (True, False, True):
            self._set_feature('crm', on)
            for model, view_type, xpath in CRM_SALES_NODES:
                with self.subTest(on=on, view=f'{model} {view_type}', xpath=xpath):
                    self.assertEqual(bool(self._shown(self.user_agent_sales, model, view_type, xpath)), on)
                    if model == 'cskh.ticket':
                        self.assertFalse(self._shown(self.user_agent, model, view_type, xpath))
            lead_fields = self._shown(self.user_agent, 'cskh.ticket', 'form', "//field[@name='lead_id']")
            self.assertEqual([node.get('readonly') for node in lead_fields], ['1'] if on else [])
            lead_fields = self._shown(self.user_agent_sales, 'cskh.ticket', 'form', "//field[@name='lead_id']")
            self.assertEqual([node.get('readonly') for node in lead_fields], [None] if on else [])

    def test_partner_tier_filter_for_employees(self):
        """The customer tier group-by of contacts follows the tier switch alone."""
        xpath = "//filter[@name='groupby_cskh_tier']"
        self.assertTrue(self._shown(self.user_employee_plain, 'res.partner', 'search', xpath))
        self.assertFalse(self._shown(self.user_employee_plain, 'res.partner', 'form', "//field[@name='cskh_customer_tier']"))
        self._set_feature('customer_tier', False)
        self.assertFalse(self._shown(self.user_employee_plain, 'res.partner', 'search', xpath))
