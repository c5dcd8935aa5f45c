from odoo import fields, models


class CskhProcessTemplateStage(models.Model):
    """A stage that a process template gives to the teams it is applied to."""
    _name = 'cskh.process.template.stage'
    _description = "Process Template Stage"
    _order = 'template_id, sequence, id'

    template_id = fields.Many2one('cskh.process.template', required=True, index=True, ondelete='cascade')
    key = fields.Char(
        required=True,
        help="Technical key of the stage within its template: applying the template again "
             "finds the stage it created from this key instead of creating a second one.")
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean("Folded in Kanban")
    is_closed = fields.Boolean("Closing Stage")
    is_cancel = fields.Boolean("Cancellation Stage")
    sla_pause = fields.Boolean("Pause SLA")
    mail_template_id = fields.Many2one(
        'mail.template', string="Email Template", domain=[('model', '=', 'cskh.ticket')])

    _key_unique = models.Constraint('UNIQUE(template_id, key)', "Stage keys must be unique in a template.")
