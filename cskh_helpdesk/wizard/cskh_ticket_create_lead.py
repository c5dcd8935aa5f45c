from odoo import api, fields, models


class CskhTicketCreateLead(models.TransientModel):
    _name = 'cskh.ticket.create.lead'
    _description = "Create a Lead or Opportunity from a Ticket"

    ticket_id = fields.Many2one('cskh.ticket', required=True, readonly=True)
    company_id = fields.Many2one(related='ticket_id.company_id')
    lead_type = fields.Selection(
        [('lead', "Lead"), ('opportunity', "Opportunity")], string="Create a",
        compute='_compute_lead_type', store=True, readonly=False, precompute=True, required=True)
    name = fields.Char(
        "Title", compute='_compute_from_ticket', store=True, readonly=False, precompute=True, required=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", compute='_compute_from_ticket', store=True, readonly=False, precompute=True)
    contact_name = fields.Char(compute='_compute_from_ticket', store=True, readonly=False, precompute=True)
    email_from = fields.Char("Email", compute='_compute_from_ticket', store=True, readonly=False, precompute=True)
    phone = fields.Char(compute='_compute_from_ticket', store=True, readonly=False, precompute=True)
    description = fields.Html("Notes", compute='_compute_from_ticket', store=True, readonly=False, precompute=True)
    user_id = fields.Many2one(
        'res.users', string="Salesperson", default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]")
    team_id = fields.Many2one(
        'crm.team', string="Sales Team", compute='_compute_team_id', store=True, readonly=False, precompute=True,
        domain="[('company_id', 'in', [company_id, False])]")

    @api.depends('ticket_id.type_id.suggest_opportunity')
    def _compute_lead_type(self):
        """Pre-sales tickets become opportunities; others leads, if the company qualifies leads."""
        use_leads = self.env.user.has_group('crm.group_use_lead')
        for wizard in self:
            suggested = wizard.ticket_id.type_id.suggest_opportunity
            wizard.lead_type = 'lead' if use_leads and not suggested else 'opportunity'

    @api.depends('ticket_id')
    def _compute_from_ticket(self):
        for wizard in self:
            ticket = wizard.ticket_id
            wizard.name = ticket.name
            wizard.partner_id = ticket.partner_id
            wizard.contact_name = ticket.partner_name
            wizard.email_from = ticket.partner_email
            wizard.phone = ticket.partner_phone
            wizard.description = ticket.description

    @api.depends('user_id', 'lead_type')
    def _compute_team_id(self):
        """The salesperson's team, as on the lead form."""
        for wizard in self:
            user = wizard.user_id
            if not user or (wizard.team_id and user in wizard.team_id.member_ids | wizard.team_id.user_id):
                continue
            use_field = 'use_leads' if wizard.lead_type == 'lead' else 'use_opportunities'
            wizard.team_id = self.env['crm.team']._get_default_team_id(
                user_id=user.id, domain=[(use_field, '=', True)])

    def action_create_lead(self):
        """Create the lead, link it to the ticket, note the link on both chatters and open it."""
        lead = self._create_lead()
        return lead.redirect_lead_opportunity_view()

    def action_create_lead_and_stay(self):
        """Same as :meth:`action_create_lead`, the agent staying on the ticket."""
        self._create_lead()
        return {'type': 'ir.actions.act_window_close'}

    def _create_lead(self):
        self.ensure_one()
        lead = self.env['crm.lead'].create(self._prepare_lead_values())
        self.ticket_id.lead_id = lead
        self._post_link_notes(lead)
        return lead

    def _prepare_lead_values(self):
        """Values of the new lead. The contact data of a known customer come from the partner:
        passing the ticket's (possibly different) email would overwrite the partner's one."""
        ticket = self.ticket_id
        values = {
            'name': self.name,
            'type': self.lead_type,
            'partner_id': self.partner_id.id,
            'description': self.description,
            'user_id': self.user_id.id,
            'team_id': self.team_id.id,
            'company_id': ticket.company_id.id,
            'source_id': self._get_record_id('cskh_helpdesk.utm_source_helpdesk'),
        }
        if not self.partner_id:
            values.update(contact_name=self.contact_name, email_from=self.email_from, phone=self.phone)
        if ticket.channel == 'email':
            values['medium_id'] = self._get_record_id('utm.utm_medium_email')
        return values

    def _get_record_id(self, xmlid):
        # shipped UTM records may have been deleted by an admin: create the lead without them
        record = self.env.ref(xmlid, raise_if_not_found=False)
        return record.id if record else False

    def _post_link_notes(self, lead):
        ticket = self.ticket_id
        if lead.type == 'lead':
            ticket_body = self.env._("Lead %(lead)s created from this ticket.", lead=lead._get_html_link())
        else:
            ticket_body = self.env._(
                "Opportunity %(lead)s created from this ticket.", lead=lead._get_html_link())
        ticket.message_post(body=ticket_body, subtype_xmlid='mail.mt_note')
        lead.message_post(
            body=self.env._("Created from helpdesk ticket %(ticket)s.", ticket=ticket._get_html_link()),
            subtype_xmlid='mail.mt_note')
