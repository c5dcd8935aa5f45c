from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    group_cskh_sla = fields.Boolean(
        "Helpdesk SLA Policies", implied_group='cskh_helpdesk.group_cskh_sla')
    group_cskh_survey = fields.Boolean(
        "Helpdesk Satisfaction Surveys", implied_group='cskh_helpdesk.group_cskh_survey')
    group_cskh_auto_reply = fields.Boolean(
        "Helpdesk Auto-Replies", implied_group='cskh_helpdesk.group_cskh_auto_reply')
    group_cskh_web_form = fields.Boolean(
        "Helpdesk Portal and Web Form", implied_group='cskh_helpdesk.group_cskh_web_form')
    group_cskh_crm = fields.Boolean(
        "Helpdesk CRM Links", implied_group='cskh_helpdesk.group_cskh_crm')
    group_cskh_customer_tier = fields.Boolean(
        "Customer Tiers", implied_group='cskh_helpdesk.group_cskh_customer_tier')
    cskh_alias_domain_id = fields.Many2one(
        related='company_id.alias_domain_id', string="Helpdesk Alias Domain", readonly=False)

    @api.model
    def _cskh_is_feature_enabled(self, feature):
        """Whether the global switch ``feature`` (sla, survey, auto_reply, web_form, crm,
        customer_tier) is on, for code running outside a user's groups (public pages)."""
        group = self.env.ref(f'cskh_helpdesk.group_cskh_{feature}', raise_if_not_found=False)
        return bool(group) and group in self.env.ref('base.group_user').sudo().implied_ids
