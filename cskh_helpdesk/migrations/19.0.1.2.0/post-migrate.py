def migrate(cr, version):
    """Surveys sent before 19.0.1.2.0 were opened by the token of their rating, which
    every employee can read: each survey takes that token as its own (the links already
    emailed keep working) and its rating gets a new one."""
    cr.execute("""
        UPDATE cskh_survey_response response
           SET access_token = rating.access_token
          FROM rating_rating rating
         WHERE response.rating_id = rating.id
           AND response.access_token IS NULL
           AND response.state IN ('sent', 'answered')
    """)
    cr.execute("""
        UPDATE rating_rating rating
           SET access_token = replace(gen_random_uuid()::text, '-', '')
          FROM cskh_survey_response response
         WHERE response.rating_id = rating.id
           AND response.access_token = rating.access_token
    """)
