from odoo import fields, models

from .cskh_ticket import CUSTOMER_TIERS, TICKET_CHANNELS, TICKET_PRIORITIES


class CskhProcessTemplateSla(models.Model):
    """An SLA policy that a process template creates on the team."""
    _name = 'cskh.process.template.sla'
    _description = "Process Template SLA Policy"
    _order = 'template_id, sequence, id'

    template_id = fields.Many2one('cskh.process.template', required=True, index=True, ondelete='cascade')
    key = fields.Char(required=True)
    name = fields.Char("SLA Policy", required=True, translate=True)
    sequence = fields.Integer(default=10)
    target = fields.Selection([
        ('first_response', "First Response"),
        ('resolution', "Resolution"),
    ], required=True, default='resolution')
    stage_line_id = fields.Many2one(
        'cskh.process.template.stage', string="Target Stage", ondelete='set null',
        domain="[('template_id', '=', template_id)]",
        help="Resolution target; empty: the first closing stage of the team.")
    time = fields.Float("Working Hours", required=True, default=8.0)
    priority = fields.Selection(TICKET_PRIORITIES, string="Minimum Priority", required=True, default='0')
    type_line_ids = fields.Many2many(
        'cskh.process.template.type', string="Ticket Types",
        domain="[('template_id', '=', template_id)]")
    customer_tier = fields.Selection(CUSTOMER_TIERS)
    channel = fields.Selection(TICKET_CHANNELS, help="Empty: tickets of every channel.")
    raise_priority = fields.Boolean("Raise Priority on Failure")

    _key_unique = models.Constraint('UNIQUE(template_id, key)', "SLA keys must be unique in a template.")
    _time_positive = models.Constraint('CHECK(time > 0)', "The time of an SLA policy must be positive.")
