import re

import polib

from odoo.tests import tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import CskhCommon

MODULE = 'cskh_helpdesk'
# what a translation must keep exactly: named and positional placeholders, inline
# templates, QWeb directives with their expressions, and the HTML tags
PLACEHOLDER_PATTERNS = [
    re.compile(r'%\(\w+\)[sd]'),
    re.compile(r'%[sd]'),
    re.compile(r'\{\{.*?\}\}'),
    re.compile(r't-[\w-]+="[^"]*"'),
    re.compile(r'</?[\w-]+'),
]
REGENERATE = "run `make i18n` (tools/i18n.sh) to regenerate the .pot and merge it into the .po files"


def _po(name):
    return polib.pofile(file_path(f'{MODULE}/i18n/{name}'))


@tagged('post_install', '-at_install', 'cskh')
class TestTranslationFiles(CskhCommon):
    """The .pot follows the code and vi.po translates all of it."""

    def test_vi_po_complete(self):
        po = _po('vi.po')
        self.assertEqual(po.metadata.get('Language'), 'vi')
        self.assertEqual(po.metadata.get('Plural-Forms'), 'nplurals=1; plural=0;')
        self.assertEqual([e.msgid for e in po.untranslated_entries()], [],
                         f"vi.po has untranslated entries: {REGENERATE} and translate them")
        self.assertEqual([e.msgid for e in po.fuzzy_entries()], [], "vi.po has fuzzy entries")
        self.assertEqual(po.percent_translated(), 100)
        pot_ids = {e.msgid for e in _po(f'{MODULE}.pot')}
        self.assertEqual({e.msgid for e in po if not e.obsolete}, pot_ids, f"vi.po is not merged with the .pot: {REGENERATE}")

    def test_vi_po_keeps_placeholders(self):
        for entry in _po('vi.po').translated_entries():
            for pattern in PLACEHOLDER_PATTERNS:
                self.assertEqual(
                    sorted(pattern.findall(entry.msgstr)), sorted(pattern.findall(entry.msgid)),
                    f"translation of {entry.msgid[:60]!r} must keep {pattern.pattern} unchanged")

    def test_pot_in_sync_with_code(self):
        """Fails when someone adds or changes a user-facing string without regenerating the .pot."""
        if self.env['ir.module.module'].search([('name', '=', MODULE)]).demo:
            self.skipTest("demo records would be exported as terms: the .pot is made without demo data")
        reader = TranslationModuleReader(self.env.cr, modules=[MODULE])
        exported = {source for module, _type, _name, _res_id, source, _value, _comments in reader if module == MODULE}
        pot = {e.msgid for e in _po(f'{MODULE}.pot')}
        self.assertTrue(exported)
        self.assertEqual(sorted(exported - pot), [], f"terms missing from {MODULE}.pot: {REGENERATE}")
        self.assertEqual(sorted(pot - exported), [], f"{MODULE}.pot has terms no longer in the code: {REGENERATE}")


@tagged('post_install', '-at_install', 'cskh')
class TestVietnameseInterface(CskhCommon):
    """With Vietnamese loaded, the main views and the customer emails read in Vietnamese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('vi_VN')
        cls.env['ir.module.module']._load_module_terms([MODULE], ['vi_VN'], overwrite=True)
        cls.customer_vi = cls.env['res.partner'].create({
            'name': 'Trần Thị Bình', 'email': 'binh.tran@example.vn', 'lang': 'vi_VN'})
        cls.customer_en = cls.env['res.partner'].create({
            'name': 'John Smith', 'email': 'john@example.com', 'lang': 'en_US'})
        cls.team.ack_template_id = cls.env.ref('cskh_helpdesk.mail_template_ticket_ack')
        cls.team.ack_response_hours = 4

    def test_ticket_views_translated(self):
        Ticket = self.env['cskh.ticket'].with_user(self.user_agent)
        result = Ticket.with_context(lang='vi_VN').get_views([(False, 'form'), (False, 'kanban'), (False, 'search')])
        form = result['views']['form']['arch']
        for label in ('Giao cho tôi', 'Leo thang', 'Kịch bản xử lý', 'Mô tả'):
            self.assertIn(label, form)
        self.assertNotIn('Assign to Me', form)
        self.assertIn('Chỉnh sửa', result['views']['kanban']['arch'])
        self.assertIn('Phiếu hỗ trợ của tôi', result['views']['search']['arch'])
        fields = result['models']['cskh.ticket']['fields']
        self.assertEqual(fields['priority']['string'], 'Mức ưu tiên')
        self.assertIn(('3', 'Khẩn cấp'), [tuple(option) for option in fields['priority']['selection']])
        self.assertEqual(fields['customer_tier']['string'], 'Hạng khách hàng')
        english = Ticket.with_context(lang='en_US').get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('Assign to Me', english)

    def test_menus_and_stages_translated(self):
        menus = self.env['ir.ui.menu'].with_user(self.user_manager).with_context(lang='vi_VN').load_menus(False)
        root = self.env.ref('cskh_helpdesk.cskh_helpdesk_menu_root')
        self.assertEqual(menus[root.id]['name'], 'Hỗ trợ khách hàng')
        stage = self.env.ref('cskh_helpdesk.stage_waiting').with_context(lang='vi_VN')
        self.assertEqual(stage.name, 'Chờ khách hàng')

    def test_ack_email_in_customer_language(self):
        with self.mock_mail_gateway():
            ticket_vi = self._create_ticket(partner_id=self.customer_vi.id)
            ticket_en = self._create_ticket(partner_id=self.customer_en.id)
            self.env.cr.precommit.run()  # the acknowledgements are sent just before commit
        ack_vi = ticket_vi.message_ids.filtered(lambda m: ticket_vi.number in (m.subject or ''))
        self.assertEqual(len(ack_vi), 1)
        self.assertEqual(ack_vi.subject, f'[{ticket_vi.number}] Chúng tôi đã nhận được yêu cầu của quý khách: {ticket_vi.name}')
        body = str(ack_vi.body)
        self.assertIn('Xin chào Trần Thị Bình', body)
        self.assertIn('Chúng tôi sẽ phản hồi trong vòng', body)
        self.assertIn(ticket_vi.number, body)
        self.assertNotIn('We received your request', body)
        ack_en = ticket_en.message_ids.filtered(lambda m: ticket_en.number in (m.subject or ''))
        self.assertIn('We received your request', str(ack_en.body))
