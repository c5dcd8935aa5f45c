from . import portal
from . import survey
from . import webhook
from . import faq
