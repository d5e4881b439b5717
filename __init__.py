from . import models, tools, wizards

# isort: split
from . import controllers
