from lxml import etree

from odoo import models
from odoo.tools import ormcache


class IrQweb(models.AbstractModel):
    _inherit = 'ir.qweb'

    def _compile(self, template):
        """A mail template's body is rendered from its text, which QWeb compiles anew at
        every rendering: views are compiled once, text is not. The helpdesk's automatic
        emails (acknowledgement and auto-replies, one per incoming ticket) keep the
        compiled body per text and compile options, in the cache of the compiled views;
        other renderings are left as they are."""
        if (isinstance(template, etree._Element) and self.env.context.get('cskh_auto_email')
                and not self.env.context.get('profile')):
            return self._cskh_generate_code_cached(etree.tostring(template, encoding='unicode'), template)
        return super()._compile(template)

    @ormcache('source', 'tuple(self.env.context.get(k) or False for k in self._get_template_cache_keys())',
              cache='templates')
    def _cskh_generate_code_cached(self, source, template):
        """The compiled ``template`` (whose text is ``source``), for the options of this
        context that compilation depends on (language, the mail module's restricted mode...)."""
        return self._generate_code_uncached(template)
