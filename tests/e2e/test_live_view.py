"""The live view in a real browser: headless Chromium loads the daemon's page during a live
swmr-sim scan, and its screenshots show the newest frame, pixel for pixel what the file holds,
and a newer one as frames arrive."""

import shutil
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from harness import expected_frame, run_sim, watch_spec

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(deploy/install-deps.sh installs it)")

# 128 x 256 elements of <u2: every frame's values wrap once (the pattern is taken modulo
# 32749), at a place that moves with the index, so each frame's picture is its own.
FRAME_SHAPE = (128, 256)
FRAMES = 600
BORDER = (255, 0, 255)  # the frame's border colour on the page


def screenshot(address, path):
    # Virtual time lets the page's timers and fetches run to completion before the shot.
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--window-size=1400,1000", "--virtual-time-budget=2500",
               f"--user-data-dir={path.parent / 'chromium-profile'}", f"--screenshot={path}",
               f"http://{address}/?watch=det&dataset=/entry/data/data&cmap=gray&scale=linear"
               "&contrast=minmax"]
    # On a loaded machine headless Chromium now and then never ends its virtual time, without
    # a single connection to the daemon (measured: the daemon answered curl at once all the
    # while). Such a run is Chromium's, not the page's: it is tried again, a few times.
    for attempt in range(3):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            break
        except subprocess.TimeoutExpired:
            path.unlink(missing_ok=True)
    else:
        raise AssertionError("headless Chromium did not finish a screenshot in 3 tries")
    assert result.returncode == 0 and path.exists(), result.stderr
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int16)


def plausible(published_before, published_after):
    """Frames the page may show: published by the end of the screenshot, and not long
    before its start. (Frames 65 apart look almost alike in this pattern: the window stays
    narrower than that.)"""
    return range(max(0, published_before - 40), published_after + 1)


def frame_in(picture):
    """The pixels inside the magenta border."""
    border = np.all(picture == BORDER, axis=2)
    rows, columns = np.nonzero(border)
    assert rows.size > 0, "no frame border in the screenshot: the page drew no image"
    top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
    inside = picture[top + 1:bottom, left + 1:right]
    # The border is a few pixels wide: keep what is not border.
    keep_rows = ~np.all(np.all(inside == BORDER, axis=2), axis=1)
    keep_columns = ~np.all(np.all(inside == BORDER, axis=2), axis=0)
    return inside[keep_rows][:, keep_columns]


def gray_levels(index):
    """What the page draws for frame `index` in gray, min-max, linear: 0..255."""
    # swmr-sim's pattern (harness.pattern) for dataset 0, vectorised.
    elements = np.arange(FRAME_SHAPE[0] * FRAME_SHAPE[1])
    values = ((index * 1009 + elements) % 32749).astype(np.float64).reshape(FRAME_SHAPE)
    low, high = values.min(), values.max()
    return np.round(255 * (values - low) / (high - low))


def shown_index(drawn, candidates):
    """The frame whose picture the drawn pixels match: (index, fraction of pixels that do
    not match it). The canvas is scaled up with whole source pixels (CSS pixelated); where
    the browser rounds a boundary one screen pixel differently, a neighbouring source
    pixel's value is accepted."""
    gray = drawn[:, :, 0].astype(np.float64)
    assert np.array_equal(drawn[:, :, 0], drawn[:, :, 1]), "the gray colour map is not gray"
    height, width = gray.shape
    rows = np.minimum((np.arange(height) + 0.5) * FRAME_SHAPE[0] // height, FRAME_SHAPE[0] - 1)
    columns = np.minimum((np.arange(width) + 0.5) * FRAME_SHAPE[1] // width, FRAME_SHAPE[1] - 1)
    best = (None, 1.0)
    for index in candidates:
        levels = gray_levels(index)
        error = np.full(gray.shape, np.inf)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                r = np.clip(rows.astype(int) + dr, 0, FRAME_SHAPE[0] - 1)
                c = np.clip(columns.astype(int) + dc, 0, FRAME_SHAPE[1] - 1)
                error = np.minimum(error, np.abs(levels[r][:, c] - gray))
        wrong = float((error > 4).mean())
        if wrong < best[1]:
            best = (index, wrong)
    return best


def test_the_live_view_shows_the_newest_frame_and_follows_the_scan(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon([watch_spec("det", path, finished="/entry/finished")],
                          http="127.0.0.1:0")
    writer = run_sim(path, "--scan-shape", FRAMES, "--frame-shape", "128x256", "--rate", 20,
                     wait=False)
    try:
        def published():
            return daemon.request("status", watch="det")["watch"]["last_index"]

        deadline = time.monotonic() + 30
        while published() < 5:
            assert time.monotonic() < deadline, "no frames published"
            time.sleep(0.05)

        before = published()
        first = frame_in(screenshot(daemon.http_address, tmp_path / "first.png"))
        first_index, wrong = shown_index(first, plausible(before, published()))
        assert wrong < 0.0005, (first_index, wrong)
        # A picture of a frame, not a flat or noisy one: the wrap is a jump from white to black.
        assert first[:, :, 0].min() < 20 and first[:, :, 0].max() > 235

        while published() < first_index + 20:
            assert time.monotonic() < deadline + 60, "the scan stopped"
            time.sleep(0.05)
        before = published()
        second = frame_in(screenshot(daemon.http_address, tmp_path / "second.png"))
        second_index, wrong = shown_index(second, plausible(before, published()))
        assert wrong < 0.0005, (second_index, wrong)
        assert second_index > first_index, "the view did not follow the scan"
    finally:
        writer.kill()
        writer.wait()


def test_the_pattern_used_here_is_swmr_sims():
    # gray_levels() computes swmr-sim's pattern itself, for speed: it must be the same.
    values = expected_frame(0, 77, FRAME_SHAPE, "<u2").astype(np.float64)
    low, high = values.min(), values.max()
    assert np.array_equal(gray_levels(77), np.round(255 * (values - low) / (high - low)))
