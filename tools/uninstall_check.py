"""Uninstall the add-on from the demo database and check nothing is left behind.

Run through `odoo shell` by tools/test.sh; prints UNINSTALL-OK on success.
"""
import os

module_name = os.environ.get('MODULE', 'cskh_helpdesk')
module = env['ir.module.module'].search([('name', '=', module_name)])  # noqa: F821 (odoo shell)
assert module.state == 'installed', f"{module_name} is not installed ({module.state})"
module.button_immediate_uninstall()
env.invalidate_all()  # noqa: F821
env.cr.execute("SELECT model, name FROM ir_model_data WHERE module = %s", [module_name])  # noqa: F821
left = env.cr.fetchall()  # noqa: F821
assert not left, f"{len(left)} records of {module_name} left after uninstall: {left[:10]}"
env.cr.execute("SELECT model FROM ir_model WHERE model LIKE 'cskh.%%'")  # noqa: F821
assert not env.cr.fetchall(), "cskh models left in ir_model"  # noqa: F821
# indexes the add-on put on the tables of other apps (crm_lead) go with it
env.cr.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%cskh%%'")  # noqa: F821
left = env.cr.fetchall()  # noqa: F821
assert not left, f"indexes of {module_name} left after uninstall: {left}"
# the apps we extended still work: their views render without our fields
for model in ('res.partner', 'crm.lead'):
    if model in env:  # noqa: F821
        env[model].get_views([(False, 'form'), (False, 'list')])  # noqa: F821
# other apps named by the caller (e.g. another helpdesk, see tools/coexist_check.sh) still
# work: their menus load, their window actions open with all their views
other_models = [m for m in os.environ.get('UNINSTALL_CHECK_MODELS', '').split(',') if m]
if other_models:
    env['ir.ui.menu'].load_menus(debug=False)  # noqa: F821
    actions = env['ir.actions.act_window'].search([('res_model', 'in', other_models)])  # noqa: F821
    assert actions, f"no window action of {other_models} left"
    for action in actions:
        views = list(action.views)  # [(view id or False, view type)]
        if not any(view_type == 'search' for _id, view_type in views):
            views.append((action.search_view_id.id, 'search'))
        env[action.res_model].get_views(views)  # noqa: F821
    print(f"OTHER-APPS-OK {len(actions)} actions of {', '.join(other_models)}")
print("UNINSTALL-OK")
