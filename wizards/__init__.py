from . import credit_grade_override_wizard, credit_override_wizard
