from odoo import fields, models


class CskhProcessTemplateAutoReply(models.Model):
    """A keyword auto-reply rule that a process template creates for the team."""
    _name = 'cskh.process.template.auto.reply'
    _description = "Process Template Auto-Reply"
    _order = 'template_id, sequence, id'

    template_id = fields.Many2one('cskh.process.template', required=True, index=True, ondelete='cascade')
    key = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    keywords = fields.Char(
        required=True,
        help="Comma-separated keywords, matched ignoring case and accents.")
    mail_template_id = fields.Many2one(
        'mail.template', string="Answer", required=True, domain=[('model', '=', 'cskh.ticket')])
    stage_line_id = fields.Many2one(
        'cskh.process.template.stage', string="Move to Stage", ondelete='set null',
        domain="[('template_id', '=', template_id)]")

    _key_unique = models.Constraint('UNIQUE(template_id, key)', "Auto-reply keys must be unique in a template.")
