from odoo import api, fields, models

from ..models.cskh_ticket import TICKET_PRIORITIES


class CskhLeadCreateTicket(models.TransientModel):
    _name = 'cskh.lead.create.ticket'
    _description = "Create a Helpdesk Ticket from a Lead"

    lead_id = fields.Many2one('crm.lead', string="Lead/Opportunity", required=True, readonly=True)
    company_id = fields.Many2one(related='lead_id.company_id')
    team_id = fields.Many2one(
        'cskh.team', string="Helpdesk Team", required=True,
        compute='_compute_team_id', store=True, readonly=False, precompute=True,
        domain="[('company_id', '=?', company_id)]")
    user_id = fields.Many2one(
        'res.users', string="Assigned to", domain="[('share', '=', False)]",
        help="Leave empty to let the team's assignment method choose.")
    type_id = fields.Many2one('cskh.ticket.type')
    priority = fields.Selection(TICKET_PRIORITIES, default='0', required=True)
    name = fields.Char("Subject", compute='_compute_from_lead', store=True, readonly=False, precompute=True, required=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", compute='_compute_from_lead', store=True, readonly=False, precompute=True)
    partner_name = fields.Char("Customer Name", compute='_compute_from_lead', store=True, readonly=False, precompute=True)
    partner_email = fields.Char("Customer Email", compute='_compute_from_lead', store=True, readonly=False, precompute=True)
    partner_phone = fields.Char("Customer Phone", compute='_compute_from_lead', store=True, readonly=False, precompute=True)
    description = fields.Html(compute='_compute_from_lead', store=True, readonly=False, precompute=True)

    @api.depends('lead_id.company_id')
    def _compute_team_id(self):
        """A team of the lead's company: the ticket must live where the lead does."""
        for wizard in self:
            company = wizard.lead_id.company_id
            if wizard.team_id and (not company or wizard.team_id.company_id == company):
                continue
            wizard.team_id = self.env['cskh.team'].search(
                [('company_id', 'in', company.ids or self.env.companies.ids)], limit=1)

    @api.depends('lead_id')
    def _compute_from_lead(self):
        for wizard in self:
            lead = wizard.lead_id
            wizard.name = lead.name
            wizard.partner_id = lead.partner_id
            wizard.partner_name = lead.contact_name or lead.partner_name
            wizard.partner_email = lead.email_from
            wizard.partner_phone = lead.phone
            wizard.description = lead.description

    def action_create_ticket(self):
        """Create the ticket linked to the lead, note the link on both chatters and open it."""
        self.ensure_one()
        ticket = self.env['cskh.ticket'].create(self._prepare_ticket_values())
        self._post_link_notes(ticket)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cskh.ticket',
            'res_id': ticket.id,
            'views': [(False, 'form')],
            'view_mode': 'form',
        }

    def _prepare_ticket_values(self):
        values = {
            'name': self.name,
            'lead_id': self.lead_id.id,
            'team_id': self.team_id.id,
            'type_id': self.type_id.id,
            'priority': self.priority,
            'partner_id': self.partner_id.id,
            'description': self.description,
        }
        if self.user_id:
            # without a given agent, the team's assignment method picks one
            values['user_id'] = self.user_id.id
        if not self.partner_id:
            values.update(
                partner_name=self.partner_name, partner_email=self.partner_email,
                partner_phone=self.partner_phone)
        return values

    def _post_link_notes(self, ticket):
        lead = self.lead_id
        ticket.message_post(
            body=self.env._("Created from %(lead)s.", lead=lead._get_html_link()),
            subtype_xmlid='mail.mt_note')
        lead.message_post(
            body=self.env._("Helpdesk ticket %(ticket)s created.", ticket=ticket._get_html_link()),
            subtype_xmlid='mail.mt_note')
