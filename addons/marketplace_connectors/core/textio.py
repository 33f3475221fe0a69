"""Stream the lines of an uploaded file without loading it whole.

Marketplace exports are UTF-8 (often with a BOM) but some Amazon EU and back-office
exports are Windows-1252: each line is decoded as UTF-8 and, if that fails, as cp1252,
so one accented seller name never stops a million-line file.
"""

import csv
import io


def iter_text_lines(stream):
    """Yield ``str`` lines (newline kept) of a binary stream, decoded line by line."""
    first = True
    for raw in stream:
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


def as_binary(content):
    """Accept bytes or a binary stream; return a binary stream."""
    if isinstance(content, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(content))
    return content


def dict_rows(stream, delimiter):
    """Yield ``(line_no, header, row_dict)`` of a delimited file; line 1 is the header.

    ``line_no`` is the physical line where the row starts, as a text editor shows it.
    Header names are stripped and lower-cased; values are stripped.
    """
    lines = iter_text_lines(as_binary(stream))
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return
    line_no = reader.line_num
    for values in reader:
        start = line_no + 1
        line_no = reader.line_num
        if not any(value.strip() for value in values):
            continue
        yield (
            start,
            header,
            {
                name: (values[i].strip() if i < len(values) else "")
                for i, name in enumerate(header)
            },
        )
