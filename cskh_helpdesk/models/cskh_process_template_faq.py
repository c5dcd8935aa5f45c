from odoo import fields, models


class CskhProcessTemplateFaq(models.Model):
    """A sample knowledge base article of a process template, created (unpublished, for a
    manager to review) when the template is applied with its sample articles."""
    _name = 'cskh.process.template.faq'
    _description = "Process Template Sample Article"
    _order = 'template_id, sequence, id'

    template_id = fields.Many2one('cskh.process.template', required=True, index=True, ondelete='cascade')
    key = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    title = fields.Char(required=True, translate=True)
    answer = fields.Html(translate=True)
    keyword = fields.Char("Keywords")
    category_name = fields.Char("Category", translate=True)

    _key_unique = models.Constraint('UNIQUE(template_id, key)', "Sample article keys must be unique in a template.")
