"""`glassnet train` on the bundled digits, the README's first command (run here through the Typer app)."""
from glassnet.cli import app

app(["train"], prog_name="glassnet", standalone_mode=False)
