from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


class CskhTicketSplit(models.TransientModel):
    """A customer asking two things in one mail: the chosen messages (and their
    attachments) move to a new ticket of the same customer and team, each request then
    follows its own stages and SLA. Both tickets get a note linking the other."""
    _name = 'cskh.ticket.split'
    _description = "Split a Ticket"

    ticket_id = fields.Many2one(
        'cskh.ticket', required=True, readonly=True,
        default=lambda self: self.env.context.get('active_id')
        if self.env.context.get('active_model', 'cskh.ticket') == 'cskh.ticket' else False)
    message_ids = fields.Many2many(
        'mail.message', string="Messages to Move",
        domain="[('model', '=', 'cskh.ticket'), ('res_id', '=', ticket_id), ('message_type', 'in', ('email', 'comment'))]",
        help="Messages (with their attachments) moved to the new ticket.")
    name = fields.Char("New Subject", required=True)

    def action_split(self):
        """Create the new ticket, move the chosen messages to it and open it."""
        self.ensure_one()
        ticket = self.ticket_id
        messages = self._get_messages_to_move()
        ticket.check_access('write')
        new_ticket = self.env['cskh.ticket'].create(self._prepare_ticket_values())
        # as superuser once the write access to the ticket is checked: agents may not
        # write messages of others
        messages.sudo().write({'res_id': new_ticket.id})
        messages.sudo().attachment_ids.filtered(
            lambda a: a.res_model == 'cskh.ticket' and a.res_id == ticket.id).write({'res_id': new_ticket.id})
        new_ticket.message_post(
            body=Markup("<p>%s</p>") % self.env._("Split from %(ticket)s.", ticket=ticket._get_html_link()),
            message_type='comment', subtype_xmlid='mail.mt_note')
        ticket.message_post(
            body=Markup("<p>%s</p>") % self.env._("Split into %(ticket)s.", ticket=new_ticket._get_html_link()),
            message_type='comment', subtype_xmlid='mail.mt_note')
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cskh.ticket',
            'res_id': new_ticket.id,
            'views': [(False, 'form')],
        }

    def _get_messages_to_move(self):
        messages = self.message_ids
        if not messages:
            raise UserError(self.env._("Select the messages to move to the new ticket."))
        if any(message.model != 'cskh.ticket' or message.res_id != self.ticket_id.id
               or message.message_type not in ('email', 'comment') for message in messages):
            raise UserError(self.env._("Only emails and comments of this ticket can be moved."))
        return messages

    def _prepare_ticket_values(self):
        """Values of the new ticket: the customer, team and type of the split one.
        Override to copy more fields."""
        ticket = self.ticket_id
        return {
            'name': self.name,
            'partner_id': ticket.partner_id.id,
            'partner_name': ticket.partner_name,
            'partner_email': ticket.partner_email,
            'partner_phone': ticket.partner_phone,
            'team_id': ticket.team_id.id,
            'company_id': ticket.company_id.id,
            'type_id': ticket.type_id.id,
            'channel': ticket.channel,
        }
