from lxml import html

from odoo import api, models
from odoo.tools import is_html_empty

from odoo.addons.mail.tools.parser import parse_res_ids


class MailComposeMessage(models.TransientModel):
    _inherit = 'mail.compose.message'

    @api.model
    def default_get(self, fields):
        """Propose the reply template of the ticket's type when the agent opens the full
        composer of a ticket to reply (not to log a note) before typing anything: the body
        is then rendered from the template instead of the empty chatter text."""
        result = super().default_get(fields)
        if 'template_id' in fields and not result.get('template_id'):
            template = self._get_cskh_reply_template(result)
            if template:
                result['template_id'] = template.id
                result.pop('body', None)
        return result

    @api.model
    def _get_cskh_reply_template(self, defaults):
        """The reply template to propose for the composer ``defaults``, or an empty record."""
        Template = self.env['mail.template']
        if (not self.env.context.get('clicked_on_full_composer')
                or defaults.get('model') != 'cskh.ticket'
                or defaults.get('composition_mode', 'comment') != 'comment'
                or defaults.get('subtype_id') != self.env.ref('mail.mt_comment').id
                or not self._is_cskh_body_empty(defaults.get('body'))):
            return Template
        res_ids = parse_res_ids(defaults.get('res_ids'), self.env)
        if len(res_ids) != 1:
            return Template
        return self.env['cskh.ticket'].browse(res_ids)._get_reply_template()

    @api.model
    def _is_cskh_body_empty(self, body):
        """Whether the chatter passed no text of the agent: only the signature block that
        the web client appends (marked ``data-o-mail-quote``) or nothing."""
        if is_html_empty(body):
            return True
        root = html.fragment_fromstring(str(body), create_parent='div')
        for quote in root.xpath('//*[@data-o-mail-quote]'):
            quote.drop_tree()
        return is_html_empty(html.tostring(root, encoding='unicode'))
