from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError


class CskhTicketMerge(models.TransientModel):
    """Duplicates of one request merged into one ticket: the conversation (messages,
    attachments), the followers and the tags go to the target, which keeps its own SLA
    lines; the other tickets are cancelled, each pointing to the target. Nothing is
    emailed to the customer: both sides only get an internal note."""
    _name = 'cskh.ticket.merge'
    _description = "Merge Tickets"

    def _default_ticket_ids(self):
        if self.env.context.get('active_model', 'cskh.ticket') != 'cskh.ticket':
            return False
        return self.env['cskh.ticket'].browse(self.env.context.get('active_ids', []))

    ticket_ids = fields.Many2many(
        'cskh.ticket', string="Tickets", default=lambda self: self._default_ticket_ids())
    target_id = fields.Many2one(
        'cskh.ticket', string="Merge into", compute='_compute_target_id', store=True, readonly=False,
        domain="[('id', 'in', ticket_ids)]",
        help="The ticket that keeps the conversation; the oldest one by default.")
    is_different_customers = fields.Boolean(
        compute='_compute_is_different_customers', export_string_translation=False)
    confirm_different_customers = fields.Boolean(
        "I confirm merging tickets of different customers",
        help="Only a helpdesk manager may merge tickets of different customers.")

    @api.depends('ticket_ids')
    def _compute_target_id(self):
        for wizard in self:
            if wizard.target_id not in wizard.ticket_ids._origin:
                wizard.target_id = wizard.ticket_ids._origin.sorted(lambda t: (t.create_date, t.id))[:1]

    @api.depends('ticket_ids', 'target_id')
    def _compute_is_different_customers(self):
        for wizard in self:
            target = wizard.target_id._origin
            wizard.is_different_customers = any(
                not wizard._is_same_customer(target, ticket) for ticket in wizard.ticket_ids._origin - target)

    @api.model
    def _is_same_customer(self, target, ticket):
        """Whether two tickets come from the same customer: same contact, or the same
        email address (normalized) when one of them has no contact."""
        if ticket.partner_id and ticket.partner_id == target.partner_id:
            return True
        email = self._get_customer_email(ticket)
        return bool(email) and email == self._get_customer_email(target)

    @api.model
    def _get_customer_email(self, ticket):
        return tools.email_normalize(ticket.partner_email or '') or ticket.partner_id.email_normalized

    def action_merge(self):
        """Merge the other tickets into the target and open it."""
        self.ensure_one()
        target = self.target_id
        sources = self.ticket_ids - target
        self._check_merge(target, sources)
        self._merge_conversation(target, sources)
        target.message_subscribe(partner_ids=sources.message_partner_ids.ids)
        target.tag_ids |= sources.tag_ids
        self._close_sources(target, sources)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cskh.ticket',
            'res_id': target.id,
            'views': [(False, 'form')],
        }

    def _check_merge(self, target, sources):
        if not target or not sources:
            raise UserError(self.env._("Select at least two tickets to merge: a ticket cannot be merged into itself."))
        tickets = target | sources
        tickets.check_access('write')
        if len(tickets.company_id) > 1:
            raise UserError(self.env._("Tickets of different companies cannot be merged."))
        if self.is_different_customers and not (
                self.confirm_different_customers
                and self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager')):
            raise UserError(self.env._(
                "These tickets belong to different customers. Only a helpdesk manager can merge them, "
                "after ticking \"I confirm merging tickets of different customers\"."))
        if any(not source.team_id._get_cancel_stage() for source in sources):
            raise UserError(self.env._(
                "The merged tickets are closed in a cancellation stage: give their team one first."))

    @api.model
    def _merge_conversation(self, target, sources):
        """Move the messages and attachments of ``sources`` to ``target``. Done as
        superuser once the write access to every ticket is checked: agents may not
        write messages of others."""
        domain = [('model', '=', 'cskh.ticket'), ('res_id', 'in', sources.ids)]
        self.env['mail.message'].sudo().search(domain).write({'res_id': target.id})
        self.env['ir.attachment'].sudo().search(
            [('res_model', '=', 'cskh.ticket'), ('res_id', 'in', sources.ids)]).write({'res_id': target.id})

    @api.model
    def _close_sources(self, target, sources):
        """Cancel the merged tickets, without tracking: no stage email goes to the
        customer (and cancellation stages send no survey); a note links both sides."""
        for team, team_sources in sources.grouped('team_id').items():
            team_sources.with_context(mail_notrack=True).write({
                'stage_id': team._get_cancel_stage().id,
                'merged_into_id': target.id,
            })
        for source in sources:
            source.message_post(
                body=Markup("<p>%s</p>") % self.env._(
                    "Merged into %(ticket)s.", ticket=target._get_html_link()),
                message_type='comment', subtype_xmlid='mail.mt_note')
        links = Markup(", ").join(source._get_html_link() for source in sources)
        target.message_post(
            body=Markup("<p>%s</p>") % self.env._("Merged from %(tickets)s.", tickets=links),
            message_type='comment', subtype_xmlid='mail.mt_note')
