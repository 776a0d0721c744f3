"""What the page says to a visitor about data it did not write: as plain text, capped, in one line.

Streamlit renders the text of messages, captions and widget labels as Markdown (links, images,
``:red[…]`` colours, ``$…$`` formulas). A file name, source name or note from an upload is
data: :func:`markdown_text` makes Markdown show it as typed, so ``[Official](https://…)`` is
not a live link and ``![](http://…)`` makes no request. A file with a million problems shows
the first few and how many more (:func:`problem_lines`); an error nobody foresaw is one line
for the visitor and a traceback in the server's log (:func:`one_line`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from mapkit.i18n import t

#: Problems of one upload shown on the page; the rest are counted.
SHOWN_PROBLEMS = 20

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def markdown_text(text: object) -> str:
    """``text`` for a Markdown message, shown exactly as typed.

    Every ASCII punctuation character is backslash-escaped (CommonMark lets any of them be),
    which leaves no link, image, emphasis, colour, icon, formula or HTML to render, and breaks
    the ``https://`` and ``www.`` a renderer would otherwise turn into links by itself. Line
    breaks become spaces: a message is one paragraph.
    """
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def problem_lines(problems: Sequence[object], lang: str = "en",
                  limit: int = SHOWN_PROBLEMS) -> str:
    """The first ``limit`` problems, one a line, then how many more: for a code block (plain
    text), not 8 million characters."""
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(t("problems_more", lang, count=f"{len(problems) - limit:,}"))
    return "\n".join(lines)


def one_line(error: BaseException) -> str:
    """An unforeseen error in one line: its kind and the first line of its message."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
