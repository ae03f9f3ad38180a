"""``CompressedAttribute``: a value stored compressed (zstd, lz4 or gzip), by the Rust core."""

from __future__ import annotations

import enum
from typing import Any

from pydynox.attributes.coded import CodedAttribute

__all__ = ["CompressedAttribute", "CompressionAlgorithm"]


class CompressionAlgorithm(enum.StrEnum):
    """The algorithms of :class:`CompressedAttribute` (plain strings ``"zstd"`` etc. work too)."""

    Zstd = "zstd"
    Lz4 = "lz4"
    Gzip = "gzip"


class CompressedAttribute(CodedAttribute):
    """A value of any type, stored compressed in a Binary attribute (``B``) and loaded back as it was.

    Args:
        algorithm: ``"zstd"`` (default: the best ratio), ``"lz4"`` (the fastest) or ``"gzip"``.
        level: zstd 1 to 22 (default 3), gzip 0 to 9 (default 6); lz4 has no levels.
        min_size: values smaller than this many bytes are stored as they are (with a marker, so reads
            know): compressing a few bytes only adds a header.
        threshold: the compressed form is kept only when it is at most this fraction of the original
            (default 0.9); otherwise the value is stored as it is.

    Compression and decompression run in the Rust core, inside the operation (without the GIL).
    A stored value carries a checksum, so a damaged value raises
    :class:`~pydynox.exceptions.CompressionException` instead of loading as something else.
    """

    def __init__(
        self,
        algorithm: CompressionAlgorithm | str | None = None,
        level: int | None = None,
        min_size: int = 100,
        threshold: float = 0.9,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        name = CompressionAlgorithm.Zstd if algorithm is None else algorithm
        try:
            self.algorithm = CompressionAlgorithm(name)
        except ValueError:
            raise ValueError(f"algorithm must be 'zstd', 'lz4' or 'gzip', got {algorithm!r}") from None
        if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
            raise TypeError(f"level must be an int, got {level!r}")
        if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 0:
            raise ValueError(f"min_size must be a whole number of bytes >= 0, got {min_size!r}")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TypeError(f"threshold must be a number, got {threshold!r}")
        self.level = level
        self.min_size = min_size
        self.threshold = float(threshold)
        # Checked by the Rust core now, so a bad level fails when the class is defined, not on save.
        from pydynox._core import check_compression

        check_compression(self.algorithm.value, level, min_size, self.threshold)

    def codec_spec(self) -> tuple[Any, ...]:
        return ("compress", self.algorithm.value, self.level, self.min_size, self.threshold)
