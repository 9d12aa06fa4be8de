"""`glassnet explain perceptron --bias-as-weight`: the perceptron rule on OR, with b as w0 on x0 = 1."""
from glassnet.cli import app

app(["explain", "perceptron", "--bias-as-weight"], prog_name="glassnet", standalone_mode=False)
