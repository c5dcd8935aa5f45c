from odoo import api, models


class CskhAliasLookupReset(models.AbstractModel):
    """Aliases and alias domains clear the cached index of our addresses
    (``mail.alias.domain._get_alias_index``) when an address changes. Other writes,
    such as the gateway marking an alias valid, keep it."""
    _name = 'cskh.alias.lookup.reset'
    _description = "Alias Lookup Reset"

    def _alias_index_changed(self, vals):
        """Whether creating (``self`` empty), writing ``vals`` on, or deleting (``vals``
        None) these records changes the addresses of the index."""
        return True

    @api.model_create_multi
    def create(self, vals_list):
        if any(self._alias_index_changed(vals) for vals in vals_list):
            self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if self._alias_index_changed(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        if self._alias_index_changed(None):
            self.env.registry.clear_cache()
        return super().unlink()


class MailAlias(models.Model):
    _name = 'mail.alias'
    _inherit = ['mail.alias', 'cskh.alias.lookup.reset']

    def _alias_index_changed(self, vals):
        # an alias without a name (a team or project without one) is no address
        if vals is not None:
            if vals.get('alias_name'):
                return True
            if 'alias_name' not in vals and vals.keys().isdisjoint(('alias_domain_id', 'alias_incoming_local')):
                return False
        return any(self.mapped('alias_name'))
