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
#: Where a Markdown renderer turns bare text into a link by itself (GFM's "autolink literals":
#: ``https://…``, ``www.…``, ``name@host``), even when every character is escaped.
_AUTOLINKS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
#: U+2060 WORD JOINER: invisible, and no character of a link.
_INVISIBLE = "\u2060"


def markdown_text(text: object) -> str:
    """``text`` for a Markdown message, shown exactly as typed.

    Every ASCII punctuation character is backslash-escaped (CommonMark lets any of them be),
    which leaves no link, image, emphasis, colour, icon, formula or HTML to render. Escapes do
    not stop the renderer from linking bare addresses, so an invisible word joiner goes after
    the ``:`` of ``://``, after ``www`` and after ``@``. Line breaks become spaces: a message
    is one paragraph.
    """
    text = _AUTOLINKS.sub(_INVISIBLE, " ".join(str(text).split()))
    return _PUNCTUATION.sub(r"\\\1", text)


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
