"""Reading times of the same readers on the same cases in two arms (unaided vs AI-assisted).

- :func:`paired_time_wilcoxon`: Wilcoxon signed-rank test on the per-(reader, case) pairs.
- :func:`log_time_mixed_model`: linear mixed model of log time with reader and case random
  effects; the arm effect is a ratio of geometric mean times.

Differences are always ``arms[1]`` − ``arms[0]`` (by default AI-assisted minus unaided), so a
negative difference, or a ratio below 1, means faster reading with AI.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grading.agreement._common import ConfidenceInterval, critical_value, test_pvalue

ARMS = ("unaided", "ai_assisted")
STRUCTURES = ("auto", "reader/case", "pair")


def _timing_frame(frame, reader, case, arm, seconds, arms) -> pd.DataFrame:
    """Rows of the two arms, renamed; ValueError naming a missing column or a bad arm set."""
    for name, column in (("reader", reader), ("case", case), ("arm", arm), ("seconds", seconds)):
        if column not in frame.columns:
            raise ValueError(f"frame lacks the {name} column {column!r}.")
    if len(arms) != 2 or arms[0] == arms[1]:
        raise ValueError(f"arms must name two different arms, got {arms!r}.")
    data = frame.loc[frame[arm].isin(arms), [reader, case, arm, seconds]]
    data.columns = ["reader", "case", "arm", "seconds"]
    data = data.assign(seconds=pd.to_numeric(data["seconds"], errors="raise").astype(float))
    if (data["seconds"] < 0).any():
        raise ValueError("seconds must be non-negative.")
    if data.duplicated(["reader", "case", "arm"]).any():
        raise ValueError("A (reader, case, arm) occurs more than once; keep one time per arm.")
    return data


@dataclass(frozen=True, eq=False)
class WilcoxonTimeResult:
    """Wilcoxon signed-rank test of paired times (``statistic`` is W, from pingouin).

    ``median_difference`` is the median of arms[1] − arms[0] in seconds; ``rank_biserial``
    (matched-pairs rank-biserial r, Kerby 2014) and ``cles`` are pingouin's effect sizes;
    ``n_incomplete`` counts (reader, case) pairs dropped because one arm was missing."""

    statistic: float
    pvalue: float
    n_pairs: int
    n_incomplete: int
    median_difference: float
    rank_biserial: float
    cles: float
    arms: tuple
    alternative: str = "two-sided"
    notes: tuple[str, ...] = field(default_factory=tuple)


def paired_time_wilcoxon(
    frame: pd.DataFrame,
    *,
    reader: str = "reader",
    case: str = "case",
    arm: str = "arm",
    seconds: str = "seconds",
    arms: tuple = ARMS,
    alternative: str = "two-sided",
) -> WilcoxonTimeResult:
    """Wilcoxon signed-rank test of reading times, paired by (reader, case).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (reader, case, arm) with the reading time in ``seconds``.
    reader, case, arm, seconds : str
        Column names.
    arms : (str, str)
        The reference arm and the arm compared with it.
    alternative : {"two-sided", "greater", "less"}
        For arms[1] − arms[0].

    Returns
    -------
    WilcoxonTimeResult

    Notes
    -----
    ``pingouin.wilcoxon`` (scipy's signed-rank test, continuity correction in the normal
    approximation, exact for small samples without ties). Pairs with one arm or one time
    missing are dropped and counted. The test treats the pairs as independent; pairs of one
    reader or of one case are correlated, so prefer :func:`log_time_mixed_model` for
    inference and use this as the distribution-free check.

    References
    ----------
    Wilcoxon F (1945) Biometrics Bulletin 1:80, doi:10.2307/3001968.
    Kerby DS (2014) Compr Psychol 3:11.IT.3.1, doi:10.2466/11.IT.3.1.
    Vallat R (2018) J Open Source Softw 3:1026, doi:10.21105/joss.01026 (pingouin).
    """
    import pingouin

    data = _timing_frame(frame, reader, case, arm, seconds, arms)
    wide = data.pivot(index=["reader", "case"], columns="arm", values="seconds")
    wide = wide.reindex(columns=list(arms))
    complete = wide.dropna()
    n_incomplete = len(wide) - len(complete)
    notes = (f"{n_incomplete} incomplete (reader, case) pair(s) dropped.",) if n_incomplete else ()
    x, y = complete[arms[1]].to_numpy(), complete[arms[0]].to_numpy()
    if x.size == 0 or np.all(x == y):
        nan = float("nan")
        median = float(np.median(x - y)) if x.size else nan
        note = "No non-zero paired differences: the test is undefined."
        return WilcoxonTimeResult(
            nan,
            nan,
            int(x.size),
            n_incomplete,
            median,
            nan,
            nan,
            tuple(arms),
            alternative,
            notes + (note,),
        )
    table = pingouin.wilcoxon(x, y, alternative=alternative)
    row = table.iloc[0]
    return WilcoxonTimeResult(
        statistic=float(row["W_val"]),
        pvalue=float(row["p_val"]),
        n_pairs=int(x.size),
        n_incomplete=n_incomplete,
        median_difference=float(np.median(x - y)),
        rank_biserial=float(row["RBC"]),
        cles=float(row["CLES"]),
        arms=tuple(arms),
        alternative=alternative,
        notes=notes,
    )


@dataclass(frozen=True, eq=False)
class LogTimeResult:
    """Arm effect on log reading time from a linear mixed model.

    ``effect`` = E[log t | arms[1]] − E[log t | arms[0]], ``ratio`` = exp(effect) is the ratio
    of geometric mean times (0.8: 20 % faster). ``statistic`` is the Wald z; CIs use the
    normal. ``structure`` names the random effects actually fitted."""

    effect: float
    standard_error: float
    n_observations: int
    n_readers: int
    n_cases: int
    structure: str
    converged: bool
    arms: tuple
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def statistic(self) -> float:
        return self.effect / self.standard_error if self.standard_error > 0 else float("nan")

    @property
    def pvalue(self) -> float:
        return test_pvalue(self.statistic, None, "two-sided")

    @property
    def ratio(self) -> float:
        return float(np.exp(self.effect))

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Interval for the effect on the log scale."""
        half = critical_value(confidence_level, None) * self.standard_error
        return ConfidenceInterval(self.effect - half, self.effect + half)

    def ratio_confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Interval for the ratio of geometric mean times: exp of the log-scale interval."""
        low, high = self.confidence_interval(confidence_level)
        return ConfidenceInterval(float(np.exp(low)), float(np.exp(high)))


def _fit(data: pd.DataFrame, structure: str):
    import statsmodels.formula.api as smf

    if structure == "reader/case":
        model = smf.mixedlm(
            "log_seconds ~ treated", data, groups="reader", vc_formula={"case": "0 + C(case)"}
        )
    else:
        model = smf.mixedlm("log_seconds ~ treated", data, groups="pair")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True)
    messages = tuple(sorted({str(w.message).splitlines()[0] for w in caught}))
    se = float(fit.bse["treated"])
    ok = bool(fit.converged) and np.isfinite(se) and se > 0
    return float(fit.params["treated"]), se, ok, messages


def log_time_mixed_model(
    frame: pd.DataFrame,
    *,
    reader: str = "reader",
    case: str = "case",
    arm: str = "arm",
    seconds: str = "seconds",
    arms: tuple = ARMS,
    structure: str = "auto",
) -> LogTimeResult:
    """Effect of the arm on log reading time, with reader and case random effects.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (reader, case, arm) with a positive reading time in ``seconds``.
    reader, case, arm, seconds : str
        Column names.
    arms : (str, str)
        The reference arm and the arm compared with it.
    structure : {"auto", "reader/case", "pair"}
        ``reader/case``: log t = β₀ + β·1[arms[1]] + u_reader + v_(reader, case) + ε, fitted by
        ``mixedlm(..., groups=reader, vc_formula={"case": "0 + C(case)"})`` (REML);
        ``pair``: the simpler random intercept of the (reader, case) pair only; ``auto``
        fits ``reader/case`` and falls back to ``pair`` when it does not converge or gives no
        finite SE, with a note.

    Returns
    -------
    LogTimeResult

    Notes
    -----
    Rows with a missing time are dropped; unpaired rows still inform the random effects.
    β̂ is the log of the ratio of geometric mean times, CI exp(β̂ ± z·SE). The reader-by-arm
    interaction (readers helped by AI to different degrees) is not modelled, so the CI
    generalises to new cases for these readers rather than to new readers.

    References
    ----------
    Laird NM, Ware JH (1982) Biometrics 38:963, doi:10.2307/2529876.
    Seabold S, Perktold J (2010) Proc 9th Python in Science Conf, doi:10.25080/Majora-92bf1922-011.
    """
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {STRUCTURES}, got {structure!r}.")
    data = _timing_frame(frame, reader, case, arm, seconds, arms).dropna(subset=["seconds"])
    if (data["seconds"] <= 0).any():
        raise ValueError("seconds must be positive to take logs.")
    if data["arm"].nunique() < 2:
        raise ValueError(f"frame needs times in both arms {tuple(arms)!r}.")
    data = data.assign(
        log_seconds=np.log(data["seconds"]),
        treated=(data["arm"] == arms[1]).astype(float),
        pair=pd.factorize(pd.MultiIndex.from_frame(data[["reader", "case"]]))[0],
        reader=pd.factorize(data["reader"])[0],
        case=pd.factorize(data["case"])[0],
    )
    used = "pair" if structure == "pair" else "reader/case"
    effect, se, ok, notes = _fit(data, used)
    if not ok and structure == "auto":
        notes += ("The reader/case model did not converge; fell back to a pair intercept.",)
        used = "pair"
        effect, se, ok, more = _fit(data, used)
        notes += more
    return LogTimeResult(
        effect=effect,
        standard_error=se,
        n_observations=len(data),
        n_readers=int(data["reader"].nunique()),
        n_cases=int(data["case"].nunique()),
        structure=used,
        converged=ok,
        arms=tuple(arms),
        notes=notes,
    )


def time_summary(frame: pd.DataFrame, *, by=("reader", "session", "arm"), seconds: str = "seconds"):
    """Median, quartiles, mean and range of reading times per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per read; ``seconds`` may be missing (dropped, not counted).
    by : sequence of str
        Grouping columns; groups come sorted by their values compared as strings.
    seconds : str
        The time column.

    Returns
    -------
    list of dict
        One dict per group: the ``by`` values as strings, ``n``, ``median``, ``q1``, ``q3``,
        ``mean``, ``min``, ``max``. Quartiles use numpy's default linear interpolation
        (Hyndman & Fan 1996 type 7, as R's ``quantile`` default).

    References
    ----------
    Hyndman RJ, Fan Y (1996) Am Stat 50:361, doi:10.1080/00031305.1996.10473566.
    """
    by = list(by)
    for column in [*by, seconds]:
        if column not in frame.columns:
            raise ValueError(f"frame lacks the column {column!r}.")
    data = frame[[*by, seconds]].copy()
    data[seconds] = pd.to_numeric(data[seconds], errors="raise").astype(float)
    data = data.dropna(subset=[seconds])
    keys = data[by].fillna("").astype(str)  # a blank group value is a group of its own
    groups = []
    for values, rows in data.groupby([keys[c] for c in by], sort=True):
        times = rows[seconds].to_numpy(dtype=float)
        q1, median, q3 = np.percentile(times, [25, 50, 75])
        labels = values if isinstance(values, tuple) else (values,)
        groups.append(
            {
                **dict(zip(by, labels, strict=True)),
                "n": int(times.size),
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
                "mean": float(times.mean()),
                "min": float(times.min()),
                "max": float(times.max()),
            }
        )
    return groups
