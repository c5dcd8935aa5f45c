from odoo import api, fields, models


class CskhTicketLogCall(models.TransientModel):
    """An incoming phone call turned into a ticket in one step: the caller is found by
    number (or added as a contact), and a call solved on the phone is closed at once so
    that it counts as a first-contact resolution."""
    _name = 'cskh.ticket.log.call'
    _description = "Log a Call as a Ticket"

    phone = fields.Char("Caller Number", required=True)
    partner_id = fields.Many2one(
        'res.partner', string="Caller", compute='_compute_partner_id', store=True, readonly=False,
        precompute=True, help="Contact found by the number; a new contact is created when empty.")
    partner_name = fields.Char(
        "Caller Name", help="Name of the new contact created for an unknown number.")
    name = fields.Char("Subject", required=True)
    description = fields.Html("Notes")
    team_id = fields.Many2one(
        'cskh.team', required=True,
        default=lambda self: self.env['cskh.ticket']._default_team_id(),
        domain="[('company_id', 'in', allowed_company_ids)]")
    is_solved = fields.Boolean(
        "Solved during the Call",
        help="The ticket is created solved: it counts as resolved at the first contact.")

    @api.depends('phone')
    def _compute_partner_id(self):
        for wizard in self:
            if wizard.phone and not (wizard.partner_id and wizard._partner_has_number(wizard.partner_id)):
                wizard.partner_id = self.env['res.partner']._cskh_search_by_phone(wizard.phone)

    def _partner_has_number(self, partner):
        variants = partner._cskh_phone_variants(self.phone)
        return any(number in variants for number in partner._cskh_phone_variants(partner.phone))

    def action_log_call(self):
        """Create the ticket (and the contact of an unknown caller) and open it."""
        self.ensure_one()
        ticket = self.env['cskh.ticket'].create(self._prepare_ticket_values())
        if self.is_solved:
            solved_stage = ticket.team_id._get_solved_stage()
            if solved_stage:
                # written after the creation, as an agent's move would be: closing effects
                # (closing date, satisfaction survey) run as for any solved ticket
                ticket.stage_id = solved_stage
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cskh.ticket',
            'res_id': ticket.id,
            'views': [(False, 'form')],
        }

    def _prepare_ticket_values(self):
        """Values of the ticket of the call. Override to add fields of the wizard."""
        return {
            'name': self.name,
            'description': self.description,
            'partner_id': self._get_caller().id,
            'team_id': self.team_id.id,
            'user_id': self.env.user.id,
            'channel': 'phone',
        }

    def _get_caller(self):
        """The contact of the call: the one chosen, else a new contact with the number."""
        if self.partner_id:
            return self.partner_id
        Partner = self.env['res.partner']
        phone = Partner._cskh_phone_international(self.phone)
        # sudo: agents may lack the contact creation right; a caller becomes a contact as
        # an email sender does through the mail gateway (a name and the number, nothing else)
        caller = Partner.sudo().create({
            'name': self.partner_name or phone,
            'phone': phone,
        })
        return caller.sudo(False)
