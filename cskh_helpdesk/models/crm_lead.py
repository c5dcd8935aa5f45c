from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    cskh_ticket_ids = fields.One2many(
        'cskh.ticket', 'lead_id', string="Helpdesk Tickets",
        groups='cskh_helpdesk.cskh_helpdesk_group_agent', export_string_translation=False)
    cskh_ticket_count = fields.Integer(
        "Tickets", compute='_compute_cskh_ticket_count',
        groups='cskh_helpdesk.cskh_helpdesk_group_agent')

    # every incoming mail, whatever its app, makes the mail module reset the bounce counter
    # of the leads with the sender's address (_routing_reset_bounce); the CRM indexes the
    # leads' email for trigram searches only, which for an equality reads every lead
    # sharing the address's trigrams (a common domain: most of them)
    _cskh_bounce_email_idx = models.Index('(email_normalized) WHERE message_bounce > 0')

    @api.depends('cskh_ticket_ids')
    def _compute_cskh_ticket_count(self):
        """Tickets linked to the lead that the user may see (record rules apply)."""
        counts = dict(self.env['cskh.ticket']._read_group(
            [('lead_id', 'in', self._origin.ids)], ['lead_id'], ['__count']))
        for lead in self:
            lead.cskh_ticket_count = counts.get(lead._origin, 0)

    def action_view_cskh_tickets(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_action')
        action.update({
            'display_name': self.env._("Tickets of %(lead)s", lead=self.name),
            'domain': [('lead_id', '=', self.id)],
            'context': {'default_lead_id': self.id, 'default_partner_id': self.partner_id.id},
        })
        tickets = self.cskh_ticket_ids
        if len(tickets) == 1:
            action.update({'views': [(False, 'form')], 'view_mode': 'form', 'res_id': tickets.id})
        return action

    def action_cskh_create_ticket(self):
        """Open the wizard creating a helpdesk ticket from this lead."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'cskh_helpdesk.cskh_lead_create_ticket_action')
        action['context'] = {'default_lead_id': self.id}
        return action
