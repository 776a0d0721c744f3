"""Text a user types or a data file carries is data, never template source, in every output.

Each payload below means something to a template engine (Jinja, JavaScript template literals,
ERB). Typed as a title, subtitle or credit, or carried as a snapshot's source or note, it must
come out exactly as typed — and the payload that would run a shell command must not create its
marker file.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sys
from pathlib import Path

import pytest
from PIL import Image
from test_export_fixtures import write_csv

from mapkit.publish import render_export
from mapkit.snapshots import load_snapshots


def _payloads(marker: Path) -> list[str]:
    return [
        "{{ 7*7 }}",
        "{% if true %}x{% endif %}",
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}",
        "${7*7}",
        "<%= 7*7 %>",
        "Our {{newsroom}} map",
        "Front line {{ as of",
    ]


@pytest.fixture()
def marker(tmp_path) -> Path:
    return tmp_path / "template-ran"


@pytest.fixture()
def payloads(marker) -> list[str]:
    return _payloads(marker)


def _snapshots(folder: Path, payload: str):
    """Two dates; the payload is a source name and a note."""
    write_csv(folder / "desk.csv", [
        ("2024-01-01", "UA-14", 40, payload, "reported", "https://example.org", "", payload),
        ("2025-03-17", "UA-14", 60, payload, "reported", "https://example.org", "", payload),
        ("2025-03-17", "UA-09", 100, payload, "reported", "https://example.org", "", payload),
    ])
    return load_snapshots([folder])


def _texts(payload: str) -> dict:
    return {"title": payload, "subtitle": "sub " + payload, "credit": "by " + payload}


def _script_json(page: str, start: str) -> dict:
    """The JSON object that follows ``start`` in a page (``var data = {…};`` or a JSON script)."""
    begin = page.index(start) + len(start)
    value, _ = json.JSONDecoder().raw_decode(page[begin:].lstrip())
    return value


@pytest.mark.parametrize("index", range(7))
def test_html_export_shows_template_syntax_as_typed(tmp_path, payloads, marker, index):
    payload = payloads[index]
    page = render_export("html", _snapshots(tmp_path, payload), **_texts(payload)).decode()
    assert not marker.exists()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title) == payload
    data = _script_json(page, "var data =")
    assert data["texts"]["title"] == payload
    assert data["texts"]["subtitle"] == "sub " + payload
    assert payload in data["texts"]["credit_line"]
    assert [s["name"] for s in data["sources"]] == [payload]
    assert payload in data["frames"][-1]["n"].values()


@pytest.mark.parametrize("index", range(7))
def test_embed_shows_template_syntax_as_typed(tmp_path, payloads, marker, index):
    payload = payloads[index]
    page = render_export("embed", _snapshots(tmp_path, payload), **_texts(payload)).decode()
    assert not marker.exists()
    heading = re.search(r'<h1 id="mk-title"[^>]*>(.*?)</h1>', page, re.S).group(1)
    assert html.unescape(heading) == payload
    subtitle = re.search(r'<p class="mk-subtitle">(.*?)</p>', page, re.S).group(1)
    assert html.unescape(subtitle) == "sub " + payload
    data = _script_json(page, '<script type="application/json" id="mk-data">')
    assert [s["name"] for s in data["sources"]] == [payload]
    assert {lang: data["page"][lang]["title"] for lang in data["langs"]} == {
        "en": payload, "uk": payload}  # the title in every language the embed carries
    assert payload in [data["texts"][index] for index in data["frames"][-1]["n"].values()]


@pytest.mark.parametrize("fmt", ["png", "svg", "gif"])
def test_print_maps_draw_template_syntax_as_typed(tmp_path, payloads, marker, drawn_texts, fmt):
    for number, payload in enumerate(payloads):
        folder = tmp_path / str(number)
        folder.mkdir()
        drawn_texts.clear()
        content = render_export(fmt, _snapshots(folder, payload), **_texts(payload))
        assert not marker.exists()
        # long lines wrap, and a word wider than a line (a long path) breaks where it must
        unwrapped = ["".join(text.split()) for text in drawn_texts]
        joined = "\n".join(unwrapped)
        bare = "".join(payload.split())
        assert bare in unwrapped, f"title {payload!r} not drawn as typed: {drawn_texts}"
        assert "sub" + bare in joined
        assert "by" + bare in joined
        assert bare in joined.replace("Source:", "")
        if fmt == "png":
            assert Image.open(io.BytesIO(content)).text["Title"] == payload
        if fmt == "svg":
            title = re.search(r"<dc:title>(.*?)</dc:title>", content.decode(), re.S).group(1)
            assert html.unescape(title) == payload


def test_csv_export_keeps_template_syntax_as_typed(tmp_path, payloads, marker):
    for number, payload in enumerate(payloads):
        folder = tmp_path / str(number)
        folder.mkdir()
        content = render_export("csv", _snapshots(folder, payload)).decode("utf-8")
        assert not marker.exists()
        rows = list(csv.DictReader(io.StringIO(content)))
        donetsk = [r for r in rows if r["region"] == "UA-14" and r["map_date"] == "2025-03-17"]
        assert donetsk[0]["source"] == payload and donetsk[0]["note"] == payload


# --- the app: the export panel's boxes and an uploaded CSV's source ----------------------------


APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture()
def app(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "snapshots"
    folder.mkdir()
    write_csv(folder / "desk.csv", [
        ("2024-01-01", "UA-14", 40, "Desk", "reported", "https://example.org", "", ""),
        ("2024-06-01", "UA-14", 60, "Desk", "reported", "https://example.org", "", ""),
    ])
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.session_state["export_open"] = True  # the reader opens the export panel
    return app.run()


def test_app_export_panel_and_upload_keep_template_syntax_as_typed(app, payloads, marker):
    evil = payloads[2]
    upload = ("date,region,percent,source,method,source_url,contested_percent,note\n"
              f'2024-06-01,UA-09,90,"{evil}",reported,,,"{payloads[0]}"\n').encode()
    app.file_uploader(key="upload_file").upload("mine.csv", upload, "text/csv").run()
    assert not app.exception
    uploaded = evil + " (uploaded)"
    assert app.radio(key="source:en").value == uploaded  # the map shows the upload
    # the choice's labels are Markdown, escaped to show as typed (mapkit.viewer.messages)
    labels = [re.sub(r"\\(.)", r"\1", option).replace("\u2060", "")
              for option in app.radio(key="source:en").options]
    assert labels[0].startswith("Desk · ")
    assert any(label.startswith(uploaded + " · ") for label in labels)
    for fmt in ("html", "embed"):
        app.selectbox(key="export_format").set_value(fmt).run()
        app.radio(key="export_scope:en").set_value("all").run()
        app.text_input(key="export_title").input(evil).run()
        app.text_input(key="export_credit").input(payloads[1]).run()
        app.button(key="export_make").click().run()
        assert not app.exception and not app.error
        page = app.session_state["export_file"][1].decode()
        assert not marker.exists()
        assert html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) == evil
        start = "var data =" if fmt == "html" else '<script type="application/json" id="mk-data">'
        data = _script_json(page, start)
        assert uploaded in [s["name"] for s in data["sources"]]
    assert not marker.exists()
