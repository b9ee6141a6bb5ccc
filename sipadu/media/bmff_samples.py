"""Finding the bytes of a track's samples, so a metadata track's data (a GPS track, for
instance) can be zeroed where it lies in ``mdat``.

A track's sample table says where its chunks start (``stco``/``co64``), how many samples
each chunk holds (``stsc``) and how large each sample is (``stsz``). Each chunk is one
contiguous run of bytes. Work is one budget unit per chunk and per table entry; the sizes of
a chunk's samples are summed over a slice of the table (no Python step per sample).
"""

from __future__ import annotations

from sipadu.media.bmff_boxes import Box, BoxWalk, u32, uint_table


def zero_track_samples(walk: BoxWalk, mdia_boxes: list[Box]) -> None:
    """Zero the sample bytes of the track whose ``mdia`` holds ``mdia_boxes``."""
    minf = next((box for box in mdia_boxes if box.type == b"minf"), None)
    stbl = None
    if minf is not None:
        stbl = next((box for box in walk.children(minf, depth=4) if box.type == b"stbl"), None)
    if stbl is None:
        return  # no samples
    tables = {box.type: box for box in walk.children(stbl, depth=5)}
    if b"stz2" in tables:
        raise walk.error("unsupported_layout")
    offsets = _chunk_offsets(walk, tables)
    if offsets is None or not offsets:
        return
    runs = _chunks_per_run(walk, tables.get(b"stsc"))
    sizes = _sample_sizes(walk, tables.get(b"stsz"))
    _zero_chunks(walk, offsets, runs, sizes)


def _counted(walk: BoxWalk, box: Box, header: int, width: int) -> tuple[int, int]:
    """Where a table's entries start and how many there are, checked against its box."""
    if box.body + header > box.end:
        raise walk.error("bad_sample_table")
    count = u32(walk.data, box.body + header - 4)
    if count * width > box.end - box.body - header:
        raise walk.error("bad_sample_table")
    walk.spend(count)
    return box.body + header, count


def _chunk_offsets(walk: BoxWalk, tables: dict[bytes, Box]) -> list[int] | None:
    for kind, width in ((b"stco", 4), (b"co64", 8)):
        box = tables.get(kind)
        if box is not None:
            start, count = _counted(walk, box, 8, width)
            return list(uint_table(walk.data, start, count, width))
    return None


def _chunks_per_run(walk: BoxWalk, box: Box | None) -> list[tuple[int, int]]:
    """(first chunk, samples per chunk) runs, first chunks strictly rising from 1."""
    if box is None:
        raise walk.error("bad_sample_table")
    start, count = _counted(walk, box, 8, 12)
    table = uint_table(walk.data, start, count * 3, 4)
    runs = [(table[i * 3], table[i * 3 + 1]) for i in range(count)]
    previous = 0
    for first, _samples in runs:
        if first <= previous:
            raise walk.error("bad_sample_table")
        previous = first
    return runs


def _sample_sizes(walk: BoxWalk, box: Box | None) -> int | list[int]:
    """One size for every sample, or each sample's size."""
    if box is None or box.body + 12 > box.end:
        raise walk.error("bad_sample_table")
    constant = u32(walk.data, box.body + 4)
    if constant:
        return constant
    start, count = _counted(walk, box, 12, 4)
    return list(uint_table(walk.data, start, count, 4))


def _zero_chunks(
    walk: BoxWalk, offsets: list[int], runs: list[tuple[int, int]], sizes: int | list[int]
) -> None:
    sample = 0
    for index, (first, per_chunk) in enumerate(runs):
        last = runs[index + 1][0] - 1 if index + 1 < len(runs) else len(offsets)
        for chunk in range(first, min(last, len(offsets)) + 1):
            walk.spend()
            if isinstance(sizes, int):
                length = per_chunk * sizes
            else:
                if sample + per_chunk > len(sizes):
                    raise walk.error("bad_sample_table")
                length = sum(sizes[sample : sample + per_chunk])
            sample += per_chunk
            walk.zero_range(offsets[chunk - 1], length)
