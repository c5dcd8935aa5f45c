from odoo import api, models
from odoo.tools import ormcache


class MailTemplate(models.Model):
    _inherit = 'mail.template'

    @api.model
    def _has_unsafe_expression_template_qweb(self, template_src, model, fname=None):
        """The mail module compiles a QWeb body once only to tell whether it uses more than
        the few expressions allowed to everyone, then again to render it. The helpdesk's
        automatic emails (acknowledgement and auto-replies, one per incoming ticket) keep
        the answer per template text and model, which is all it depends on: one
        compilation less per email. Other renderings are left as they are."""
        if self.env.context.get('cskh_auto_email') and template_src:
            return self._cskh_has_unsafe_expression_template_qweb(str(template_src), model)
        return super()._has_unsafe_expression_template_qweb(template_src, model, fname=fname)

    @api.model
    @ormcache('template_src', 'model')
    def _cskh_has_unsafe_expression_template_qweb(self, template_src, model):
        # the mail module's check itself (this override without the helpdesk's context key)
        return self.with_context(cskh_auto_email=False)._has_unsafe_expression_template_qweb(
            template_src, model)
