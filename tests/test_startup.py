"""The app starts on the bundled data and shows a map titled with a date."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def test_app_starts_on_bundled_data_without_errors():
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    assert not app.error
    text = " ".join(e.value for e in [*app.title, *app.header, *app.markdown, *app.caption]
                    if isinstance(e.value, str))
    assert "Russian" in text
