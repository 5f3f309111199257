"""``python -m calc quote|apr [FILE]``: JSON or JSON Lines in, one JSON result per line out.

Each input line is independent: a bad line yields ``{"error": {"field", "message"}}`` and the others
still run; the exit status is 2 if any line failed, else 0.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Final, TextIO

import orjson

from calc import quote_deal
from calc.errors import CalcInputError

_DESCRIPTION: Final = (
    "Quote deals (quote) or compute Regulation Z APRs (apr): JSON or JSON Lines in, one JSON result per "
    'line out. A bad line yields {"error": {"field", "message"}} and the others still run; '
    "the exit status is 2 if any line failed."
)

Handler = Callable[[dict[str, Any]], dict[str, Any]]

# Numbers with a fraction or exponent become exact Decimals (``parse_float``); built once, not per line.
_EXACT_DECODER: Final = json.JSONDecoder(parse_float=Decimal)
_fast_loads = orjson.loads
# Results are written in chunks of this many bytes: a 10,000-deal batch writes 30 MB, and line by line
# through an 8 KB buffer that was a write system call per three deals, a tenth of the batch's time.
_WRITE_CHUNK: Final = 1 << 18


def _has_float(value: object) -> bool:
    if type(value) is dict:
        return any(_has_float(item) for item in value.values())
    if type(value) is list:
        return any(_has_float(item) for item in value)
    return type(value) is float


def decode_line(document: str) -> object:
    """One JSON document, with every number that has a fraction or exponent as an exact ``Decimal``.

    orjson reads a line several times faster than the standard decoder, and the two agree on every
    document made of objects, arrays, strings, whole numbers, booleans and nulls. A line orjson refuses
    (NaN, integers past 64 bits, lone surrogates) or that holds a number it made a float is read again
    by the exact decoder, so the result and any error message are the standard decoder's.
    """
    try:
        value = _fast_loads(document)
    except orjson.JSONDecodeError:
        return _EXACT_DECODER.decode(document)
    return _EXACT_DECODER.decode(document) if _has_float(value) else value


def _quote_line(obj: dict[str, Any]) -> dict[str, Any]:
    return quote_deal(obj)


def _apr_line(obj: dict[str, Any]) -> dict[str, Any]:
    from calc.finance.apr_command import run_apr_line

    return run_apr_line(obj)


HANDLERS: Final[dict[str, Handler]] = {"quote": _quote_line, "apr": _apr_line}


def _documents(text: str) -> Iterator[str]:
    """One JSON document (possibly pretty-printed over many lines) or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        return
    if "\n" in stripped:
        try:
            json.loads(stripped)
        except json.JSONDecodeError:
            for line in stripped.splitlines():
                if line and not line.isspace():  # no stripped copy of every line
                    yield line
            return
    yield stripped


def _byte_writer(out: TextIO) -> Callable[[bytes], object]:
    """Write encoded lines straight to the stream's byte buffer when it has one (standard output):
    orjson gives UTF-8 bytes, and decoding them only for the text layer to encode them again costs
    as much as the encoding itself."""
    binary = getattr(out, "buffer", None)
    if binary is not None and getattr(out, "encoding", "").lower().replace("-", "") == "utf8":
        out.flush()
        return binary.write  # type: ignore[no-any-return]

    def write_text(lines: bytes) -> object:
        text = lines.decode()
        if not text.isascii():  # a stream in another encoding (a Windows console): escape as \uXXXX
            text = "".join(json.dumps(json.loads(line)) + "\n" for line in text.splitlines())
        return out.write(text)

    return write_text


def run_lines(documents: Iterable[str], handler: Handler, out: TextIO) -> int:
    failed = False
    write = _byte_writer(out)
    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE
    pending: list[bytes] = []
    size = 0
    try:
        for document in documents:
            try:
                obj = decode_line(document)
                if not isinstance(obj, dict):
                    raise CalcInputError("deal", "each line must be a JSON object")
                result = handler(obj)
            except json.JSONDecodeError as error:
                failed = True
                message = f"not valid JSON: {error.msg} at column {error.colno}"
                result = {"error": {"field": "json", "message": message}}
            except CalcInputError as error:
                failed = True
                result = {"error": error.as_dict()}
            except (ArithmeticError, ValueError, TypeError, KeyError) as error:
                # A defect must not sink the rest of the batch; the line says what happened.
                failed = True
                result = {"error": {"field": "internal", "message": f"{type(error).__name__}: {error}"}}
            line = dumps(result, default=str, option=newline)
            pending.append(line)
            size += len(line)
            if size >= _WRITE_CHUNK:
                write(b"".join(pending))
                pending.clear()
                size = 0
    finally:
        if pending:  # the lines already worked out reach the output even if the batch is interrupted
            write(b"".join(pending))
    return 2 if failed else 0


def _arguments(argv: list[str]) -> tuple[str, str | None]:
    """(command, file). The plain forms (``quote``, ``quote FILE``) are read directly; anything else
    (options, ``--help``, a bad command) goes through argparse, imported only then."""
    if 1 <= len(argv) <= 2 and argv[0] in HANDLERS and not any(arg.startswith("-") for arg in argv):
        return argv[0], argv[1] if len(argv) == 2 else None
    import argparse

    # Not __doc__: the compiled build (calc.native) keeps no module docstrings.
    parser = argparse.ArgumentParser(prog="python -m calc", description=_DESCRIPTION)
    parser.add_argument("command", choices=sorted(HANDLERS))
    parser.add_argument("file", nargs="?", help="JSON or JSON Lines file (default: standard input)")
    args = parser.parse_args(argv)
    return args.command, args.file


def main(argv: list[str] | None = None) -> int:
    command, file = _arguments(sys.argv[1:] if argv is None else argv)
    if file:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    else:
        text = sys.stdin.read()
    # A batch allocates millions of short-lived objects that reference counting frees; the cycle
    # collector, run every 700 allocations by default, would mostly re-walk the modules loaded at
    # start-up. Freeze those and collect less often (cycles are still collected).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    return run_lines(_documents(text), HANDLERS[command], sys.stdout)
