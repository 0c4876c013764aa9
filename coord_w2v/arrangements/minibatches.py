"""Minibatch assembly: cutting microbatch streams into fixed-size minibatches.

Each designation has its own stream of positives, the concatenation of the
microbatches its source draws. Minibatches are consecutive chunks of exactly b
positives of that stream. Small microbatches are therefore packed together, and a
large one is split across consecutive minibatches. Training alternates a focus
minibatch and a context minibatch, so the assembler emits them in pairs and both
designations process the same number of positives.

A MIX arrangement changes sources during training: each slot's stream takes
exactly switch_positives / 2 positives from the first sources and the rest from
the later ones. The microbatch that crosses the switch point is cut there, so
every minibatch comes entirely from one arrangement.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator, Optional, Sequence

import numpy as np
from absl import logging

from coord_w2v.arrangements.alias import AliasSampler
from coord_w2v.arrangements.microbatches import Designation, Microbatches, MicrobatchSource, check_integer
from coord_w2v.data.matrix import AssociationMatrix

_INT32_MAX = np.iinfo(np.int32).max


@dataclasses.dataclass(frozen=True)
class Chunk:
    """S consecutive pairs of minibatches.

    Slot 0 of each pair is a focus-designated minibatch and slot 1 a
    context-designated one. For the two-sided baseline both slots are ordinary
    minibatches of independent positives that update both sides.

    Attributes:
        focus: int32[S, 2, b] focus index of each positive.
        context: int32[S, 2, b] context index of each positive.
        neg_context: int32[S, 2, lam] negative contexts shared by the minibatch,
            drawn i.i.d. with probability c_j / K (column sums).
        neg_focus: int32[S, 2, lam] negative foci shared by the minibatch, drawn
            i.i.d. with probability r_i / K (row sums). A focus minibatch uses them
            only for the bias-only negative updates, and a context minibatch uses
            them as its negatives.
        microbatch: int64[S, 2, b] index of the microbatch each positive came from,
            counted from 0 within its slot's stream since chunks() was called.
        num_pairs: number of real pairs. Rows num_pairs to S - 1 are zero padding,
            which happens only in the last chunk.
    """

    focus: np.ndarray
    context: np.ndarray
    neg_context: np.ndarray
    neg_focus: np.ndarray
    microbatch: np.ndarray
    num_pairs: int

    @property
    def num_positives(self) -> int:
        """Number of real positives over both slots: num_pairs * 2 * b."""
        return self.num_pairs * self.focus.shape[1] * self.focus.shape[2]


class _Stream:
    """The positives of one slot, drawn from its source and handed out in order.

    With a later source, the first switch_after positives come from the first
    source and all others from the later one.
    """

    def __init__(self, source: MicrobatchSource, rng: np.random.Generator, slot: int,
                 later_source: Optional[MicrobatchSource] = None, switch_after: Optional[int] = None):
        self._source = source
        self._rng = rng
        self._slot = slot
        self._later_source = later_source
        # Positives still to draw from the first source, or None without a later source.
        self._before_switch = switch_after if later_source is not None else None
        self._focus = np.zeros(0, dtype=np.int64)
        self._context = np.zeros(0, dtype=np.int64)
        self._ids = np.zeros(0, dtype=np.int64)
        self._next_id = 0

    def take(self, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns the next count positives as (focus, context, microbatch id), each int64[count].

        Positives of the last microbatch drawn that are not taken wait for the next call.

        Raises:
            ValueError: if a source returns fewer positives than requested.
        """
        while self._focus.size < count:
            self._draw(count - self._focus.size)
        head = (self._focus[:count], self._context[:count], self._ids[:count])
        self._focus, self._context, self._ids = self._focus[count:], self._context[count:], self._ids[count:]
        return head

    def _draw(self, requested: int) -> None:
        """Appends microbatches holding at least `requested` positives, or up to the switch point."""
        if self._before_switch is None:
            source, limit = self._source, None
        elif self._before_switch > 0:
            source, limit = self._source, self._before_switch
            requested = min(requested, limit)
        else:
            source, limit = self._later_source, None
        drawn = source.draw(self._rng, requested)
        if drawn.num_positives < requested:
            raise ValueError(f"the microbatch source of slot {self._slot} ({type(source).__name__}) "
                             f"returned {drawn.num_positives} positives for min_positives={requested}; "
                             "its draw() must return at least min_positives.")
        if limit is not None:
            drawn = _cut(drawn, limit)
            self._before_switch -= drawn.num_positives
            if self._before_switch == 0:
                logging.info("Slot %d switched to its later microbatch source (%s) after %d microbatches.",
                             self._slot, type(self._later_source).__name__,
                             self._next_id + drawn.num_microbatches)

        if drawn.num_microbatches == drawn.num_positives and np.all(drawn.sizes == 1):
            # The common IND case, where the ids are a plain range.
            ids = np.arange(self._next_id, self._next_id + drawn.num_microbatches, dtype=np.int64)
        else:
            ids = self._next_id + drawn.microbatch_ids()
        self._next_id += drawn.num_microbatches
        if self._focus.size:
            self._focus = np.concatenate([self._focus, drawn.focus])
            self._context = np.concatenate([self._context, drawn.context])
            self._ids = np.concatenate([self._ids, ids])
        else:
            self._focus, self._context, self._ids = drawn.focus, drawn.context, ids


def _cut(drawn: Microbatches, limit: int) -> Microbatches:
    """Returns the first `limit` positives of drawn, cutting the microbatch that crosses that point."""
    if drawn.num_positives <= limit:
        return drawn
    ends = np.cumsum(drawn.sizes)
    # The microbatch that contains position limit - 1 is the last one kept.
    last = int(np.searchsorted(ends, limit, side="left"))
    sizes = drawn.sizes[:last + 1].copy()
    sizes[-1] -= int(ends[last]) - limit
    return Microbatches(focus=drawn.focus[:limit], context=drawn.context[:limit], sizes=sizes)


class MinibatchAssembler:
    """Cuts the microbatch streams of two sources into paired minibatches with negatives.

    Attributes:
        matrix: the association matrix; its row and column sums weight the negatives.
        sources: (focus-slot source, context-slot source).
        batch_size: b, positives per minibatch.
        num_negatives: lam, shared negatives per minibatch and side.
        pairs_per_chunk: S, minibatch pairs per Chunk.
        seed: seed of every random stream; see chunks().
        later_sources: (focus-slot source, context-slot source) after the switch
            point of a MIX arrangement, or None.
        switch_positives: positives over both designations after which the slots
            draw from later_sources, or None without a switch. Pair
            switch_positives / (2 * b), counted from 0, is the first pair from
            later_sources.
    """

    def __init__(self, matrix: AssociationMatrix, sources: Sequence[MicrobatchSource], batch_size: int,
                 num_negatives: int, pairs_per_chunk: int, seed: int,
                 later_sources: Optional[Sequence[MicrobatchSource]] = None,
                 switch_positives: Optional[int] = None):
        """Validates the configuration and builds the negative samplers.

        Args:
            matrix: association matrix with at least one nonzero and fewer than
                2**31 rows and columns, since chunks store int32 indices.
            sources: two microbatch sources. sources[0] fills slot 0, the focus
                minibatches, and sources[1] fills slot 1, the context minibatches.
                A source with a `matrix` attribute must use a matrix of the same
                shape, and a source with a `designation` attribute must match its slot.
            batch_size: b >= 1, positives per minibatch.
            num_negatives: lam >= 1, negatives per minibatch and side.
            pairs_per_chunk: S >= 1, minibatch pairs per Chunk.
            seed: integer >= 0.
            later_sources: optional two sources, in the same slot order as
                sources, that replace them after switch_positives positives (MIX).
            switch_positives: positives over both designations before the switch,
                a positive multiple of 2 * batch_size. Required with
                later_sources and invalid without them.

        Raises:
            TypeError: on an argument of the wrong type.
            ValueError: on an out-of-range value, a shape mismatch, a designation
                in the wrong slot, or a switch point without later sources (or
                the reverse).
        """
        if not isinstance(matrix, AssociationMatrix):
            raise TypeError(f"matrix must be an AssociationMatrix, got {type(matrix).__name__}.")
        if matrix.nnz == 0:
            raise ValueError(f"matrix {matrix.name!r} has no nonzeros, so there are no positives to train on.")
        if max(matrix.num_focus, matrix.num_context) > _INT32_MAX:
            raise ValueError(f"matrix {matrix.name!r} has shape {matrix.kappa.shape}, but chunks store int32 "
                             f"indices, so both dimensions must be at most {_INT32_MAX}.")
        sources = tuple(sources)
        if len(sources) != 2:
            raise ValueError(f"sources must contain 2 microbatch sources (focus slot, context slot), "
                             f"got {len(sources)}.")
        for slot, source in enumerate(sources):
            self._check_source(matrix, slot, source)

        self.matrix = matrix
        self.sources = sources
        self.batch_size = check_integer(batch_size, "batch_size", 1)
        self.num_negatives = check_integer(num_negatives, "num_negatives", 1)
        self.pairs_per_chunk = check_integer(pairs_per_chunk, "pairs_per_chunk", 1)
        self.seed = check_integer(seed, "seed", 0)
        self.later_sources, self.switch_positives = self._check_switch(matrix, later_sources, switch_positives)
        self._negative_context_sampler = AliasSampler(matrix.col_sums)
        self._negative_focus_sampler = AliasSampler(matrix.row_sums)

    @staticmethod
    def _check_source(matrix: AssociationMatrix, slot: int, source: object, name: str = "sources") -> None:
        """Raises if source cannot fill the given slot of minibatches over matrix."""
        if not callable(getattr(source, "draw", None)):
            raise TypeError(f"{name}[{slot}] must have a draw(rng, min_positives) method, "
                            f"got {type(source).__name__}.")
        source_shape = getattr(getattr(getattr(source, "matrix", None), "kappa", None), "shape", None)
        if source_shape is not None and source_shape != matrix.kappa.shape:
            raise ValueError(f"{name}[{slot}] draws from a matrix of shape {source_shape}, "
                             f"but the assembler's matrix has shape {matrix.kappa.shape}; build both from "
                             "the same matrix.")
        designation = getattr(source, "designation", None)
        if designation is not None and designation != Designation(slot):
            raise ValueError(f"{name}[{slot}] has designation {Designation(designation).name}, but slot {slot} "
                             f"holds {Designation(slot).name} minibatches; pass the sources in the order "
                             "(focus, context).")

    def _check_switch(self, matrix: AssociationMatrix, later_sources: Optional[Sequence[MicrobatchSource]],
                      switch_positives: Optional[int]) -> tuple[Optional[tuple], Optional[int]]:
        """Returns (later_sources, switch_positives) after validating them against batch_size."""
        if later_sources is None and switch_positives is None:
            return None, None
        if later_sources is None or switch_positives is None:
            raise ValueError(f"later_sources and switch_positives go together (MIX): pass both or neither, got "
                             f"later_sources={'None' if later_sources is None else 'given'} and "
                             f"switch_positives={switch_positives!r}.")
        later_sources = tuple(later_sources)
        if len(later_sources) != 2:
            raise ValueError(f"later_sources must contain 2 microbatch sources (focus slot, context slot), "
                             f"got {len(later_sources)}.")
        for slot, source in enumerate(later_sources):
            self._check_source(matrix, slot, source, name="later_sources")
        switch_positives = check_integer(switch_positives, "switch_positives", 1)
        pair_size = 2 * self.batch_size
        if switch_positives % pair_size:
            lower = switch_positives // pair_size * pair_size
            nearest = f"{pair_size}" if lower == 0 else f"{lower} or {lower + pair_size}"
            raise ValueError(f"switch_positives must be a positive multiple of 2 * batch_size = {pair_size}, "
                             f"got {switch_positives}; the nearest valid values are {nearest}.")
        return later_sources, switch_positives

    def chunks(self, num_positives: int) -> Iterator[Chunk]:
        """Returns a fresh iterator over the chunks that process num_positives positives.

        Every call starts over from the seed, so two calls yield identical chunks.
        Slot 0, slot 1 and the negatives each use their own generator, spawned from
        np.random.SeedSequence(seed). A slot's later source draws from the same
        generator as its first source.

        Args:
            num_positives: positives over both designations, a positive multiple of
                2 * batch_size. Each slot processes num_positives / 2.

        Returns:
            An iterator over ceil(num_positives / (2 * b * S)) chunks. All but the
            last are full, and the last has num_pairs <= S.

        Raises:
            TypeError: if num_positives is not an integer.
            ValueError: if num_positives is not a positive multiple of 2 * batch_size.
        """
        if isinstance(num_positives, (bool, np.bool_)) or not isinstance(num_positives, (int, np.integer)):
            raise TypeError(f"num_positives must be an integer, got {num_positives!r} of type "
                            f"{type(num_positives).__name__}.")
        pair_size = 2 * self.batch_size
        if num_positives <= 0 or num_positives % pair_size:
            lower = num_positives // pair_size * pair_size
            if lower <= 0:
                nearest = f"{pair_size}"
            else:
                nearest = f"{lower} or {lower + pair_size}"
            raise ValueError(f"num_positives must be a positive multiple of 2 * batch_size = {pair_size}, "
                             f"got {num_positives}; the nearest valid values are {nearest}.")
        return self._generate(num_positives // pair_size)

    def _generate(self, total_pairs: int) -> Iterator[Chunk]:
        """Yields the chunks of total_pairs minibatch pairs."""
        focus_seed, context_seed, negative_seed = np.random.SeedSequence(self.seed).spawn(3)
        later = self.later_sources if self.later_sources is not None else (None, None)
        switch_after = None if self.switch_positives is None else self.switch_positives // 2
        streams = tuple(_Stream(self.sources[slot], np.random.default_rng(slot_seed), slot=slot,
                                later_source=later[slot], switch_after=switch_after)
                        for slot, slot_seed in enumerate((focus_seed, context_seed)))
        negative_rng = np.random.default_rng(negative_seed)
        logging.info("Assembling %d minibatch pairs (b=%d, lam=%d, %d pairs per chunk) with seed %d.",
                     total_pairs, self.batch_size, self.num_negatives, self.pairs_per_chunk, self.seed)
        if self.switch_positives is not None:
            logging.info("The arrangement switches after %d positives (pair %d) from %s to %s.",
                         self.switch_positives, self.switch_positives // (2 * self.batch_size),
                         type(self.sources[0]).__name__, type(self.later_sources[0]).__name__)

        capacity, batch, lam = self.pairs_per_chunk, self.batch_size, self.num_negatives
        remaining = total_pairs
        while remaining > 0:
            pairs = min(capacity, remaining)
            remaining -= pairs
            focus = np.zeros((capacity, 2, batch), dtype=np.int32)
            context = np.zeros((capacity, 2, batch), dtype=np.int32)
            microbatch = np.zeros((capacity, 2, batch), dtype=np.int64)
            neg_context = np.zeros((capacity, 2, lam), dtype=np.int32)
            neg_focus = np.zeros((capacity, 2, lam), dtype=np.int32)

            for slot, stream in enumerate(streams):
                slot_focus, slot_context, slot_ids = stream.take(pairs * batch)
                focus[:pairs, slot] = slot_focus.reshape(pairs, batch)
                context[:pairs, slot] = slot_context.reshape(pairs, batch)
                microbatch[:pairs, slot] = slot_ids.reshape(pairs, batch)
            neg_context[:pairs] = self._negative_context_sampler.sample(negative_rng, (pairs, 2, lam))
            neg_focus[:pairs] = self._negative_focus_sampler.sample(negative_rng, (pairs, 2, lam))

            yield Chunk(focus=focus, context=context, neg_context=neg_context, neg_focus=neg_focus,
                        microbatch=microbatch, num_pairs=pairs)
