from odoo import fields, models


class CskhProcessTemplateType(models.Model):
    """A ticket type of a process template, with its handling script. ``type_id``
    reuses a ticket type shipped with the app instead of creating a new one."""
    _name = 'cskh.process.template.type'
    _description = "Process Template Ticket Type"
    _order = 'template_id, sequence, id'

    template_id = fields.Many2one('cskh.process.template', required=True, index=True, ondelete='cascade')
    key = fields.Char(
        required=True,
        help="Technical key of the type: applying a template again reuses the type created from it.")
    type_id = fields.Many2one(
        'cskh.ticket.type', string="Existing Type", ondelete='set null',
        help="Use this ticket type instead of creating one.")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    script = fields.Html("Handling Script", translate=True, sanitize=True)
    suggest_opportunity = fields.Boolean()

    _key_unique = models.Constraint('UNIQUE(template_id, key)', "Type keys must be unique in a template.")
