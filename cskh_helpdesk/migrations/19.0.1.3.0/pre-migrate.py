# Since 19.0.1.3.0 the feature groups sit on the nodes of the views themselves. The
# views that patched them (views/cskh_feature_views.xml) go before the data is loaded:
# left in place, their xpaths would not find the nodes now wrapped in the main views.
FEATURE_VIEWS = (
    'cskh_ticket_view_search_features',
    'cskh_ticket_view_kanban_features',
    'cskh_ticket_view_list_features',
    'cskh_ticket_view_form_features',
    'cskh_team_view_form_features',
    'cskh_team_view_kanban_features',
    'res_partner_view_form_features',
    'res_partner_view_search_features',
    'crm_lead_view_form_features',
)

# The rules on ratings are named <model>_rule_<who>: keep the records (their noupdate
# block would otherwise create a second set next to the old one).
RENAMED_XMLIDS = {
    'rating_rating_rule_cskh_employee': 'rating_rating_rule_employee',
    'rating_rating_rule_cskh_agent': 'rating_rating_rule_agent',
    'rating_rating_rule_cskh_manager': 'rating_rating_rule_manager',
}


def migrate(cr, version):
    cr.execute("""
        DELETE FROM ir_ui_view
         WHERE id IN (SELECT res_id FROM ir_model_data
                       WHERE module = 'cskh_helpdesk' AND model = 'ir.ui.view' AND name IN %s)
    """, [FEATURE_VIEWS])
    cr.execute("""
        DELETE FROM ir_model_data
         WHERE module = 'cskh_helpdesk' AND model = 'ir.ui.view' AND name IN %s
    """, [FEATURE_VIEWS])
    for old, new in RENAMED_XMLIDS.items():
        cr.execute("""
            UPDATE ir_model_data
               SET name = %s
             WHERE module = 'cskh_helpdesk' AND name = %s
               AND NOT EXISTS (SELECT 1 FROM ir_model_data WHERE module = 'cskh_helpdesk' AND name = %s)
        """, [new, old, new])
