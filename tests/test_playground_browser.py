"""The playground in a real browser: Debian's Chromium driven headless by Playwright.

The page is served by uvicorn on a free loopback port in a thread of this process. Without a
Chromium the tests are skipped, except on CI (CI=true), where that is a failure. A screenshot of
the trained page is written to tests/artifacts/ (ignored by git); its path is printed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

import glassnet as gn  # noqa: E402
from glassnet.playground.data import features  # noqa: E402
from glassnet.playground.server import create_app  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOKEN = "browser-test-token"
LOSS_BELOW = 0.1
TEST_LOSS = f"""() => {{
  const m = document.querySelector('[data-testid="test-loss"]').textContent.match(/test loss ([0-9.]+)/);
  return m !== null && parseFloat(m[1]) < {LOSS_BELOW};
}}"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "no Chromium found (Debian: apt-get install chromium); the browser tests need it"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(TOKEN, port), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/?token={TOKEN}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(15000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(url)
    opened.wait_for_function("() => window.glassnetPlayground && window.glassnetPlayground.frames > 0")
    yield opened
    context.close()
    assert errors == [], f"the page raised: {errors}"


def boundary(page) -> str:
    return page.evaluate("document.getElementById('boundary').toDataURL()")


def value(page, key: str) -> float:
    return float(page.get_by_test_id(f"inspect-{key}").get_attribute("data-value"))


def inspect(page, neuron: str) -> None:
    """Click a neuron (``neuron-<layer>-<unit>``) and wait for its numbers."""
    _, layer, unit = neuron.split("-")
    page.get_by_test_id(neuron).click()
    heading = f"layer {layer}, neuron {int(unit) + 1} "
    page.wait_for_function(f"""() => document.querySelector('[data-testid="inspect-point"]') !== null &&
        document.querySelector('#inspect h3').textContent.startsWith({heading!r})""")


def choose_xor_with_the_feature_cross(page) -> None:
    page.get_by_label("Data set").select_option(label="XOR")
    page.get_by_label("x1", exact=True).uncheck()
    page.get_by_label("x2", exact=True).uncheck()
    page.get_by_label("x1·x2").check()
    # the network drawn for the last change: the input x1·x2, 4 and 2 hidden neurons, one output
    page.wait_for_function("""() => window.glassnetPlayground.settled &&
        document.querySelectorAll('#network g.neuron').length === 8 &&
        document.querySelector('#network text').textContent === 'x1·x2'""")


def test_xor_with_the_feature_cross_trains_and_every_number_is_glassnets(page, tmp_path):
    choose_xor_with_the_feature_cross(page)
    before = boundary(page)
    page.get_by_role("button", name="Play").click()
    started = time.monotonic()
    page.wait_for_function(TEST_LOSS, timeout=20000)
    seconds = time.monotonic() - started
    reached = page.get_by_test_id("test-loss").inner_text()
    counted = page.evaluate("[window.glassnetPlayground.frames, performance.now()]")
    page.wait_for_timeout(1500)  # playing on, to count the frames received
    now = page.evaluate("[window.glassnetPlayground.frames, performance.now()]")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    rate = (now[0] - counted[0]) / ((now[1] - counted[1]) / 1000)
    print(f"\n{reached} (below {LOSS_BELOW}) {seconds:.1f} s after Play; {rate:.1f} frames/s received")
    assert boundary(page) != before

    inspect(page, "neuron-1-0")
    point = page.get_by_test_id("inspect-point")
    x = features(np.array([json.loads(point.get_attribute("data-x"))], dtype=np.float32), ["x1*x2"])
    target = int(point.get_attribute("data-target"))
    keys = ("z", "a", "g_prime", "dE_da", "delta", "db", "W-0", "dW-0", "loss")
    shown = {key: value(page, key) for key in keys}

    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    path = tmp_path / "exported.safetensors"
    download.value.save_as(path)
    model = gn.load(path)
    t = gn.explain.trace(model, x, [target], training=False)
    first = t.layers[0]
    expected = {"z": first.z[0, 0], "a": first.a[0, 0], "g_prime": first.g_prime[0, 0],
                "dE_da": first.dE_da[0, 0], "delta": first.delta[0, 0], "db": first.db[0],
                "W-0": first.W[0, 0], "dW-0": first.dW[0, 0], "loss": t.loss}
    assert shown == {key: float(number) for key, number in expected.items()}

    page.get_by_test_id("edge-1-0-0").dispatch_event("click")
    page.get_by_test_id("inspect-weight").wait_for()
    assert value(page, "weight") == float(first.W[0, 0])
    assert np.isfinite(value(page, "last_update"))  # a number: the page has stepped, so not "" (None)

    inspect(page, "neuron-3-0")
    assert value(page, "a") == pytest.approx(float(model.predict(x)[0, 0]), rel=1e-6, abs=1e-7)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "playground-trained.png", full_page=True)
    print(f"screenshot: {ARTIFACTS / 'playground-trained.png'}")


def test_without_chromium_the_tests_skip_but_on_ci_they_fail(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI: no Chromium"):
        chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium()


def test_the_keyboard_plays_pauses_and_steps(page):
    page.locator("h1").click()
    epoch = int(page.get_by_test_id("epoch").inner_text())
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => Number(document.getElementById('epoch').textContent) === {epoch + 1}")
    page.keyboard.press(" ")
    page.get_by_role("button", name="Pause").wait_for()
    page.keyboard.press(" ")
    page.get_by_role("button", name="Play").wait_for()


@pytest.mark.parametrize("width, height", [(1280, 720), (390, 844)])
def test_the_page_fits_the_screen_and_its_controls_are_labelled(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for name in ("Play", "Step", "Reset", "Export"):
        button = page.get_by_role("button", name=name, exact=True)
        assert button.is_visible() and button.bounding_box()["x"] + button.bounding_box()["width"] <= width
    options = page.get_by_label("Data set").locator("option").all_inner_texts()
    assert {"Circle", "XOR", "Gaussian blobs", "Spiral", "Regression plane", "1-D sine"} <= set(options)
    assert page.get_by_test_id("train-loss").inner_text().startswith("train loss ")
    assert page.get_by_test_id("boundary").bounding_box()["width"] <= width
