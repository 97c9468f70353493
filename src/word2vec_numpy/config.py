"""``TrainConfig``: every training option, defined once.

Each option is one dataclass field: its name (also the CLI flag, ``dim`` -> ``--dim``), its
default, its check and its help text. The command line is built from these fields
(``cli/train.py``), the model and the trainer read them, checkpoints store them, and a resumed
run compares them in one place (:meth:`TrainConfig.resume_mismatch`). Other spellings used by
the C tool and gensim (``vector_size``, ``negative``, ``alpha``, ...) are listed with the
field as ``aliases`` and accepted by :meth:`TrainConfig.from_options` only.

Adding an option: add a field here with ``option(...)``; read it where it is used. The CLI
flag, its help, the check, the checkpoint and the resume comparison follow.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

DEFAULT_LR = {"skipgram": 0.025, "cbow": 0.05}
# Centre words per step. A CBOW centre is one example, not one per context word, so a step's
# fixed costs weigh more: 1,024 centres make the whole command 1.28x faster than 256, with
# the same analogies (benchmarks/README.md, "CBOW batch");
# skip-gram loses accuracy above 256 ("Quality: shared negatives and batch size"). With
# hierarchical softmax every step sums one gradient per centre into the root's vector (and
# nearly as many into the nodes below it), with no bound on the sum: CBOW at 1,024 trained
# far worse than at 256 (one epoch of the 4 M-token slice: loss 9.80 against 7.17), so
# hierarchical softmax keeps 256 for both models ("Hierarchical softmax, CBOW"). So does
# CBOW with weak or no subsampling (sample 0 or above 1e-3): frequent words then fill dozens
# of rows of a 1,024-row step, fewer than the 1/16 that ``word2vec._crowded`` bounds, and
# without subsampling it trained to a loss of 4.61 against 2.41 at 256 ("Crowded batches at
# 1024 centres"). So does CBOW summing its context (cbow_mean=0): h grows with the window,
# and at --window 10 a 1,024-word step diverged at the default rate.
DEFAULT_BATCH = {"skipgram": 256, "cbow": 1024}
DEFAULT_BATCH_SMALL = 256
# A skip-gram step sums the terms of all its pairs at once, and the pairs per centre grow
# with the window (window + 1 on average, 2 * window with shrink_windows=False). On the
# first 300,000 words of corpus1m.txt, one epoch at the default rate, the step diverged from
# about 6,000 pairs (--window 15 --no-shrink-windows at 256 centres: 7,680; --window 20 at
# 160: 6,400) and trained at 4,800 and fewer. The default keeps the expected pairs per step
# at most half of that, as at --window 12 with shrinking windows: 256 centres up to 12
# pairs per centre, fewer above (``batch_shape`` rounds to whole blocks).
PAIRS_PER_STEP = 256 * 12
# With hierarchical softmax every pair adds a term to the root's vector (and nearly every one
# to the nodes below it): a step sums as many terms there as it has pairs, and skip-gram
# trained far worse above about 1,500 (one epoch, the same 300,000 words: --window 10 at 256
# centres, 2,816 pairs, loss 14.06 against 7.04 at 128 centres and 7.07 for --window 5 at
# 256), so hierarchical softmax keeps the pairs per step of the default window.
HS_PAIRS_PER_STEP = 256 * 6
# Above this many pairs per centre one row's summed step can overshoot by itself: --window 30
# --no-shrink-windows (60 pairs) diverged even at one block of 60 centres per step, and
# trained with every step bounded (``ops.bound_steps``; loss 2.68), which costs several
# times the time, so only such wide windows bound every step (--window 20
# --no-shrink-windows, 40 pairs, trains without).
WIDE_WINDOW_PAIRS = 40


# -- checks: each returns the value, or raises ValueError with the reason ------------------------
def positive_int(value: Any) -> int:
    """An integer >= 1 (also from text such as ``"5"``)."""
    number = _int(value)
    if number < 1:
        raise ValueError(f"must be a positive integer, not {value}")
    return number


def nonnegative_int(value: Any) -> int:
    """An integer >= 0."""
    number = _int(value)
    if number < 0:
        raise ValueError(f"must be an integer >= 0, not {value}")
    return number


def positive_float(value: Any) -> float:
    """A finite number > 0."""
    number = _float(value)
    if not number > 0:
        raise ValueError(f"must be > 0, not {value}")
    return number


def nonnegative_float(value: Any) -> float:
    """A finite number >= 0."""
    number = _float(value)
    if not number >= 0:
        raise ValueError(f"must be >= 0, not {value}")
    return number


def finite_float(value: Any) -> float:
    """Any finite number (also negative)."""
    return _float(value)


def zero_or_one(value: Any) -> int:
    """0 or 1 (gensim's spelling of a switch, e.g. ``cbow_mean``)."""
    number = _int(value) if not isinstance(value, bool) else int(value)
    if number not in (0, 1):
        raise ValueError(f"must be 0 or 1, not {value}")
    return number


def boolean(value: Any) -> bool:
    """True or False (also 1/0 and the words true/false, yes/no)."""
    if isinstance(value, bool):
        return value
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    answer = words.get(str(value).strip().lower())
    if answer is None:
        raise ValueError(f"must be true or false, not {value!r}")
    return answer


def switch(value: Any) -> bool:
    """A switch given as 0 or 1 (the C tool's ``-hs 1``, gensim's ``hs=1``), or a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, str)) and str(value).strip() in ("0", "1"):
        return str(value).strip() == "1"
    raise ValueError(f"must be 0 or 1, not {value!r}")


def seed_value(value: Any) -> int:
    """A seed NumPy accepts: an integer >= 0."""
    number = _int(value)
    if number < 0:
        raise ValueError(f"must be an integer >= 0, not {value}")
    return number


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"must be an integer, not {value}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be an integer, not {value!r}") from None
    if isinstance(value, float) and value != number:
        raise ValueError(f"must be an integer, not {value}")
    return number


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, not {value}")
    return number


def one_of(*choices: str) -> Callable[[Any], str]:
    """One of ``choices``."""

    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
        return str(value)

    check.choices = choices  # type: ignore[attr-defined]
    return check


def option(
    default: Any,
    check: Callable[[Any], Any] | None,
    help: str,
    *,
    aliases: tuple[str, ...] = (),
    resume: bool = True,
    cli: bool = True,
    cli_default: Callable[[], Any] | None = None,
    metavar: str | None = None,
) -> Any:
    """A TrainConfig field. ``check(value)`` validates (None allowed when the default is None);
    ``resume``: a resumed run must use the same value; ``cli``: has a ``--flag``;
    ``cli_default``: the command line's default when it differs from the API's."""
    meta = {
        "check": check,
        "help": help,
        "aliases": aliases,
        "resume": resume,
        "cli": cli,
        "cli_default": cli_default,
        "metavar": metavar,
    }
    return field(default=default, metadata=meta)


@dataclass
class TrainConfig:
    """The hyperparameters of a word2vec model and its training, each defined once.

    Defaults are those of the C tool and gensim; ``lr=None`` means 0.025 for skip-gram and
    0.05 for CBOW. Build one with keyword arguments (checked), or with :meth:`from_options`,
    which also accepts the C tool's and gensim's spellings. Every field below is a keyword
    argument; its help text is the ``--help`` of its command-line flag.

    Raises
    ------
    ConfigError
        An option with a bad value, no output layer (``neg=0`` without ``hs``), or ``lr_min``
        above the starting learning rate.
    """

    model: str = option("skipgram", one_of("skipgram", "cbow"), "skipgram (default) or cbow")
    dim: int = option(
        100, positive_int, "vector size (100)", aliases=("embed_dim", "vector_size", "size")
    )
    window: int = option(5, positive_int, "max window radius (5)")
    neg: int = option(
        5,
        nonnegative_int,
        "negatives per example (5; 0: none, with --hs 1)",
        aliases=("n_negatives", "negative"),
    )
    hs: bool = option(False, switch, "hierarchical softmax: 1 on, 0 off (0)", metavar="{0,1}")
    min_count: int = option(5, positive_int, "drop rarer words (5)", resume=False)
    max_vocab_size: int | None = option(
        None,
        positive_int,
        "while counting, prune rare words whenever more than N are held (gensim's rule)",
        metavar="N",
    )
    max_final_vocab: int | None = option(
        None, positive_int, "raise min count until at most N words remain (gensim)", metavar="N"
    )
    max_sentence_length: int = option(
        10_000,
        positive_int,
        "cut longer sentences (lines) into pieces of N tokens (10000)",
        metavar="N",
    )
    sample: float = option(1e-3, nonnegative_float, "subsampling t (1e-3)")
    ns_exponent: float = option(
        0.75, finite_float, "noise distribution P_n(w) ~ count^x; 0.75 (paper), 0 uniform"
    )
    cbow_mean: int = option(
        1, zero_or_one, "CBOW: 1 mean of the context vectors (1), 0 their sum", metavar="0|1"
    )
    shrink_windows: bool = option(
        True, boolean, "window radius drawn from 1..window (--no-shrink-windows: the full one)"
    )
    epochs: int = option(
        5, positive_int, "passes over the corpus (5)", aliases=("n_epochs", "iter")
    )
    lr: float | None = option(
        None, positive_float, "0.025 skip-gram, 0.05 CBOW", aliases=("alpha",)
    )
    lr_min: float = option(
        1e-4, nonnegative_float, "final learning rate (1e-4)", aliases=("min_alpha",)
    )
    batch_size: int | None = option(
        None,
        positive_int,
        "centre words per step (1024 CBOW with negative sampling, the context mean and "
        "sample 0 < t <= 1e-3; else 256, and fewer for wide skip-gram windows)",
    )
    workers: int = option(
        1,
        positive_int,
        "worker processes (command line: all cores)",
        resume=False,
        cli_default=lambda: os.cpu_count() or 1,
    )
    seed: int = option(1, seed_value, "random seed (1)")
    sync_every: int = option(
        100_000,
        positive_int,
        "with --dask: corpus words each worker trains between synchronisations (100000)",
        resume=False,
        metavar="WORDS",
    )
    log_every: int = option(100, positive_int, "batches per loss point (100)", resume=False)
    cbow_exact_grad: bool = option(
        False, None, "CBOW: the exact gradient of the mean instead of the C tool's", cli=False
    )
    shared_negatives: int | None = option(
        None, positive_int, "negatives shared by a group of rows (default: see batching)", cli=False
    )
    chunk_words: int = option(1 << 16, positive_int, "corpus words per chunk", cli=False)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            check = f.metadata["check"]
            if check is None or (value is None and f.default is None):
                continue
            try:
                setattr(self, f.name, check(value))
            except ValueError as exc:
                raise ConfigError(f"{f.name}: {exc}") from None
        if self.neg == 0 and not self.hs:
            raise ConfigError(
                "neg: 0 leaves no output layer (--neg 0): use --neg 1 or more, or --hs 1"
            )
        # Checks across fields: the learning rate decays linearly from lr to lr_min.
        if self.lr_min > self.start_lr:
            raise ConfigError(
                f"lr_min: {self.lr_min:g} is above the starting learning rate lr "
                f"{self.start_lr:g}, so the rate would grow during training: lower lr_min "
                "(--lr-min) or raise lr (--lr)"
            )

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_options(cls, base: TrainConfig | None = None, **options: Any) -> TrainConfig:
        """``base`` (or the defaults) with ``options`` replaced; accepts the aliases.

        Parameters
        ----------
        base : TrainConfig, optional
            The config to start from; by default the defaults.
        **options
            Options by name or by an alias (``vector_size``, ``negative``, ``alpha``, ...).

        Returns
        -------
        TrainConfig
            A new, checked config.

        Raises
        ------
        TypeError
            An unknown option, or an option given under two names.
        ConfigError
            An option with a bad value.
        """
        names = {f.name: f.name for f in dataclasses.fields(cls)}
        for f in dataclasses.fields(cls):
            names.update(dict.fromkeys(f.metadata["aliases"], f.name))
        values = dataclasses.asdict(base) if base is not None else {}
        for key, value in options.items():
            if key not in names:
                raise TypeError(f"unknown training option {key!r}")
            if names[key] in options and key != names[key]:
                raise TypeError(f"{key!r} and {names[key]!r} are the same option")
            values[names[key]] = value
        return cls(**values)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """A config from ``to_dict()`` (e.g. of a saved model).

        Parameters
        ----------
        values : Mapping
            Option values by name; unknown keys are ignored so that files of older versions load.

        Returns
        -------
        TrainConfig
            The checked config.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        """JSON-able values of every option.

        Returns
        -------
        dict of str to Any
            Each field's value by name.
        """
        return dataclasses.asdict(self)

    def in_use(self) -> dict[str, Any]:
        """The options a run uses: ``to_dict()`` with ``lr`` and ``batch_size`` resolved.

        The defaults of those two depend on the model. Metrics and reports show these values;
        checkpoints keep ``to_dict()``, so that a resumed run resolves them as the first did.

        Returns
        -------
        dict of str to Any
            Each field's value by name.
        """
        return dict(self.to_dict(), lr=self.start_lr, batch_size=self.batch_centres)

    def replace(self, **options: Any) -> TrainConfig:
        """A copy with ``options`` changed (checked).

        Parameters
        ----------
        **options
            Options by name or by an alias, as in :meth:`from_options`.

        Returns
        -------
        TrainConfig
            The new config; this one is unchanged.
        """
        return self.from_options(self, **options)

    # -- derived values ---------------------------------------------------------------------
    @property
    def start_lr(self) -> float:
        """The learning rate at the start: ``lr``, or the model's default."""
        return float(self.lr if self.lr is not None else DEFAULT_LR[self.model])

    @property
    def pairs_per_centre(self) -> int:
        """Skip-gram's expected pairs per centre word.

        window + 1 with shrinking windows (the radius is uniform on 1..window, and a pair on
        either side), else 2 * window.
        """
        return self.window + 1 if self.shrink_windows else 2 * self.window

    @property
    def bounds_every_step(self) -> bool:
        """Whether every skip-gram step is bounded, not only crowded ones.

        True above ``WIDE_WINDOW_PAIRS`` pairs per centre word.
        """
        return self.model == "skipgram" and self.pairs_per_centre > WIDE_WINDOW_PAIRS

    @property
    def batch_centres(self) -> int:
        """The centre words per step: ``batch_size``, or the default of the model and loss."""
        if self.batch_size is not None:
            return int(self.batch_size)
        if self.model == "skipgram":  # PAIRS_PER_STEP, HS_PAIRS_PER_STEP
            pairs = HS_PAIRS_PER_STEP if self.hs else PAIRS_PER_STEP
            return min(DEFAULT_BATCH_SMALL, pairs // self.pairs_per_centre)
        # CBOW: 1024 only where such a step does not sum too much at once (DEFAULT_BATCH)
        if self.hs or not 0 < self.sample <= 1e-3 or not self.cbow_mean:
            return DEFAULT_BATCH_SMALL
        return DEFAULT_BATCH[self.model]

    def resume_mismatch(self, saved: TrainConfig) -> str | None:
        """The first option that differs from a checkpoint's config among those a resume must share.

        Parameters
        ----------
        saved : TrainConfig
            The checkpoint's config.

        Returns
        -------
        str or None
            ``"name=saved value, not this value"``, or None if the run may resume.
        """
        for f in dataclasses.fields(self):
            if f.metadata["resume"] and getattr(self, f.name) != getattr(saved, f.name):
                return f"{f.name}={getattr(saved, f.name)}, not {getattr(self, f.name)}"
        return None

    @classmethod
    def cli_fields(cls) -> list[dataclasses.Field]:
        """The fields that have a command-line flag, in definition order.

        Returns
        -------
        list of dataclasses.Field
            The fields whose ``cli`` metadata is true.
        """
        return [f for f in dataclasses.fields(cls) if f.metadata["cli"]]
