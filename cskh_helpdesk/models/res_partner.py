import re

from odoo import api, fields, models
from odoo.fields import Domain

from .cskh_ticket import CUSTOMER_TIERS

# separators people write phone numbers with (as phone_validation's search ignores them)
PHONE_SEPARATORS = r'[\s\\./()\-]'


class ResPartner(models.Model):
    _inherit = 'res.partner'

    # internal segmentation: customers never read it, not even their own (portal RPC)
    cskh_customer_tier = fields.Selection(
        CUSTOMER_TIERS, string="Customer Tier", tracking=True, groups='base.group_user',
        help="Customer value segment used to classify tickets and choose SLA policies.")
    cskh_ticket_ids = fields.One2many(
        'cskh.ticket', 'partner_id', string="Helpdesk Tickets", export_string_translation=False)
    cskh_ticket_count = fields.Integer(
        "Helpdesk Ticket Count", compute='_compute_cskh_ticket_count', groups='cskh_helpdesk.cskh_helpdesk_group_agent')
    # ---- Channels: the customer's ids on Zalo and Facebook, found again by the next conversation ----
    cskh_zalo_user_id = fields.Char(
        "Zalo User ID", index='btree_not_null', copy=False, groups='cskh_helpdesk.cskh_helpdesk_group_agent')
    cskh_facebook_psid = fields.Char(
        "Facebook PSID", index='btree_not_null', copy=False, groups='cskh_helpdesk.cskh_helpdesk_group_agent',
        help="Page-scoped id of the customer on Messenger.")

    @api.depends('commercial_partner_id')
    def _compute_cskh_ticket_count(self):
        """Tickets of the whole commercial entity: the company and all its contacts."""
        commercial = self.commercial_partner_id
        counts = dict(self.env['cskh.ticket']._read_group(
            [('commercial_partner_id', 'in', commercial.ids)], ['commercial_partner_id'], ['__count']))
        for partner in self:
            partner.cskh_ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_cskh_tickets(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_action')
        action['domain'] = [('commercial_partner_id', '=', self.commercial_partner_id.id)]
        action['context'] = {'default_partner_id': self.id}
        action['display_name'] = self.env._(
            "Tickets of %(partner)s", partner=self.commercial_partner_id.display_name)
        return action

    def action_cskh_log_call(self):
        """Log a call of this contact (button of the contact form)."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_log_call_action')
        action['context'] = {'default_partner_id': self.id, 'default_phone': self.phone}
        return action

    # ------------------------------------------------------------
    # PHONE LOOKUP
    # ------------------------------------------------------------

    @api.model
    def _cskh_phone_variants(self, number):
        """The ways ``number`` may be stored on a contact: as typed without separators, in
        international form and in national form (leading 0). A national number gets the
        calling code of the company's country (Vietnam when the company has none), so that
        ``0909 888 777`` and ``+84 909 888 777`` are the same caller."""
        digits = re.sub(PHONE_SEPARATORS, '', number or '')
        if digits.startswith('00'):
            digits = '+' + digits[2:]
        if not digits:
            return []
        country = self.env.company.country_id or self.env.ref('base.vn', raise_if_not_found=False)
        prefix = f'+{country.phone_code}' if country and country.phone_code else ''
        variants = [digits]
        if prefix and digits.startswith('0'):
            variants.append(prefix + digits[1:])
        elif prefix and digits.startswith(prefix):
            variants.append('0' + digits[len(prefix):])
        return variants

    @api.model
    def _cskh_phone_international(self, number):
        """``number`` in international form when it can be told, else without separators."""
        variants = self._cskh_phone_variants(number)
        return next((v for v in variants if v.startswith('+')), variants[0] if variants else False)

    @api.model
    def _cskh_search_by_phone(self, number):
        """The contact calling from ``number`` (phone fields compared without separators, in
        national and international form): the oldest matching contact, people before companies."""
        if len(re.sub(r'\D', '', number or '')) < 3:
            return self.browse()
        variants = self._cskh_phone_variants(number)
        domain = Domain.OR(Domain('phone_mobile_search', '=', variant) for variant in variants)
        return self.search(domain, order='is_company, id', limit=1)
