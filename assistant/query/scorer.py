"""The learned evidence scorer: two small logistic models shipped as JSON (a few KB).

``sentence`` gives the probability that a candidate sentence states the answer;
``answerable`` gives the probability that the retrieved evidence answers the
question at all (trained against questions whose document was removed). Both are
fitted by ``bench/train_scorer.py`` on the XQuAD dev split plus the founding gold
set, with a fixed seed; the file records what they were trained on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

SCORER_FILE = Path(__file__).resolve().parent.parent / "data" / "evidence_scorer.json"

#: question-level features of the answerable model, computed from the ranked candidates
ANSWERABLE_FEATURES = (
    "best_prob",  # the best candidate's sentence probability
    "best_relevance",  # its z above unrelated text
    "max_relevance",  # the best relevance among the top candidates
    "best_idf_overlap",  # its IDF-weighted overlap with the question
    "max_idf_overlap",  # the best overlap among the top candidates
    "type_fit",  # the best candidate holds the asked kind of fact (0 for untyped questions)
    "typed",
    "entity_miss",  # the question names a partner that no top candidate mentions
    "best_same_language",  # the best candidate is in the question's language
    "max_relevance_same",  # the best relevance among top candidates in the question's language (-5: none)
    "max_relevance_cross",  # ... in the other language (-5: none)
    "max_idf_overlap_same",  # the best word overlap among same-language top candidates
    "best_specificity",  # z above this question's neighbourhood
    "max_specificity",
    "second_prob",  # the runner-up's sentence probability (a lone peak is more telling)
)


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def prob(self, x: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Logistic:
        return cls(
            tuple(d["features"]),
            np.asarray(d["mean"], dtype=np.float64),
            np.asarray(d["scale"], dtype=np.float64),
            np.asarray(d["coef"], dtype=np.float64),
            float(d["intercept"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "logistic",
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
        }


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted regression trees (fitted with scikit-learn), evaluated with numpy alone.

    Nodes of all trees sit in flat arrays; ``roots`` index each tree's first node.
    A sample goes left when its feature value is <= the node's threshold.
    """

    features: tuple[str, ...]
    baseline: float
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # bool
    value: np.ndarray
    depth: int

    def prob(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            step = np.where(go_left, self.left[node], self.right[node])
            node = np.where(self.leaf[node], node, step)
        raw = self.baseline + self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Trees:
        arr = {k: np.asarray(d[k]) for k in ("roots", "feature", "left", "right")}
        return cls(
            tuple(d["features"]),
            float(d["baseline"]),
            arr["roots"].astype(np.int64),
            arr["feature"].astype(np.int64),
            np.asarray(d["threshold"], dtype=np.float64),
            arr["left"].astype(np.int64),
            arr["right"].astype(np.int64),
            np.asarray(d["leaf"], dtype=bool),
            np.asarray(d["value"], dtype=np.float64),
            int(d["depth"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "trees",
            "features": list(self.features),
            "baseline": round(self.baseline, 6),
            "depth": self.depth,
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [round(float(v), 5) for v in self.threshold],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "leaf": [int(v) for v in self.leaf],
            "value": [round(float(v), 5) for v in self.value],
        }


Model = Logistic | Trees


def model_from_dict(d: dict[str, Any]) -> Model:
    return Trees.from_dict(d) if d.get("kind") == "trees" else Logistic.from_dict(d)


@dataclass(frozen=True)
class Scorer:
    sentence: Model
    answerable: Model
    abstain_below: float  # answerable probability under which the chain abstains
    second_ratio: float  # a second sentence joins when its probability is at least this share of the best
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path = SCORER_FILE) -> Scorer:
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            model_from_dict(d["sentence"]),
            model_from_dict(d["answerable"]),
            float(d["abstain_below"]),
            float(d["second_ratio"]),
            d.get("meta", {}),
        )

    def dump(self, path: Path = SCORER_FILE) -> None:
        d = {
            "sentence": self.sentence.to_dict(),
            "answerable": self.answerable.to_dict(),
            "abstain_below": round(self.abstain_below, 4),
            "second_ratio": round(self.second_ratio, 4),
            "meta": self.meta,
        }
        path.write_text(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    return Scorer.load()
