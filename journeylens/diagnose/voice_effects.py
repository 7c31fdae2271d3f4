"""The voice of the customer as the diagnosis and the report use it (private).

:func:`voice_model` joins each journey's instances to the workspace's surveys and outcomes
once (:func:`journeylens.voice.join.voice_table`) and fits the key drivers of every score and
outcome with enough answers (:func:`journeylens.explain.drivers.key_drivers`).  :func:`effects` asks
the same model what an opportunity would change ("rework halved": CSAT +1.8 points) through
:func:`journeylens.explain.whatif.what_if` — an association-based estimate, labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeylens._util.plain import plain, records

#: Fewest answers (survey) or positive outcomes before a driver model is fitted.
MIN_RESPONSES = 100
MIN_POSITIVES = 20
#: Smallest driver share for which an opportunity's what-if is computed.
MIN_SHARE = 0.1


@dataclass
class VoiceModel:
    """Per journey: the joined table and the fitted drivers of each score / outcome."""

    metrics: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)
    drivers: dict[tuple[str, str], Any] = field(default_factory=dict)
    binary: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drivers_list(self, top: int = 6) -> list[dict[str, Any]]:
        """Flat rows for the report: journey, outcome, feature, share, effect, finding."""
        out = []
        for (journey, target), d in self.drivers.items():
            for r in d.table.head(top).to_dict("records"):
                out.append(
                    plain(
                        {
                            "journey": journey,
                            "outcome": target,
                            "method": d.method,
                            "n": d.n,
                            "feature": r["feature"],
                            "share": r["share"],
                            "effect": r["effect"],
                            "effect_low": r["effect_low"],
                            "effect_high": r["effect_high"],
                            "finding": r["finding"],
                        }
                    )
                )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "metrics": records(self.metrics),
            "models": [
                {
                    "journey": j,
                    "outcome": t,
                    "method": d.method,
                    "n": d.n,
                    "r2": plain(d.r2),
                    "stability": plain(d.stability),
                    "top": d.sentences(3),
                }
                for (j, t), d in self.drivers.items()
            ],
            "notes": self.notes,
        }


def voice_model(ws: Any, journeys: Any = None, *, n_boot: int = 10, seed: int = 0):
    """The voice model of a workspace, or None when it has no surveys and no outcomes."""
    from journeylens import voice
    from journeylens.explain import drivers as dr

    resp = voice.responses_frame(ws)
    outs = voice.outcomes_frame(ws)
    if resp.empty and outs.empty:
        return None
    surveys = sorted(resp["survey"].dropna().unique())
    outcomes = sorted(outs["outcome"].dropna().unique())
    model = VoiceModel(metrics=voice.voice_metrics(ws) if not resp.empty else pd.DataFrame())
    source = journeys if journeys is not None else ws
    names = list(source.journey_names()) if hasattr(source, "journey_names") else []
    if not names:
        model.notes.append("no journeys: scores cannot be joined to journey features")
        return model
    for name in names:
        try:
            table = voice.voice_table(ws, name, surveys=surveys, outcomes=outcomes)
        except Exception as e:
            model.notes.append(f"{name}: {e}")
            continue
        targets = []
        for t in [*surveys, *outcomes]:
            if t not in table.columns:
                continue
            col = table[t]
            binary = t in outcomes
            enough = (
                col.fillna(False).astype(bool).sum() >= MIN_POSITIVES
                if binary
                else col.notna().sum() >= MIN_RESPONSES
            )
            if not enough:
                continue
            others = [x for x in [*surveys, *outcomes] if x != t]
            feats = dr.journey_features(table, exclude=[t, *others])
            try:
                model.drivers[(name, t)] = dr.key_drivers(
                    table, t, features=feats, n_boot=n_boot if not binary else 0, seed=seed
                )
            except Exception as e:
                model.notes.append(f"{name} / {t}: {e}")
                continue
            model.binary[t] = binary
            targets.append(t)
        model.tables[name] = table
        model.targets[name] = targets
    return model


def effects(
    model: VoiceModel | None,
    feature: str,
    *,
    rate_factor: float | None = None,
    scale: float | None = None,
    journeys: list[str] | None = None,
    outcomes: list[str] | None = None,
) -> dict[str, Any]:
    """What-if effects of changing ``feature`` on every fitted score and outcome.

    Returns ``{"satisfaction": points or None, "churn": share or None, "what_if": [...]}``:
    the largest absolute score change and the largest outcome change over the journeys, and
    each what-if's sentence.
    """
    from journeylens.explain.whatif import what_if

    out: dict[str, Any] = {"satisfaction": None, "churn": None, "what_if": []}
    if model is None:
        return out
    for name, targets in model.targets.items():
        if journeys is not None and name not in journeys:
            continue
        table = model.tables[name]
        if feature not in table.columns:
            continue
        for t in targets:
            if outcomes is not None and t not in outcomes:
                continue
            d = model.drivers[(name, t)]
            feats = list(d.table["feature"])
            row = d.table[d.table["feature"] == feature]
            # Only where the feature matters to this outcome: a what-if on a bystander is noise.
            if row.empty or float(row["share"].iloc[0]) < MIN_SHARE:
                continue
            kw: dict[str, Any] = {}
            if rate_factor is not None:
                current = float(table.loc[table[t].notna(), feature].astype(float).mean())
                if not np.isfinite(current) or current == 0:
                    continue
                kw["rate"] = min(max(current * rate_factor, 0.0), 1.0)
            else:
                kw["scale"] = scale
            try:
                # A logistic fit on a bootstrap sample may overflow exp(): harmless there.
                with np.errstate(over="ignore"):
                    w = what_if(table, t, feature, features=feats, n_boot=20, **kw)
            except Exception:
                continue
            out["what_if"].append({"journey": name, "outcome": t, "sentence": w.sentence()})
            key = "churn" if model.binary.get(t) else "satisfaction"
            if out[key] is None or abs(w.difference) > abs(out[key]):
                out[key] = float(w.difference)
    return out
