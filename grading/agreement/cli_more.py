"""The command line's report subcommands: ``proportion``, ``holm``, ``time-compare`` and
``time-summary``.

:func:`add_subcommands` adds them to the parser of :mod:`grading.agreement.cli`, which prints
what each ``run_*`` function returns as one JSON object. Nothing heavy is imported at the top
of this module: ``python -m grading.agreement estimate`` imports it to build its parser.
"""

from __future__ import annotations

import numpy as np

from grading.agreement.cli import InputError, _blank, _read_csv

QUANTILE_METHOD = "linear (numpy default, Hyndman-Fan type 7)"


def _columns(frame, names, what: str) -> None:
    missing = [name for name in dict.fromkeys(names) if name not in frame.columns]
    if missing:
        raise InputError(f"the {what} input lacks the column(s): {', '.join(missing)}")


def _numbers(frame, column: str) -> np.ndarray:
    """A column as floats, NaN for a blank cell; InputError naming a cell that is no number."""
    cells = frame[column].to_numpy(dtype=object)
    blank = _blank(cells)
    values = np.full(cells.shape, np.nan)
    for index in np.flatnonzero(~blank):
        try:
            values[index] = float(cells[index])
        except ValueError:
            raise InputError(f"column {column!r} holds {cells[index]!r}, not a number") from None
    return values


def run_proportion(args) -> dict:
    """Clustered proportion of a 0/1 column (Obuchowski's ratio-estimator SE)."""
    from grading.agreement.recall import clustered_proportion

    frame = _read_csv(args.input)
    _columns(frame, [args.column], "proportion")
    given = args.cluster_column is not None
    cluster = args.cluster_column if given else "cluster"
    if cluster == args.column:
        raise InputError(f"--column and --cluster-column both name {cluster!r}")
    if given and cluster not in frame.columns:
        raise InputError(f"no cluster column {cluster!r} in the input")
    values = _numbers(frame, args.column)
    bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
    if bad.any():
        cell = frame[args.column].iloc[int(np.flatnonzero(bad)[0])]
        raise InputError(f"column {args.column!r} must hold 0, 1 or blank; it holds {cell!r}")
    kept = ~np.isnan(values)
    if not kept.any():
        raise InputError(f"column {args.column!r} has no row with a 0 or 1")
    notes = []
    if not kept.all():
        notes.append(f"{int((~kept).sum())} row(s) with a blank {args.column!r} dropped.")
    clusters = None
    if cluster in frame.columns:
        clusters = frame[cluster].fillna("").astype(str).to_numpy()[kept]
    else:
        notes.append(f"No cluster column {cluster!r}: each row is its own cluster.")
    result = clustered_proportion(values[kept], clusters, distribution=args.distribution)
    low, high = result.confidence_interval(args.confidence)
    return {
        "estimate": result.estimate,
        "standard_error": result.standard_error,
        "ci_low": low,
        "ci_high": high,
        "n": result.n,
        "n_clusters": result.n_clusters,
        "df": result.df,
        "distribution": args.distribution,
        "confidence": args.confidence,
        "notes": [*notes, *result.notes],
    }


def run_holm(args) -> dict:
    """Holm's step-down adjustment of a column of p-values, in input order."""
    from grading.agreement.multiplicity import holm

    frame = _read_csv(args.input)
    _columns(frame, [args.id_column, args.p_column], "holm")
    ids = frame[args.id_column]
    if ids.isna().any():
        raise InputError(f"row {int(np.flatnonzero(ids.isna())[0]) + 1} has a blank id")
    ids = [str(i) for i in ids]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(f"the id(s) {', '.join(twice)} occur more than once")
    result = holm(_numbers(frame, args.p_column), alpha=args.alpha)
    return {
        "ids": ids,
        "p_values": result.pvalues.tolist(),
        "p_adjusted": result.pvalues_adjusted.tolist(),
        "reject": result.reject.tolist(),
        "n_tests": result.n_tests,
        "alpha": result.alpha,
    }


def _arms(text: str) -> tuple[str, str]:
    arms = tuple(a.strip() for a in text.split(","))
    if len(arms) != 2 or not all(arms) or arms[0] == arms[1]:
        raise InputError(f"--arms must name two different arms, got {text!r}")
    return arms


def run_time_compare(args) -> dict:
    """Reading times of two arms: Wilcoxon signed-rank or the log-time mixed model."""
    from grading.agreement.timing import log_time_mixed_model, paired_time_wilcoxon

    frame = _read_csv(args.input)
    _columns(frame, ["reader", "case", "arm", "seconds"], "time-compare")
    arms = _arms(args.arms)
    found = sorted(frame["arm"].dropna().unique())
    for arm in arms:
        if arm not in found:
            raise InputError(f"no arm {arm!r} in the input (arms: {', '.join(found)})")
    frame = frame.assign(seconds=_numbers(frame, "seconds"))
    if args.method == "wilcoxon":
        result = paired_time_wilcoxon(frame, arms=arms, alternative=args.alternative)
        return {
            "method": args.method,
            "statistic": result.statistic,
            "p_value": result.pvalue,
            "n_pairs": result.n_pairs,
            "n_incomplete": result.n_incomplete,
            "median_difference": result.median_difference,
            "rank_biserial": result.rank_biserial,
            "cles": result.cles,
            "arms": list(result.arms),
            "alternative": result.alternative,
            "notes": list(result.notes),
        }
    if args.alternative != "two-sided":
        raise InputError("the mixed model's p is two-sided: --alternative applies to wilcoxon")
    result = log_time_mixed_model(frame, arms=arms, structure=args.structure)
    low, high = result.confidence_interval(args.confidence)
    ratio_low, ratio_high = result.ratio_confidence_interval(args.confidence)
    return {
        "method": args.method,
        "effect": result.effect,
        "standard_error": result.standard_error,
        "ci_low": low,
        "ci_high": high,
        "ratio": result.ratio,
        "ratio_ci_low": ratio_low,
        "ratio_ci_high": ratio_high,
        "p_value": result.pvalue,
        "n_observations": result.n_observations,
        "n_readers": result.n_readers,
        "n_cases": result.n_cases,
        "structure": result.structure,
        "converged": result.converged,
        "arms": list(result.arms),
        "notes": list(result.notes),
    }


def run_time_summary(args) -> dict:
    """Per-group n, median, quartiles, mean, min and max of a time column."""
    by = [c.strip() for c in args.by.split(",") if c.strip()]
    if not by:
        raise InputError("--by names no column")
    if args.column in by:
        raise InputError(f"--column {args.column!r} is also a --by column")
    frame = _read_csv(args.input)
    _columns(frame, [*by, args.column], "time-summary")
    from grading.agreement.timing import time_summary

    data = frame[by].assign(**{args.column: _numbers(frame, args.column)})
    groups = time_summary(data, by=by, seconds=args.column)
    return {"groups": groups, "quantile_method": QUANTILE_METHOD}


def add_subcommands(commands) -> None:
    """Add ``proportion``, ``holm``, ``time-compare`` and ``time-summary`` to the parser."""
    proportion = commands.add_parser(
        "proportion", help="clustered proportion of a 0/1 column (recall, specificity)"
    )
    proportion.add_argument("--input", required=True, metavar="FILE")
    proportion.add_argument("--column", required=True, metavar="NAME", help="0/1, blank: n/a")
    proportion.add_argument(
        "--cluster-column", default=None, metavar="NAME", help="default cluster (if present)"
    )
    proportion.add_argument("--distribution", choices=("normal", "t"), default="normal")
    proportion.add_argument("--confidence", type=float, default=0.95)
    proportion.set_defaults(run=run_proportion)

    holm = commands.add_parser("holm", help="Holm-adjusted p-values")
    holm.add_argument("--input", required=True, metavar="FILE")
    holm.add_argument("--id-column", default="id", metavar="NAME")
    holm.add_argument("--p-column", default="p_value", metavar="NAME", help="blank: not done")
    holm.add_argument("--alpha", type=float, default=0.05)
    holm.set_defaults(run=run_holm)

    time = commands.add_parser("time-compare", help="reading times of two arms")
    time.add_argument(
        "--input", required=True, metavar="FILE", help="CSV with reader,case,arm,seconds"
    )
    time.add_argument("--method", required=True, choices=("wilcoxon", "mixed-model"))
    time.add_argument("--arms", default="unaided,ai_assisted", metavar="REFERENCE,COMPARED")
    time.add_argument(
        "--structure", choices=("auto", "reader/case", "pair"), default="auto", help="mixed-model"
    )
    time.add_argument(
        "--alternative",
        choices=("two-sided", "greater", "less"),
        default="two-sided",
        help="wilcoxon only",
    )
    time.add_argument("--confidence", type=float, default=0.95, help="mixed-model CIs")
    time.set_defaults(run=run_time_compare)

    summary = commands.add_parser("time-summary", help="per-group summaries of reading times")
    summary.add_argument("--input", required=True, metavar="FILE")
    summary.add_argument("--by", default="reader,session,arm", metavar="COLUMN[,COLUMN...]")
    summary.add_argument("--column", default="seconds", metavar="NAME")
    summary.set_defaults(run=run_time_summary)
