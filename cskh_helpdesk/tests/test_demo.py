from odoo.tests import TransactionCase, tagged


@tagged('-standard', 'cskh_demo', 'post_install', '-at_install')
class TestDemoData(TransactionCase):
    """Run on a database installed with demo data (`make test` does it)."""

    def test_demo_helpdesk_is_alive(self):
        teams = self.env['cskh.team'].search([])
        self.assertGreaterEqual(len(teams), 3)
        tickets = self.env['cskh.ticket'].search([])
        self.assertGreaterEqual(len(tickets), 30)
        # spread over stages, priorities, channels, types and tiers
        self.assertGreaterEqual(len(tickets.stage_id), 4)
        self.assertEqual(set(tickets.mapped('priority')), {'0', '1', '2', '3'})
        self.assertGreaterEqual(len(set(tickets.mapped('channel'))), 5)
        self.assertEqual(len(tickets.type_id), 4)
        self.assertGreaterEqual(len(set(tickets.mapped('customer_tier')) - {False}), 4)
        self.assertEqual(len(set(tickets.mapped('number'))), len(tickets), "numbers are unique")
        # closed tickets are dated, open ones are not
        self.assertTrue(all(tickets.filtered('is_closed').mapped('date_closed')))
        self.assertFalse(any(tickets.filtered(lambda t: not t.is_closed).mapped('date_closed')))
        # aliases are complete addresses
        self.assertEqual(self.env.ref('cskh_helpdesk.team_default').alias_email, 'support@example.vn')
        # a conversation in the chatter
        self.assertTrue(self.env.ref('cskh_helpdesk.ticket_03_demo').message_ids.filtered(
            lambda m: m.author_id == self.env.ref('cskh_helpdesk.partner_huy_demo')))

    def test_demo_dashboard_shows_open_and_unassigned(self):
        team = self.env.ref('cskh_helpdesk.team_tech_demo')
        self.assertGreater(team.open_ticket_count, 0)
        self.assertGreater(team.unassigned_ticket_count, 0)

    def test_demo_teams_have_distinct_names(self):
        """The default team "Customer Care" is the demo's customer care team: no two cards
        of the overview carry the same name, in English or in Vietnamese."""
        self.env['res.lang']._activate_lang('vi_VN')
        self.env['ir.module.module']._load_module_terms(['cskh_helpdesk'], ['vi_VN'], overwrite=True)
        teams = self.env['cskh.team'].search([])
        for lang in ('en_US', 'vi_VN'):
            names = teams.with_context(lang=lang).mapped('name')
            self.assertEqual(len(names), len(set(names)), f"Two teams share a name in {lang}: {names}")
        default = self.env.ref('cskh_helpdesk.team_default')
        self.assertEqual(default.with_context(lang='vi_VN').name, "Chăm sóc khách hàng")
        self.assertGreaterEqual(len(default.ticket_ids), 5, "The default team is the demo's busy care team")
        self.assertTrue(default.member_ids - self.env.ref('base.user_admin'))
        self.assertTrue(default.use_survey)

    def test_demo_web_forms_send_to_the_care_team(self):
        self.assertEqual(self.env['cskh.team']._get_default_web_form_team(),
                         self.env.ref('cskh_helpdesk.team_default'))
