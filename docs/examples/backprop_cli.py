"""`glassnet explain chain-rule` from the command line (run here through the Typer app)."""
from glassnet.cli import app

app(["explain", "chain-rule"], prog_name="glassnet", standalone_mode=False)
