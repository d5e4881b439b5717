from . import risk_scoring
