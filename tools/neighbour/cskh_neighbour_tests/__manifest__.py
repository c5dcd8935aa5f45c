{
    'name': 'CSKH Helpdesk: neighbour tests',
    'version': '19.0.1.0.0',
    'category': 'Hidden',
    'summary': "Odoo's own mail, resource, crm, rating and portal test classes, to run next to cskh_helpdesk",
    'description': """
Throwaway test module used by tools/test_neighbours.sh (make test-neighbours),
never installed in a real database. It re-declares test classes of test_mail,
crm, rating and portal as post_install tests, so that they run once every module
of the database is loaded: installed next to cskh_helpdesk they show whether the
add-on changes what those apps do; installed without it they give the reference
(an upstream failure shows in both runs).

It deliberately does not depend on cskh_helpdesk: the script installs the
add-on next to it for one run and leaves it out for the other, so that the two
runs differ by the add-on only.
""",
    'depends': ['test_mail', 'test_resource', 'crm', 'rating', 'portal'],
    'license': 'LGPL-3',
    'installable': True,
}
