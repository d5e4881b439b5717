from . import models, report, tools, wizards

# isort: split
from . import controllers
