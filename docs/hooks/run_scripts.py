"""Run the scripts the pages show, and put their real output (and figures) under them.

A line ``<!-- run: PATH -->`` in a page (PATH from the repository root, a ``.py`` file)
becomes the script's source, what it printed (standard output and error, as a terminal shows
them), and the PNG files it wrote into its working directory; ``<!-- run: PATH
source-collapsed -->`` or ``output-collapsed`` folds that part away. Each script runs in a
fresh folder under ``.cache/docs-run/``; the result is kept there and reused while the script,
the glassnet sources and the Python interpreter are unchanged, so ``mkdocs serve`` stays quick.
A script that fails stops the build with its output.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "docs-run"
MARKER = re.compile(r"^<!-- run: (?P<path>\S+\.py)( (?P<flags>[a-z ,-]+))? -->$", re.MULTILINE)
TIMEOUT = 300


def _glassnet_digest() -> str:
    digest = hashlib.sha256(sys.executable.encode())
    for path in sorted((ROOT / "glassnet").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _folder(script: str) -> Path:
    return CACHE / script.removesuffix(".py").replace("/", "__")


def _run(script: str, key: str) -> None:
    folder = _folder(script)
    if (folder / "key").is_file() and (folder / "key").read_text() == key:
        return
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "files").mkdir(parents=True)
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0",
           "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    name = Path(script).name                      # run from its own folder: messages name the file alone
    shutil.copyfile(ROOT / script, folder / "files" / name)
    done = subprocess.run([sys.executable, name], cwd=folder / "files", env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise PluginError(f"{script} failed (exit code {done.returncode}):\n{done.stdout}")
    (folder / "output.txt").write_text(done.stdout)
    (folder / "key").write_text(key)


def scripts_in(markdown: str) -> list[str]:
    """The scripts that a page's ``<!-- run: PATH -->`` lines name."""
    return [match["path"] for match in MARKER.finditer(markdown)]


def on_pre_build(config) -> None:
    docs = Path(config["docs_dir"])
    scripts = sorted({s for page in docs.rglob("*.md") for s in scripts_in(page.read_text())})
    missing = [s for s in scripts if not (ROOT / s).is_file()]
    if missing:
        raise PluginError(f"pages name scripts that do not exist: {', '.join(missing)}")
    base = _glassnet_digest()
    keys = {s: hashlib.sha256((base + (ROOT / s).read_text()).encode()).hexdigest() for s in scripts}
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda s: _run(s, keys[s]), scripts))


def on_files(files, config):
    if not CACHE.is_dir():
        return files
    for png in sorted(CACHE.glob("*/files/*.png")):
        uri = f"figures/{png.parent.parent.name}/{png.name}"
        files.append(File.generated(config, uri, abs_src_path=str(png)))
    return files


def _figure_uris(script: str) -> list[str]:
    folder = _folder(script)
    return [f"figures/{folder.name}/{png.name}" for png in sorted((folder / "files").glob("*.png"))]


def _maybe_collapsed(body: str, title: str, collapsed: bool) -> str:
    if not collapsed:
        return f"{title}:\n\n{body}" if title == "Output" else f"{title}\n\n{body}"
    indented = "\n".join("    " + line if line else "" for line in body.splitlines())
    return f'??? example "{title}"\n\n{indented}'


def _block(script: str, flags: str, page_uri: str) -> str:
    source = (ROOT / script).read_text().rstrip()
    output = (_folder(script) / "output.txt").read_text().rstrip() or "(prints nothing)"
    parts = [_maybe_collapsed(f"```python\n{source}\n```", f"`{script}`", "source-collapsed" in flags)]
    parts.append(_maybe_collapsed(f"```text\n{output}\n```", "Output", "output-collapsed" in flags))
    here = posixpath.dirname(page_uri)
    for uri in _figure_uris(script):
        parts.append(f"![{posixpath.basename(uri)}]({posixpath.relpath(uri, here or '.')})")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return MARKER.sub(lambda m: _block(m["path"], m["flags"] or "", page.file.src_uri), markdown)
