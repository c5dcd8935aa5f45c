from odoo.tests import tagged, users

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestViews(CskhCommon):

    @users('cskh_manager', 'cskh_agent')
    def test_all_views_render(self):
        """Every view of the module renders for agents and managers."""
        views = self.env['ir.ui.view'].sudo().search([
            ('model_data_id.module', '=', 'cskh_helpdesk'), ('inherit_id', '=', False),
            ('type', '!=', 'qweb')])  # QWeb pages and mail bodies are rendered by their own tests
        self.assertTrue(views)
        for view in views:
            with self.subTest(view=view.name):
                result = self.env[view.model].get_views([(view.id, view.type)])
                self.assertIn(view.type, result['views'])

    @users('cskh_agent')
    def test_actions_and_menus(self):
        for xmlid in ('cskh_helpdesk.cskh_ticket_action', 'cskh_helpdesk.cskh_ticket_action_my',
                      'cskh_helpdesk.cskh_team_action_dashboard'):
            action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
            modes = [mode for mode in action['view_mode'].split(',')]
            self.env[action['res_model']].get_views([(False, mode) for mode in modes])
        menus = self.env['ir.ui.menu'].load_menus(False)
        root = self.env.ref('cskh_helpdesk.cskh_helpdesk_menu_root')
        self.assertIn(root.id, menus)

    @users('cskh_agent')
    def test_partner_form_smart_button(self):
        arch = self.env['res.partner'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('action_view_cskh_tickets', arch)

    @users('plain_employee')
    def test_partner_form_without_helpdesk_rights(self):
        arch = self.env['res.partner'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertNotIn('action_view_cskh_tickets', arch)
        self.env['res.partner'].browse(self.customer.id).read(['name'])

    def test_kanban_and_list_load(self):
        self._create_ticket()
        Ticket = self.env['cskh.ticket'].with_user(self.user_agent)
        for view_type in ('kanban', 'list'):
            view = Ticket.get_views([(False, view_type)])
            spec = {name: {} for name in view['models']['cskh.ticket']['fields']
                    if Ticket._fields[name].type not in ('many2one', 'one2many', 'many2many')}
            result = Ticket.web_search_read([('team_id', '=', self.team.id)], spec)
            self.assertEqual(result['length'], 1)
