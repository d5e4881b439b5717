from . import credit_dunning_preview
from . import credit_dunning_preview_line
