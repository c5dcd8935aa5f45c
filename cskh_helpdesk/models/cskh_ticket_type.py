from odoo import fields, models


class CskhTicketType(models.Model):
    _name = 'cskh.ticket.type'
    _description = "Ticket Type"
    _order = 'sequence, id'

    active = fields.Boolean(default=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    script = fields.Html(
        "Handling Script", translate=True, sanitize=True,
        help="Guide shown to the agent on tickets of this type: greeting, questions to ask, "
             "solution and closing.")
    suggest_opportunity = fields.Boolean(
        help="Tickets of this type are often pre-sales questions: their form invites the agent "
             "to create an opportunity until one is linked.")
    reply_template_id = fields.Many2one(
        'mail.template', domain=[('model', '=', 'cskh.ticket')],
        help="Email proposed when an agent opens the full composer to reply on a ticket of this "
             "type: the handling script written for the customer.")
