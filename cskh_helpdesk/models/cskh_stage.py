from odoo import fields, models


class CskhStage(models.Model):
    _name = 'cskh.stage'
    _description = "Helpdesk Stage"
    _order = 'sequence, id'

    def _default_team_ids(self):
        team_id = self.env.context.get('default_team_id')
        return [team_id] if team_id else False

    active = fields.Boolean(default=True)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True, help="Shown as a tooltip on the kanban column.")
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(
        "Folded in Kanban",
        help="Tickets in a folded stage are collapsed in the kanban view.")
    team_ids = fields.Many2many(
        'cskh.team', 'cskh_stage_team_rel', 'stage_id', 'team_id',
        string="Teams", default=lambda self: self._default_team_ids(),
        help="Teams using this stage. A stage can be shared by several teams.")
    is_closed = fields.Boolean(
        "Closing Stage",
        help="Tickets in this stage are considered closed (solved or cancelled).")
    is_cancel = fields.Boolean(
        "Cancellation Stage",
        help="A closing stage for tickets that were not solved (spam, duplicate, withdrawn). "
             "No satisfaction survey is sent from it.")
    sla_pause = fields.Boolean(
        "Pause SLA",
        help="Time spent in this stage (e.g. waiting for the customer) does not count "
             "towards SLA deadlines.")
    mail_template_id = fields.Many2one(
        'mail.template', string="Email Template",
        domain=[('model', '=', 'cskh.ticket')],
        help="Email sent to the customer when a ticket enters this stage.")
    rotting_threshold_days = fields.Integer(
        "Days to rot", default=0,
        help="Tickets staying longer than this number of days in the stage are marked as stale. "
             "0 disables it.")
    color = fields.Integer(export_string_translation=False)
    ticket_count = fields.Integer(compute='_compute_ticket_count', export_string_translation=False)

    def _compute_ticket_count(self):
        counts = dict(self.env['cskh.ticket']._read_group(
            [('stage_id', 'in', self.ids)], ['stage_id'], ['__count']))
        for stage in self:
            stage.ticket_count = counts.get(stage, 0)
