from . import test_ticket
from . import test_assignment
from . import test_access
from . import test_views
from . import test_mail_gateway
from . import test_mailgate
from . import test_performance
