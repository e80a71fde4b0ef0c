"""Bracket-aware scanning of LLVM IR text (pure), shared by the type and IR readers."""

from __future__ import annotations

from collections.abc import Iterator

OPEN, CLOSE = "([{<", ")]}>"

__all__ = ["matching", "split_top_level", "top_level"]


def top_level(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth)`` for each character outside string literals, where ``depth`` is
    the bracket depth before the character (opening brackets count themselves)."""
    depth, in_string = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"':
            in_string = not in_string
            continue
        if in_string:
            continue
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        yield i, ch, depth


def split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and strings.

    >>> split_top_level('ptr @f, { i32, i64 } { i32 1, i64 2 }, i8 0')
    ['ptr @f', '{ i32, i64 } { i32 1, i64 2 }', 'i8 0']
    """
    parts, start = [], 0
    for i, ch, depth in top_level(text):
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def matching(text: str, open_index: int) -> int:
    """Index of the bracket closing the one at ``open_index`` (end of text if unbalanced)."""
    for i, ch, depth in top_level(text, open_index):
        if ch in CLOSE and depth == 0:
            return i
    return len(text) - 1
