from odoo import api, fields, models

from .cskh_ticket import CUSTOMER_TIERS


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
