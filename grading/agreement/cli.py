"""The statistician's command line: ``python -m grading.agreement``. One JSON object on stdout.

This output is a contract used by statisticians' scripts: field names and meanings stay
stable. Bad input exits with code 2 and one line on stderr naming the problem.

Conventions (also in ``--help`` and the README):

- p is two-sided by default (``--alternative greater`` for one-sided); CIs are two-sided,
  estimate ± t(df)·SE (or the normal quantile), using the non-null SE, upper bound clipped at
  1 for a coefficient and never clipped for a difference.
- n is the number of subjects with at least one rating. Defaults follow the input, as R
  irrCAC does: table input uses the table variance (divisor n), long and counts input the
  linearised one (divisor n − 1), df = n − 1.
- ``--categories`` is required; ``observed`` infers them from the data and says so.
- Input formats: ``long`` (``subject,rater,rating[,cluster]``), ``wide`` (an optional
  ``subject`` column, an optional cluster column, then one column per rater: R irrCAC's raw
  layout), ``table`` and ``counts``. A blank cell is a missing rating.
- ``--metric`` selects Krippendorff's coincidence-matrix form (SE only under ``--variance
  bootstrap|jackknife``); without it Krippendorff is Gwet's raw form with ``--weights``
  (variance over subjects with two or more ratings, centred on α′, df = n − 1). Giving both
  is an error. For a table, Krippendorff takes Scott's table SE and prints pa as
  (1 − ε)·pa + ε.
- A weight-matrix CSV is a bare q × q matrix of agreement weights (1 on the diagonal), no
  header, in ``--categories`` order. Weights other than identity need numeric categories;
  ratio weights with a category 0 are an error.
- ``--test-se null`` is defined for Cohen and unweighted Fleiss only; ``standard_error_null``
  is printed whenever defined, else null. The finite-population correction
  (``--population-size``) applies to the non-null SE only. ``df`` is null under
  ``--distribution normal``.
- ``--cluster-column`` (default ``cluster``) names the column the cluster, bootstrap and
  jackknife variances use; without it those resample subjects. The bootstrap defaults to 2000
  replicates and percentile CIs (``--ci-method bca`` optional).
- ``compare`` uses every subject rated in either pair, with t(n − 1) (t(C − 1) clustered).
- ``recall-compare``: ``statistic`` is χ²(1) for mcnemar, mcnemar-corrected and obuchowski;
  mcnemar-exact prints the smaller discordant count and an exact binomial p.
- ``--raters A,B`` (estimate; long or wide input) keeps these raters, in this order; an unknown
  name is an error. ``--complete`` (estimate, compare) keeps the subjects rated by every kept
  rater (compare: by every rater of --pair-a and --pair-b). After either, subjects with no
  rating are dropped, clusters follow the kept subjects, and ``observed`` reads the kept data.
- ``recall-compare --a-column A --b-column B --cluster-column C`` (defaults a, b, cluster)
  names the columns; rows with a blank in A or B are dropped; ``a_column``/``b_column`` echo.
- ``proportion --column X``: clustered proportion of the 0/1 column X (blank: row dropped),
  Obuchowski's SE; no cluster column means one cluster per row (said in ``notes``); default
  ``--distribution normal`` (``t`` is t(K − 1)); the CI is clipped to [0, 1].
- ``holm``: Holm-adjusted p in input order; a blank p is a test not done (null, not rejected,
  not counted in ``n_tests``); duplicate ids are an error.
- ``time-compare --method wilcoxon|mixed-model``: ``reader,case,arm,seconds`` rows (blank
  seconds missing); differences and ratios are arms[1] vs arms[0] (``--arms``, default
  unaided,ai_assisted); ``--alternative`` applies to wilcoxon only; mixed-model is log-time
  REML, Wald z, normal CI, ``ratio`` = exp(effect).
- ``time-summary``: per ``--by`` group (sorted as strings), n, median, q1, q3 (numpy's linear
  quantiles, Hyndman–Fan type 7), mean, min and max of the non-blank ``--column`` values.
- Cohen needs exactly 2 raters in long input. ``n_raters`` for counts input is the largest
  number of ratings of one subject. For table and counts input, ``--categories`` gives the
  order and must list the same set as the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from grading.agreement import api
from grading.agreement._fastcsv import read_wide_numeric
from grading.agreement.data import Ratings, observed_categories

COEFFICIENTS = (
    "cohen",
    "scott",
    "gwet",
    "fleiss",
    "conger",
    "brennan_prediger",
    "percent",
    "krippendorff",
)
WEIGHTS_HELP = "identity|linear|quadratic|ordinal|radical|ratio|circular|bipolar|MATRIX.csv"


class InputError(Exception):
    """Bad input: exit code 2 with one line naming the problem."""


def _clean(value):
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {key: _clean(v) for key, v in value.items()}
    return value


def _category_values(categories) -> list:
    out = []
    for c in categories:
        try:
            number = float(c)
            out.append(int(number) if number.is_integer() else number)
        except (TypeError, ValueError):
            out.append(c)
    return out


def _read_csv(path: str):
    import pandas as pd  # here, not at the top: the wide numeric path never needs it

    try:
        # Only a blank cell is missing: "NA" or "None" could be real category labels.
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise InputError(f"input file {path} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"input file {path} is not a readable CSV: {exc}") from None


def _declared(args, found: list[str]) -> tuple[list, bool]:
    if args.categories == "observed":
        return list(observed_categories(found)), True
    declared = [c.strip() for c in args.categories.split(",") if c.strip()]
    if len(declared) < 2:
        raise InputError("--categories needs at least two categories")
    return declared, False


def _same_set(declared: list, found: list[str], what: str) -> list[int]:
    """Positions of the declared categories among the file's labels (same set required)."""

    def key(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value).strip()

    found_keys = [key(f) for f in found]
    declared_keys = [key(d) for d in declared]
    if sorted(map(str, found_keys)) != sorted(map(str, declared_keys)):
        raise InputError(
            f"the {what} categories ({', '.join(map(str, found))}) are not the --categories set "
            f"({', '.join(map(str, declared))})"
        )
    return [found_keys.index(k) for k in declared_keys]


def _wide_numeric(path: str, cluster_column: str):
    """A wide numeric CSV read without pandas: (rater names, float matrix) or None."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"input file {path} does not exist") from None
    header = data.split(b"\n", 1)[0].decode(errors="replace")
    if cluster_column in [name.strip() for name in header.split(",")]:
        return None  # cluster labels are text: the pandas path reads them
    return read_wide_numeric(data, skip={"subject"})


def _subset(args) -> tuple[list[str] | None, list[str] | None, bool]:
    """(raters to keep in order or None for all, raters a kept subject needs or None for the
    kept ones, whether to keep complete subjects only), from --raters, --complete and
    compare's pairs."""
    keep = None
    if getattr(args, "raters", None) is not None:
        keep = [r.strip() for r in args.raters.split(",") if r.strip()]
        if not keep:
            raise InputError("--raters names no rater")
        twice = sorted({r for r in keep if keep.count(r) > 1})
        if twice:
            raise InputError(f"--raters names {', '.join(twice)} more than once")
    complete = bool(getattr(args, "complete", False))
    needed = None
    if complete and args.command == "compare":
        pairs = [r.strip() for r in f"{args.pair_a},{args.pair_b}".split(",")]
        needed = list(dict.fromkeys(pairs))
    return keep, needed, complete


def _known(names: list[str], known) -> None:
    known = {str(k) for k in known}
    for rater in names:
        if rater not in known:
            raise InputError(
                f"no rater {rater!r} in the input (raters: {', '.join(sorted(known))})"
            )


def _blank(values: np.ndarray) -> np.ndarray:
    """True where a cell of a float or object array is missing (NaN, None or blank text)."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    import pandas as pd

    return pd.isna(values) | (np.char.strip(values.astype(str)) == "")


def _filter_wide(args, raters: list[str], values: np.ndarray):
    """The kept rater columns (in --raters order) and the mask of the kept rows."""
    keep, needed, complete = _subset(args)
    _known([*(keep or []), *(needed or [])], raters)
    blank = _blank(values)
    rows = np.ones(values.shape[0], dtype=bool)
    if complete:
        required = [raters.index(r) for r in (needed or keep or raters)]
        rows &= ~blank[:, required].any(axis=1)
    columns = [raters.index(r) for r in keep] if keep else list(range(len(raters)))
    rows &= ~blank[:, columns].all(axis=1)
    if not rows.any():
        raise InputError("no subject is left after --raters/--complete")
    return [raters[i] for i in columns], values[np.ix_(rows, columns)], rows


def _filter_long(args, frame):
    """The long rows of the kept raters and subjects (the order of the rows kept)."""
    keep, needed, complete = _subset(args)
    names = [str(r) for r in frame["rater"].dropna().unique()]
    _known([*(keep or []), *(needed or [])], names)
    if keep:
        frame = frame[frame["rater"].isin(keep)]
    rated = ~_blank(frame["rating"].to_numpy(dtype=object))
    if complete:
        required = needed or keep or names
        by = frame.loc[rated & frame["rater"].isin(required).to_numpy(), ["subject", "rater"]]
        found = by.drop_duplicates().groupby("subject", sort=False).size()
        frame = frame[frame["subject"].isin(found.index[found == len(required)])]
        rated = ~_blank(frame["rating"].to_numpy(dtype=object))
    frame = frame[frame["subject"].isin(frame.loc[rated, "subject"].unique())]
    if frame.empty:
        raise InputError("no subject is left after --raters/--complete")
    return frame, keep


def _in_order(ratings: Ratings, keep: list[str] | None) -> Ratings:
    """The long input's rater columns in --raters order (a rater left with no rows: blank)."""
    if not keep or list(ratings.raters) == keep:
        return ratings
    matrix = np.full((ratings.matrix.shape[0], len(keep)), -1, dtype=np.int64)
    for j, rater in enumerate(keep):
        if rater in ratings.raters:
            matrix[:, j] = ratings.matrix[:, ratings.raters.index(rater)]
    return replace(ratings, matrix=matrix, raters=tuple(keep))


def _filtering(args) -> bool:
    return getattr(args, "raters", None) is not None or bool(getattr(args, "complete", False))


def _load_wide(args) -> Ratings:
    numeric = None
    if args.categories == "observed" or _all_numeric(args.categories.split(",")):
        numeric = _wide_numeric(args.input, args.cluster_column)
    if numeric is not None:
        raters, values = numeric
        if _filtering(args):
            raters, values, _ = _filter_wide(args, raters, values)
        if args.categories == "observed":
            present = np.unique(values[~np.isnan(values)])
            declared, inferred = [_category_values([v])[0] for v in present], True
        else:
            declared, inferred = _declared(args, [])
        ratings = Ratings.from_matrix(values, categories=declared, raters=raters)
        return _with_inferred(ratings, inferred)
    frame = _read_csv(args.input)
    cluster = args.cluster_column if args.cluster_column in frame.columns else None
    raters = [c for c in frame.columns if c not in ("subject", cluster)]
    if not raters:
        raise InputError("the wide input has no rater columns")
    values = frame[raters].to_numpy(dtype=object)
    clusters = frame[cluster].tolist() if cluster else None
    if _filtering(args):
        raters, values, rows = _filter_wide(args, raters, values)
        clusters = [c for c, kept in zip(clusters, rows, strict=True) if kept] if cluster else None
    declared, inferred = _declared(args, [v for v in values.ravel() if isinstance(v, str)])
    ratings = Ratings.from_matrix(values, categories=declared, clusters=clusters, raters=raters)
    return _with_inferred(ratings, inferred)


def _all_numeric(values) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return True


def load_ratings(args) -> Ratings:
    if _filtering(args) and args.input_format not in ("long", "wide"):
        raise InputError("--raters and --complete need long or wide input (rater identities)")
    if args.input_format == "wide":
        return _load_wide(args)
    frame = _read_csv(args.input)
    if args.input_format == "long":
        missing = [c for c in ("subject", "rater", "rating") if c not in frame.columns]
        if missing:
            raise InputError(f"the long input lacks the column(s): {', '.join(missing)}")
        cluster = args.cluster_column if args.cluster_column in frame.columns else None
        if args.cluster_column != "cluster" and cluster is None:
            raise InputError(f"no cluster column {args.cluster_column!r} in the input")
        keep = None
        if _filtering(args):
            frame, keep = _filter_long(args, frame)
        declared, inferred = _declared(args, frame["rating"].dropna().tolist())
        ratings = Ratings.from_long(frame, categories=declared, cluster=cluster)
        return _with_inferred(_in_order(ratings, keep), inferred)
    if args.input_format == "table":
        labels = list(frame.columns[1:])
        rows = frame.iloc[:, 0].tolist()
        if len(labels) != len(rows) or len(labels) < 2:
            raise InputError(f"the table is not square: {len(rows)} rows, {len(labels)} columns")
        declared, inferred = (
            (labels, True) if args.categories == "observed" else _declared(args, labels)
        )
        order = _same_set(declared, labels, "table's column")
        row_order = _same_set(declared, rows, "table's row")
        try:
            values = frame.iloc[:, 1:].astype(float).to_numpy()
        except ValueError:
            raise InputError("the table has a cell that is not a number") from None
        table = values[np.ix_(row_order, order)]
        return _with_inferred(Ratings.from_table(table, categories=declared), inferred)
    # counts
    if "subject" not in frame.columns:
        raise InputError("the counts input lacks the column 'subject'")
    labels = [c for c in frame.columns if c not in ("subject", args.cluster_column)]
    declared, inferred = (
        (labels, True) if args.categories == "observed" else _declared(args, labels)
    )
    order = _same_set(declared, labels, "counts file's")
    try:
        values = frame[labels].astype(float).to_numpy()[:, order]
    except ValueError:
        raise InputError("the counts have a cell that is not a number") from None
    clusters = frame[args.cluster_column].tolist() if args.cluster_column in frame.columns else None
    ratings = Ratings.from_counts(values, categories=declared, clusters=clusters)
    return _with_inferred(ratings, inferred)


def _with_inferred(ratings: Ratings, inferred: bool) -> Ratings:
    if inferred and not ratings.categories_inferred:
        object.__setattr__(ratings, "categories_inferred", True)
    if ratings.n_subjects < 2:
        raise InputError(f"at least 2 subjects are needed; the input has {ratings.n_subjects}")
    return ratings


def _weights(args, q: int):
    if args.weights in api.WEIGHT_NAMES:
        return args.weights
    path = Path(args.weights)
    if not path.exists():
        raise InputError(
            f"--weights must be a weight name ({WEIGHTS_HELP}) or an existing CSV file"
        )
    try:
        matrix = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError:
        raise InputError(f"the weight matrix {path} is not a bare numeric CSV") from None
    if matrix.shape != (q, q):
        raise InputError(
            f"the weight matrix is {matrix.shape[0]} × {matrix.shape[1]}, not {q} × {q}"
        )
    return matrix


def _options(args, q: int) -> dict:
    return {
        "weights": _weights(args, q),
        "variance": args.variance,
        "alternative": args.alternative,
        "distribution": args.distribution,
        "population_size": args.population_size,
        "bootstrap": args.bootstrap,
        "seed": args.seed,
        "ci_method": args.ci_method,
    }


def run_estimate(args) -> dict:
    ratings = load_ratings(args)
    if args.metric and args.weights_given:
        raise InputError("give either --metric (coincidence form) or --weights, not both")
    result = api.estimate(
        ratings,
        coefficient=args.coefficient,
        metric=args.metric,
        test_se=args.test_se,
        **_options(args, ratings.q),
    )
    low, high = result.confidence_interval(args.confidence)
    return {
        "coefficient": result.coefficient,
        "estimate": result.estimate,
        "standard_error": result.standard_error,
        "standard_error_null": result.standard_error_null,
        "ci_low": low,
        "ci_high": high,
        "p_value": result.pvalue,
        "alternative": result.alternative,
        "distribution": result.distribution,
        "df": result.df,
        "pa": result.pa,
        "pe": result.pe,
        "n_subjects": result.n_subjects,
        "n_raters": result.n_raters,
        "categories": _category_values(result.categories),
        "categories_inferred": ratings.categories_inferred,
        "weights": None
        if args.metric
        else (args.weights if isinstance(_weights(args, ratings.q), str) else "custom"),
        "metric": args.metric,
        "variance": result.variance,
        "n_clusters": result.n_clusters,
        "notes": list(result.notes),
    }


def run_compare(args) -> dict:
    if args.input_format not in ("long", "wide"):
        raise InputError("compare needs long or wide input (rater identities)")
    ratings = load_ratings(args)
    pair_a = tuple(r.strip() for r in args.pair_a.split(","))
    pair_b = tuple(r.strip() for r in args.pair_b.split(","))
    known = {str(r) for r in ratings.raters}
    for rater in (*pair_a, *pair_b):
        if rater not in known:
            raise InputError(
                f"no rater {rater!r} in the input (raters: {', '.join(sorted(known))})"
            )
    result = api.compare(
        ratings,
        coefficient=args.coefficient,
        pair_a=pair_a,
        pair_b=pair_b,
        **_options(args, ratings.q),
    )
    low, high = result.confidence_interval(args.confidence)
    return {
        "difference": result.difference,
        "standard_error": result.standard_error,
        "ci_low": low,
        "ci_high": high,
        "p_value": result.pvalue,
        "df": result.df,
        "estimate_a": result.estimate_a,
        "estimate_b": result.estimate_b,
        "n_subjects": result.n_subjects,
        "n_clusters": result.n_clusters,
        "variance": result.variance,
        "notes": list(result.notes),
    }


def run_recall_compare(args) -> dict:
    frame = _read_csv(args.input)
    cluster, a_column, b_column = args.cluster_column, args.a_column, args.b_column
    if a_column == b_column:
        raise InputError(f"--a-column and --b-column both name {a_column!r}")
    missing = [c for c in dict.fromkeys((cluster, a_column, b_column)) if c not in frame.columns]
    if missing:
        raise InputError(f"the recall input lacks the column(s): {', '.join(missing)}")
    blank = _blank(frame[[a_column, b_column]].to_numpy(dtype=object)).any(axis=1)
    frame = frame[~blank]  # a reader who did not read the finding: not a paired finding
    try:
        a = frame[a_column].astype(int).to_numpy()
        b = frame[b_column].astype(int).to_numpy()
    except ValueError:
        raise InputError(f"columns {a_column} and {b_column} must hold 0 or 1") from None
    if not set(np.unique(np.concatenate([a, b]))) <= {0, 1}:
        raise InputError(f"columns {a_column} and {b_column} must hold 0 or 1")
    if len(a) < 2:
        raise InputError("at least 2 findings are needed")
    output = api.recall_compare(frame[cluster].to_numpy(), a, b, method=args.method)
    return {**output, "a_column": a_column, "b_column": b_column}


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coefficient", required=True, choices=COEFFICIENTS)
    parser.add_argument("--input", required=True, metavar="FILE")
    parser.add_argument(
        "--input-format", choices=("long", "wide", "table", "counts"), default="long"
    )
    parser.add_argument(
        "--categories", required=True, help="e.g. 0,1,2,3 (declared order), or 'observed'"
    )
    parser.add_argument("--weights", default=None, help=WEIGHTS_HELP + " (default identity)")
    parser.add_argument(
        "--variance",
        choices=api.VARIANCES,
        default=None,
        help="default: table for table input, linearized otherwise",
    )
    parser.add_argument("--cluster-column", default="cluster", metavar="NAME")
    parser.add_argument("--bootstrap", type=int, default=2000, metavar="B")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ci-method", choices=("percentile", "bca"), default="percentile")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--alternative", choices=("two-sided", "greater"), default="two-sided")
    parser.add_argument("--distribution", choices=("t", "normal"), default="t")
    parser.add_argument("--population-size", type=float, default=None, metavar="N")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grading.agreement",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("Conventions", 1)[1].replace(
            "(also in ``--help`` and the README):", "Conventions:"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    estimate = commands.add_parser("estimate", help="one coefficient with SE, CI and p")
    _common_options(estimate)
    estimate.add_argument(
        "--metric", choices=("nominal", "ordinal", "interval", "ratio"), default=None
    )
    estimate.add_argument("--test-se", choices=("nonnull", "null"), default="nonnull")
    estimate.add_argument(
        "--raters", default=None, metavar="NAME[,NAME...]", help="keep these raters, in order"
    )
    estimate.add_argument(
        "--complete", action="store_true", help="keep subjects rated by every kept rater"
    )
    compare = commands.add_parser("compare", help="difference of two dependent coefficients")
    _common_options(compare)
    compare.add_argument("--pair-a", required=True, metavar="RATER1,RATER2")
    compare.add_argument("--pair-b", required=True, metavar="RATER3,RATER2")
    compare.add_argument(
        "--complete", action="store_true", help="keep subjects rated by all four pair raters"
    )
    recall = commands.add_parser(
        "recall-compare", help="recall of two readers on the same findings"
    )
    recall.add_argument("--input", required=True, metavar="FILE", help="CSV with cluster,a,b (0/1)")
    recall.add_argument(
        "--method",
        required=True,
        choices=("mcnemar", "mcnemar-corrected", "mcnemar-exact", "obuchowski"),
    )
    recall.add_argument("--a-column", default="a", metavar="NAME", help="reader A's 0/1 column")
    recall.add_argument("--b-column", default="b", metavar="NAME", help="reader B's 0/1 column")
    recall.add_argument("--cluster-column", default="cluster", metavar="NAME")
    from grading.agreement import cli_more  # no pandas or statsmodels at its import

    cli_more.add_subcommands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "run", None) is not None:
            output = args.run(args)
        elif args.command == "recall-compare":
            output = run_recall_compare(args)
        else:
            args.weights_given = args.weights is not None
            args.weights = args.weights or "identity"
            output = run_estimate(args) if args.command == "estimate" else run_compare(args)
    except (InputError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    json.dump({key: _clean(value) for key, value in output.items()}, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0
