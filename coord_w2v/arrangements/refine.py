"""COO microbatches refined by LSH maps into smaller parts of more similar entities.

The member of a positive is its focus index for the FOCUS designation and its
context index for CONTEXT, the side whose vectors the minibatch updates. Each
COO microbatch draws a random order of the maps in a pool, and its positives are
split by the tuple of their members' keys under the first maps in that order.
With r maps two members stay together with probability Pr[collision]**r, so
parts of dissimilar entities split faster than parts of similar ones.

Refinement only reorders positives within a microbatch and never drops or adds
one, so every positive keeps the marginal frequency kappa_ij / K that the COO
stream gives it.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
from absl import logging

from coord_w2v.arrangements.coo import CooMicrobatches
from coord_w2v.arrangements.microbatches import Designation, Microbatches, check_generator, check_integer

# Positives are sorted by the single int64 key part * num_codes + code while that
# product stays below this bound, and by np.lexsort over both keys otherwise.
_COMBINED_KEY_LIMIT = 2**62
# Keys below 2**(16 * _MAX_RADIX_DIGITS) are sorted as that many 16-bit digits.
_MAX_RADIX_DIGITS = 3


@dataclasses.dataclass(frozen=True)
class Refinement:
    """The parts of a sequence of microbatches and where they come from.

    Attributes:
        microbatches: the parts, as consecutive microbatches. The parts of one
            input microbatch are adjacent, in random order, and the inputs keep
            their order.
        origin: int64[num_parts] index of the input microbatch of each part.
        depth: int64[num_parts] number of maps whose keys every member of the part
            shares: the first `depth` maps of `map_order[origin]`.
        map_order: int64[num_input_microbatches, pool_size] random order of the
            pool's maps for each input microbatch.
    """

    microbatches: Microbatches
    origin: np.ndarray
    depth: np.ndarray
    map_order: np.ndarray


class RefinedMicrobatches:
    """A MicrobatchSource of COO microbatches split by the keys of LSH maps.

    Static refinement splits every COO microbatch by exactly `num_maps` maps.
    Adaptive refinement adds one map at a time, only to parts that still hold
    more than `max_size` positives, until no part is larger or the pool is
    exhausted. The maps of one microbatch are drawn from the pool without
    replacement.

    Attributes:
        base: the COO source whose microbatches are refined.
        matrix: base.matrix.
        designation: base.designation.
        pool_size: number of maps in the pool.
        num_maps: maps per microbatch in static mode, None in adaptive mode.
        max_size: part size cap in adaptive mode, None in static mode.
    """

    def __init__(self, base: CooMicrobatches, maps: np.ndarray, num_maps: Optional[int] = None,
                 max_size: Optional[int] = None):
        """Validates the arguments and numbers the keys of every map from 0.

        Args:
            base: COO microbatches of one designation.
            maps: int[pool_size, num_entities] keys of each map, with num_entities
                = num_focus for FOCUS and num_context for CONTEXT, pool_size >= 1.
            num_maps: static refinement with this many maps, 1 <= num_maps <= pool_size.
            max_size: adaptive refinement with this part size cap, >= 1.

        Raises:
            TypeError: if base is not a CooMicrobatches, maps is not an integer
                array, or num_maps or max_size is not an integer.
            ValueError: if not exactly one of num_maps and max_size is given, a
                value is out of range, or maps does not have one key per entity.
        """
        if not isinstance(base, CooMicrobatches):
            raise TypeError(f"base must be a CooMicrobatches, got {type(base).__name__}.")
        maps = np.asarray(maps)
        if not np.issubdtype(maps.dtype, np.integer):
            raise TypeError(f"maps must be an integer array of keys, got dtype {maps.dtype}.")
        num_entities = base.matrix.num_focus if base.designation == Designation.FOCUS else base.matrix.num_context
        side = "focus" if base.designation == Designation.FOCUS else "context"
        if maps.ndim != 2 or maps.shape[0] < 1 or maps.shape[1] != num_entities:
            raise ValueError(f"maps must have shape [pool_size >= 1, {num_entities}] with one key per {side} "
                             f"entity for {base.designation.name} refinement, got shape {maps.shape}; build "
                             f"them for the {base.designation.name} designation.")
        if (num_maps is None) == (max_size is None):
            raise ValueError(f"pass exactly one of num_maps (static refinement) and max_size (adaptive "
                             f"refinement), got num_maps={num_maps!r} and max_size={max_size!r}.")
        pool_size = maps.shape[0]
        if num_maps is not None:
            num_maps = check_integer(num_maps, "num_maps", 1)
            if num_maps > pool_size:
                raise ValueError(f"num_maps must be at most the pool size {pool_size}, got {num_maps}; draw "
                                 "more maps or use fewer per microbatch.")
        if max_size is not None:
            max_size = check_integer(max_size, "max_size", 1)

        self.base = base
        self.matrix = base.matrix
        self.designation = base.designation
        self.pool_size = pool_size
        self.num_maps = num_maps
        self.max_size = max_size
        self._num_entities = num_entities
        # Keys numbered from 0 within each map, flattened to [pool_size * num_entities],
        # so a (map, entity) lookup is one gather and a code is a small sort key.
        codes = np.empty(maps.shape, dtype=np.int32 if maps.shape[1] < 2**31 else np.int64)
        for map_index in range(pool_size):
            _, inverse = np.unique(maps[map_index], return_inverse=True)
            codes[map_index] = inverse.reshape(-1)
        self._codes = codes.reshape(-1)
        self._num_codes = int(codes.max()) + 1 if codes.size else 1
        self._warned_exhausted = False
        mode = f"static with {num_maps} maps" if num_maps is not None else f"adaptive with size cap {max_size}"
        logging.info("Refining COO %s microbatches of %r by LSH maps: pool of %d, %s.", side, base.matrix.name,
                     pool_size, mode)

    def draw(self, rng: np.random.Generator, min_positives: int) -> Microbatches:
        """Draws whole COO microbatches until they hold at least min_positives positives, and refines them.

        All parts of the last COO microbatch are returned, so more than one part
        may lie past min_positives. Dropping them would change the marginal
        frequencies.

        Args:
            rng: source of randomness.
            min_positives: number of positives to reach, >= 0.

        Returns:
            The parts as microbatches, at least min_positives positives in all.

        Raises:
            TypeError: if rng is not a numpy.random.Generator or min_positives is
                not an integer.
            ValueError: if min_positives is negative.
        """
        check_generator(rng)
        count = check_integer(min_positives, "min_positives", 0)
        coarse = self.base.draw(rng, count)
        if coarse.num_microbatches == 0:
            return coarse
        return self.refine(coarse, rng).microbatches

    def refine(self, microbatches: Microbatches, rng: np.random.Generator) -> Refinement:
        """Splits each microbatch by the keys of its members under maps drawn from the pool.

        Args:
            microbatches: microbatches over the matrix, usually drawn from base.
            rng: source of randomness for the map order and the part order.

        Returns:
            The parts with their origins, depths and the map order of every input
            microbatch.

        Raises:
            TypeError: if microbatches is not a Microbatches or rng is not a
                numpy.random.Generator.
            ValueError: if a member index is out of range for the maps.
        """
        if not isinstance(microbatches, Microbatches):
            raise TypeError(f"microbatches must be a Microbatches, got {type(microbatches).__name__}.")
        check_generator(rng)
        members = microbatches.focus if self.designation == Designation.FOCUS else microbatches.context
        if members.size and (members.min() < 0 or members.max() >= self._num_entities):
            raise ValueError(f"microbatch members must be in [0, {self._num_entities}), got values from "
                             f"{members.min()} to {members.max()}.")
        num_inputs = microbatches.num_microbatches
        map_order = np.argsort(rng.random((num_inputs, self.pool_size)), axis=1)
        if self.num_maps is not None:
            levels, cap = self.num_maps, 1
        else:
            levels, cap = self.pool_size, self.max_size

        positions, sizes, origin, depth = self._split(members, microbatches.sizes, map_order, levels, cap)
        if self.num_maps is not None:
            # Parts of one positive skip later maps, which cannot split them further,
            # but their members trivially share all num_maps keys.
            depth = np.full(sizes.size, self.num_maps, dtype=np.int64)
        else:
            self._warn_if_exhausted(sizes)

        # Shuffle the parts within each input microbatch, then list their positives.
        starts = np.cumsum(sizes) - sizes
        # A random permutation as the minor key makes all keys distinct and the
        # order of the parts of one input microbatch uniformly random.
        part_order = _stable_argsort(origin * sizes.size + rng.permutation(sizes.size), num_inputs * sizes.size)
        sizes, starts, origin, depth = sizes[part_order], starts[part_order], origin[part_order], depth[part_order]
        first_position = np.cumsum(sizes) - sizes
        chosen = positions[np.arange(members.size, dtype=np.int64) + np.repeat(starts - first_position, sizes)]
        parts = Microbatches(focus=microbatches.focus[chosen], context=microbatches.context[chosen], sizes=sizes)
        return Refinement(microbatches=parts, origin=origin, depth=depth, map_order=map_order)

    def _split(self, members: np.ndarray, input_sizes: np.ndarray, map_order: np.ndarray, levels: int,
               cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Splits parts larger than cap by one more map per level, for up to `levels` levels.

        Parts at most cap in size are set aside at each level, so a level costs
        O(a log a) for the a positives still in larger parts.

        Args:
            members: int64[m] member of each positive.
            input_sizes: int64[k] size of each input microbatch; they list the
                positives in order.
            map_order: int64[k, pool_size] map order of each input microbatch.
            levels: maximum number of maps per input microbatch.
            cap: parts larger than this are split further.

        Returns:
            (positions int64[m], sizes int64[p], origin int64[p], depth int64[p])
            for p parts. The parts list consecutive runs of `positions`, which
            index the positives, and within a part the positives keep their input
            order. Part q comes from input microbatch origin[q] and was split by
            its first depth[q] maps.
        """
        finished_positions, finished_sizes, finished_origin, finished_depth = [], [], [], []
        nonempty = input_sizes > 0
        active_positions = np.arange(members.size, dtype=np.int64)  # Parts stay contiguous in here.
        active_sizes = input_sizes[nonempty]
        active_origin = np.flatnonzero(nonempty)
        for level in range(levels + 1):
            if level < levels:
                done = active_sizes <= cap
            else:
                done = np.ones(active_sizes.size, dtype=bool)
            if done.any():
                done_positives = np.repeat(done, active_sizes)
                finished_positions.append(active_positions[done_positives])
                finished_sizes.append(active_sizes[done])
                finished_origin.append(active_origin[done])
                finished_depth.append(np.full(int(done.sum()), level, dtype=np.int64))
                active_positions = active_positions[~done_positives]
                active_sizes = active_sizes[~done]
                active_origin = active_origin[~done]
            if active_sizes.size == 0:
                break

            # Sort the positives of each active part by their key code under the
            # part's map at this level. A stable sort keeps the input order within
            # a code, and the parts stay in place because the part index is the
            # major key.
            part_of = np.repeat(np.arange(active_sizes.size, dtype=np.int64), active_sizes)
            map_offsets = map_order[active_origin, level] * self._num_entities
            codes = self._codes[np.repeat(map_offsets, active_sizes) + members[active_positions]]
            if active_sizes.size * self._num_codes < _COMBINED_KEY_LIMIT:
                sort_key = part_of * self._num_codes + codes
                resort = _stable_argsort(sort_key, active_sizes.size * self._num_codes)
                key_changes = np.diff(sort_key[resort]) != 0
            else:
                resort = np.lexsort((codes, part_of))
                key_changes = np.diff(codes[resort]) != 0
                key_changes |= np.diff(part_of) != 0
            active_positions = active_positions[resort]
            starts = np.concatenate(([0], np.flatnonzero(key_changes) + 1))
            active_sizes = np.diff(np.append(starts, active_positions.size))
            active_origin = active_origin[part_of[starts]]

        if not finished_sizes:
            nothing = np.zeros(0, dtype=np.int64)
            return nothing, nothing.copy(), nothing.copy(), nothing.copy()
        return (np.concatenate(finished_positions), np.concatenate(finished_sizes),
                np.concatenate(finished_origin), np.concatenate(finished_depth))

    def _warn_if_exhausted(self, sizes: np.ndarray) -> None:
        """Logs one warning per source the first time parts stay above max_size after all maps."""
        if self._warned_exhausted:
            return
        oversized = sizes > self.max_size
        if not oversized.any():
            return
        self._warned_exhausted = True
        logging.warning("LSH refinement of %s microbatches used all %d maps of the pool, and %d of %d parts "
                        "(%d positives) still exceed max_size=%d, the largest with %d positives. A larger pool "
                        "may split them further. This warning is logged once per source.",
                        self.designation.name.lower(), self.pool_size, int(oversized.sum()), sizes.size,
                        int(sizes[oversized].sum()), self.max_size, int(sizes.max()))


def _stable_argsort(keys: np.ndarray, bound: int) -> np.ndarray:
    """Returns the stable argsort of int64 keys in [0, bound).

    Keys below 2**48 are sorted digit by digit, least significant 16 bits first.
    numpy's stable sort runs a radix sort on 16-bit integers (see "kind" in the
    numpy.sort documentation), so each digit costs O(n) instead of the
    O(n log n) of a stable int64 sort. Larger keys use np.argsort(kind="stable").
    """
    digits = max(1, -(-max(bound - 1, 1).bit_length() // 16))
    if digits > _MAX_RADIX_DIGITS:
        return np.argsort(keys, kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    for digit in range(1, digits):
        digit_values = ((keys[order] >> (16 * digit)) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit_values, kind="stable")]
    return order
