from random import randint

from odoo import fields, models


class CskhTag(models.Model):
    _name = 'cskh.tag'
    _description = "Helpdesk Tag"
    _order = 'name'

    def _default_color(self):
        return randint(1, 11)

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: self._default_color())

    _name_uniq = models.Constraint('unique (name)', "A tag with the same name already exists.")
