from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cskh_ticket import CUSTOMER_TIERS, TICKET_CHANNELS, TICKET_PRIORITIES


class CskhSla(models.Model):
    """An SLA policy of a team: a promise to answer or solve the tickets matching
    its conditions within a number of working hours of the team's calendar."""
    _name = 'cskh.sla'
    _description = "Helpdesk SLA Policy"
    _order = 'team_id, sequence, id'
    _check_company_auto = True

    @api.model
    def _default_team_id(self):
        return self.env.context.get('default_team_id')

    active = fields.Boolean(default=True)
    name = fields.Char("SLA Policy", required=True, translate=True)
    description = fields.Html(translate=True)
    sequence = fields.Integer(default=10)
    team_id = fields.Many2one(
        'cskh.team', required=True, index=True, ondelete='cascade',
        default=lambda self: self._default_team_id())
    company_id = fields.Many2one(related='team_id.company_id', store=True, index=True, string="Company")
    target = fields.Selection([
        ('first_response', "First Response"),
        ('resolution', "Resolution"),
    ], required=True, default='resolution',
        help="First Response: met by the first public answer of an agent.\n"
             "Resolution: met when the ticket reaches the target stage, a later stage or a closing stage.")
    stage_id = fields.Many2one(
        'cskh.stage', string="Target Stage", compute='_compute_stage_id', store=True, readonly=False,
        domain="[('team_ids', 'in', team_id)]", ondelete='restrict',
        help="The resolution target is met when the ticket reaches this stage or any later one.")
    time = fields.Float(
        "Working Hours", required=True, default=8.0,
        help="Time allowed to meet the target, counted in the working hours of the team's calendar "
             "(public holidays and paused stages excluded).")
    priority = fields.Selection(
        TICKET_PRIORITIES, string="Minimum Priority", required=True, default='0',
        help="The policy applies to tickets of this priority or higher.")
    type_ids = fields.Many2many(
        'cskh.ticket.type', string="Ticket Types",
        help="The policy applies to tickets of one of these types. Leave empty for all types.")
    tag_ids = fields.Many2many(
        'cskh.tag', string="Tags",
        help="The policy applies to tickets having at least one of these tags. Leave empty for all tickets.")
    customer_tier = fields.Selection(
        CUSTOMER_TIERS,
        help="The policy applies only to customers of this tier. Leave empty for all customers.")
    channel = fields.Selection(
        TICKET_CHANNELS,
        help="The policy applies only to tickets coming from this channel. Leave empty for all channels.")
    raise_priority = fields.Boolean(
        "Raise Priority on Failure",
        help="When the target is missed, the ticket's priority goes up by one level.")
    ticket_sla_ids = fields.One2many('cskh.ticket.sla', 'sla_id', string="Applied On")

    _time_positive = models.Constraint('CHECK(time > 0)', "The time of an SLA policy must be positive.")

    @api.depends('team_id', 'target')
    def _compute_stage_id(self):
        for sla in self:
            if sla.target != 'resolution':
                sla.stage_id = False
            elif not sla.stage_id or sla.stage_id not in sla.team_id.stage_ids:
                sla.stage_id = sla.team_id._get_solved_stage() if sla.team_id else False

    @api.constrains('target', 'stage_id')
    def _check_stage_id(self):
        for sla in self:
            if sla.target == 'resolution' and not sla.stage_id:
                raise ValidationError(self.env._(
                    "The resolution policy %(name)s needs a target stage.", name=sla.name))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _match_ticket(self, ticket):
        """Whether this policy applies to ``ticket``; override to add conditions."""
        self.ensure_one()
        return (
            self.team_id == ticket.team_id
            and int(ticket.priority or 0) >= int(self.priority or 0)
            and (not self.type_ids or ticket.type_id in self.type_ids)
            and (not self.tag_ids or bool(self.tag_ids & ticket.tag_ids))
            and (not self.customer_tier or ticket.customer_tier == self.customer_tier)
            and (not self.channel or ticket.channel == self.channel)
        )

    def _is_stage_reached(self, stage):
        """Whether a ticket in ``stage`` meets this resolution policy: the target
        stage, a later stage of the pipeline or any closing stage."""
        self.ensure_one()
        if not stage:
            return False
        return stage.is_closed or stage == self.stage_id or stage.sequence > self.stage_id.sequence
