import unittest

from odoo import http
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

# Names that other helpdesks of Odoo 19 claim (OCA helpdesk_mgmt, Odoo Enterprise Helpdesk).
# Ours must be namespaced so that both can be installed in one database.
# our portal's ticket list; other helpdesks route /my/tickets
PORTAL_URL = '/my/cskh-tickets'
OTHER_HELPDESK_PATHS = {
    'helpdesk', 'helpdesk-dashboard', 'helpdesk-tickets', 'my-helpdesk-tickets', 'helpdesk-report',
    'helpdesk-channels', 'helpdesk-categories', 'helpdesk-teams', 'helpdesk-stages', 'helpdesk-tags',
    'helpdesk-sla-policies', 'helpdesk-ticket-types', 'tickets', 'my-tickets',
}


@tagged('post_install', '-at_install', 'cskh')
class TestCoexistence(TransactionCase):
    """The add-on installs next to another helpdesk: every name that must be unique in a
    database, or that routes a URL, is ours (`cskh` prefix). `make test` also installs it
    next to OCA's helpdesk_mgmt, in both orders (tools/coexist_check.sh)."""

    def _our_records(self, model):
        return self.env[model].browse(self.env['ir.model.data'].search([
            ('module', '=', 'cskh_helpdesk'), ('model', '=', model)]).mapped('res_id'))

    def test_action_paths_are_namespaced(self):
        """`ir.actions.*.path` is unique in the database (the URL /odoo/<path>)."""
        paths = [action.path
                 for model in ('ir.actions.act_window', 'ir.actions.server', 'ir.actions.client')
                 for action in self._our_records(model) if action.path]
        self.assertGreaterEqual(len(paths), 10, "The main actions have a readable URL")
        for path in paths:
            self.assertTrue(path.startswith('cskh-'), f"Action path {path!r} is not namespaced")
            self.assertNotIn(path, OTHER_HELPDESK_PATHS)

    def _subclasses(self, cls):
        for subclass in cls.__subclasses__():
            yield subclass
            yield from self._subclasses(subclass)

    def test_routes_are_namespaced(self):
        """Controller routes other than the portal pages (/my/...) live under /cskh/: other
        helpdesks route /helpdesk/..., /new/ticket, /submitted/ticket, /ticket/close."""
        routes = []
        for module in list(http.Controller.children_classes):
            for controller in http.Controller.children_classes[module]:
                for subclass in [controller, *self._subclasses(controller)]:
                    if not subclass.__module__.startswith('odoo.addons.cskh_helpdesk.'):
                        continue
                    for method in vars(subclass).values():
                        routing = getattr(method, 'original_routing', None)
                        if routing and routing.get('routes'):
                            routes.extend(routing['routes'])
        self.assertIn('/cskh/submit', routes)
        for route in routes:
            if route.startswith('/my/'):
                continue  # portal pages: their own namespace (/my/cskh-tickets), see the portal tests
            self.assertTrue(route.startswith('/cskh/'), f"Route {route} is not namespaced")

    def test_technical_names_are_namespaced(self):
        """Models, sequences, system parameters, settings fields and the fields added to
        shared models carry our prefix, never the `helpdesk` names of other helpdesks."""
        our_models = [model for model in self.env.registry.values()
                      if model._original_module == 'cskh_helpdesk']
        self.assertTrue(our_models)
        for model in our_models:
            self.assertTrue(model._name.startswith('cskh.'), f"Model {model._name} is not namespaced")
        for sequence in self._our_records('ir.sequence'):
            self.assertTrue(sequence.code.startswith('cskh.'), sequence.code)
        for param in self._our_records('ir.config_parameter'):
            self.assertTrue(param.key.startswith('cskh_helpdesk.'), param.key)
        for model in self.env.registry.values():
            if model._original_module == 'cskh_helpdesk' or model._abstract:
                continue
            for field in model._fields.values():
                if field._module == 'cskh_helpdesk' and field.name != 'id':
                    self.assertTrue(
                        field.name.startswith(('cskh_', 'group_cskh_')),
                        f"Field {model._name}.{field.name} added to a shared model is not namespaced")
        groups = self._our_records('res.groups')
        self.assertTrue(all(group.privilege_id for group in groups.filtered(lambda g: g.name in (
            'Agent', 'Manager'))), "Agent and Manager are unique within our own privilege")

    def test_default_alias_taken_by_another_app(self):
        """Installing next to a helpdesk that receives mail at support@ does not fail: the
        default team is created without alias and says so in its chatter."""
        self.env['mail.alias'].create({
            'alias_name': 'hotline', 'alias_model_id': self.env['ir.model']._get_id('res.partner')})
        team = self.env['cskh.team'].create({'name': "Tổng đài"})
        team._set_alias_if_free('hotline')
        self.assertFalse(team.alias_name)
        self.assertIn('hotline', team.message_ids[:1].body)
        team._set_alias_if_free('tongdai')
        self.assertEqual(team.alias_name, 'tongdai')


@tagged('-standard', 'cskh_coexist', 'post_install', '-at_install')
class TestCoexistenceHelpdeskMgmt(HttpCase):
    """Run by tools/coexist_check.sh (`make test`) on a database where OCA's helpdesk_mgmt
    is installed too: both helpdesks work side by side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if 'helpdesk.ticket' not in cls.env:
            raise unittest.SkipTest("helpdesk_mgmt is not installed (tools/coexist_check.sh installs it)")
        cls.portal_user = new_test_user(
            cls.env, login='coexist_portal', name="Lê Thị Hoa", email='hoa.le@example.vn',
            groups='base.group_portal')
        partner = cls.portal_user.partner_id
        cls.our_ticket = cls.env['cskh.ticket'].create({
            'name': "Máy lọc nước bị rò rỉ", 'partner_id': partner.id,
            'team_id': cls.env.ref('cskh_helpdesk.team_default').id})
        cls.their_ticket = cls.env['helpdesk.ticket'].create({
            'name': "Old helpdesk: printer jammed", 'description': "<p>Jammed</p>",
            'partner_id': partner.id, 'partner_email': partner.email, 'partner_name': partner.name})

    def test_both_portals(self):
        self.authenticate('coexist_portal', 'coexist_portal')
        ours = self.url_open(PORTAL_URL)
        self.assertEqual(ours.status_code, 200)
        self.assertIn(self.our_ticket.name, ours.text)
        theirs = self.url_open('/my/tickets')
        self.assertEqual(theirs.status_code, 200)
        self.assertIn(self.their_ticket.name, theirs.text)
        self.assertNotIn(self.our_ticket.name, theirs.text)
        # the portal home shows an entry for each, with its own counter
        home = self.url_open('/my/home')
        self.assertIn(PORTAL_URL, home.text)
        self.assertIn('/my/tickets', home.text)
        counters = self.make_jsonrpc_request('/my/counters', {'counters': ['cskh_ticket_count', 'ticket_count']})
        self.assertEqual(counters, {'cskh_ticket_count': 1, 'ticket_count': 1})

    def test_ticket_pages_show_their_own_breadcrumbs(self):
        """helpdesk_mgmt adds its "Tickets" crumb (/my/tickets) to any portal page whose
        values hold a `ticket`: ours name it otherwise."""
        self.authenticate('coexist_portal', 'coexist_portal')
        their_crumb = r'href="/my/tickets[?"]'
        page = self.url_open(self.our_ticket.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="{PORTAL_URL}"', page.text)
        self.assertNotRegex(page.text, their_crumb)
        page = self.url_open(self.their_ticket.access_url)
        self.assertRegex(page.text, their_crumb)
        self.assertNotIn(f'href="{PORTAL_URL}"', page.text)

    def test_both_backends(self):
        self.authenticate('admin', 'admin')
        for path, model in (('cskh-tickets', 'cskh.ticket'), ('cskh-helpdesk', 'cskh.team'),
                            ('helpdesk-tickets', 'helpdesk.ticket'), ('helpdesk-teams', 'helpdesk.ticket.team')):
            action = self.make_jsonrpc_request('/web/action/load', {'action_id': path})
            self.assertEqual(action['res_model'], model, path)
        menus = self.env['ir.ui.menu'].with_user(self.env.ref('base.user_admin')).load_menus(debug=False)
        roots = {menu['xmlid'] for menu in menus.values() if menu.get('xmlid')}
        self.assertIn('cskh_helpdesk.cskh_helpdesk_menu_root', roots)
        self.assertIn('helpdesk_mgmt.helpdesk_ticket_main_menu', roots)

    def test_default_team_alias_taken(self):
        """The other helpdesk received its mail at support@ before we were installed: our
        default team starts without an alias, theirs keeps it."""
        alias = self.env['mail.alias'].search([('alias_name', '=', 'support')])
        self.assertEqual(len(alias), 1)
        self.assertEqual(alias.alias_model_id.model, 'helpdesk.ticket')
        self.assertFalse(self.env.ref('cskh_helpdesk.team_default').alias_name)
