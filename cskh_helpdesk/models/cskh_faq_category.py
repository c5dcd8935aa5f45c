from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CskhFaqCategory(models.Model):
    """A section of the knowledge base, nested (Installation / Washing machines ...)."""
    _name = 'cskh.faq.category'
    _description = "Knowledge Base Category"
    _parent_name = 'parent_id'
    _parent_store = True
    _order = 'sequence, complete_name, id'
    _rec_name = 'complete_name'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute='_compute_complete_name', recursive=True, store=True)
    description = fields.Text(translate=True, help="Shown under the category's title on the help center.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    parent_id = fields.Many2one(
        'cskh.faq.category', string="Parent Category", index=True, ondelete='cascade', check_company=True)
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many('cskh.faq.category', 'parent_id', string="Subcategories")
    company_id = fields.Many2one(
        'res.company', index=True,
        help="Empty: the category is shared by all companies.")
    faq_ids = fields.One2many('cskh.faq', 'category_id', string="Articles")
    faq_count = fields.Integer(compute='_compute_faq_count', string="Articles Count")

    @api.depends('name', 'parent_id.complete_name')
    def _compute_complete_name(self):
        for category in self:
            if category.parent_id:
                category.complete_name = f"{category.parent_id.complete_name} / {category.name}"
            else:
                category.complete_name = category.name

    def _compute_faq_count(self):
        counts = dict(self.env['cskh.faq']._read_group(
            [('category_id', 'child_of', self.ids)], ['category_id'], ['__count']))
        for category in self:
            category.faq_count = sum(
                count for cat, count in counts.items() if cat.parent_path.startswith(category.parent_path))

    @api.constrains('parent_id')
    def _check_parent_id(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A category cannot be its own parent."))

    def action_open_faqs(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_faq_action')
        action['domain'] = [('category_id', 'child_of', self.id)]
        action['context'] = {'default_category_id': self.id}
        return action
