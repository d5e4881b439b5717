from . import credit_dunning_preview, credit_dunning_preview_line
