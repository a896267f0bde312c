"""Parameterised practice problems, generated deterministically from a seed.

Each family draws its numbers with ``random.Random(seed)`` (``params``), then
builds the item from those numbers alone (``build``), so a stored id such as
``gen-determinant-2x2-42`` regenerates the identical problem later and a test
can recompute every answer from ``params`` without trusting this module's
arithmetic. Numbers are chosen so answers are well-conditioned and readable.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.features.challenges.bank import TOPICS, ChallengeItem

Params = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """What a family's ``build`` returns: the text and the computed answer."""

    prompt: str
    answer: float
    decimals: int
    format: str
    explanation: str


@dataclass(frozen=True)
class Family:
    """A kind of generated problem: its topic, difficulty and how to draw and build it."""

    name: str
    topic: str
    difficulty: int
    source: str
    draw: Callable[[random.Random], Params]
    build: Callable[[Params], Problem]

    @property
    def step(self) -> str:
        """The roadmap step of this family's topic."""
        return TOPICS[self.topic]

    def params(self, seed: int) -> Params:
        """The numbers of problem ``seed``; the same seed always gives the same numbers."""
        _check_seed(seed)
        return self.draw(random.Random(seed))

    def generate(self, seed: int) -> ChallengeItem:
        """Problem ``seed`` of this family as a validated challenge item."""
        problem = self.build(self.params(seed))
        return ChallengeItem(
            id=f"gen-{self.name}-{seed}",
            topic=self.topic,
            step=self.step,
            difficulty=self.difficulty,
            kind="numeric",
            prompt=problem.prompt,
            answer=_answer_text(problem.answer, problem.decimals),
            tolerance=10.0**-problem.decimals if problem.decimals else 0.01,
            format=problem.format,
            explanation=problem.explanation,
            source=self.source,
        )


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _answer_text(value: float, decimals: int) -> str:
    if decimals == 0:
        return str(round(value))
    rounded = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)


# ---------------------------------------------------------------- formatting


def _n(value: float, decimals: int = 3) -> str:
    """A number for prose: integers plain, others with up to ``decimals`` places."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _matrix(name: str, rows: Sequence[Sequence[float]]) -> list[str]:
    cells = [[_n(value) for value in row] for row in rows]
    width = max(len(cell) for row in cells for cell in row)
    lines = []
    for index, row in enumerate(cells):
        label = f"{name} = " if index == 0 else " " * (len(name) + 3)
        lines.append(label + "[ " + "  ".join(cell.rjust(width) for cell in row) + " ]")
    return lines


def _code(lines: Sequence[str]) -> str:
    return "```\n" + "\n".join(lines) + "\n```"


def _vector(values: Sequence[float]) -> str:
    return "(" + ", ".join(_n(v) for v in values) + ")"


def _signed_terms(terms: Sequence[tuple[float, str]]) -> str:
    """``[(3, 'x²'), (-1, 'xy'), (4, '')]`` -> ``3x² - xy + 4``."""
    text = ""
    for coef, monomial in terms:
        if coef == 0:
            continue
        magnitude = abs(coef)
        body = _n(magnitude) + monomial if magnitude != 1 or not monomial else monomial
        if not text:
            text = ("-" if coef < 0 else "") + body
        else:
            text += (" - " if coef < 0 else " + ") + body
    return text or "0"


def _paren(value: float) -> str:
    return f"({_n(value)})" if value < 0 else _n(value)


# ---------------------------------------------------------------- linear algebra


def _draw_matrix_product(rng: random.Random) -> Params:
    a = [[rng.randint(-3, 5) for _ in range(3)] for _ in range(2)]
    b = [[rng.randint(-3, 5) for _ in range(2)] for _ in range(3)]
    return {"A": a, "B": b, "row": rng.randint(1, 2), "col": rng.randint(1, 2)}


def _build_matrix_product(p: Params) -> Problem:
    a, b, i, j = p["A"], p["B"], p["row"], p["col"]
    row = a[i - 1]
    col = [b[k][j - 1] for k in range(3)]
    value = sum(x * y for x, y in zip(row, col, strict=True))
    terms = " + ".join(f"{_paren(x)}·{_paren(y)}" for x, y in zip(row, col, strict=True))
    prompt = (
        "Let C = AB, where\n"
        + _code([*_matrix("A", a), "", *_matrix("B", b)])
        + f"\nWhat is the entry of C in row {i}, column {j}?"
    )
    explanation = (
        f"Entry ({i}, {j}) of AB is row {i} of A dotted with column {j} of B: "
        f"{terms} = {value}. Every entry of a matrix product is such a dot product, which is why "
        "A's number of columns (3) must equal B's number of rows (3)."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_det2(rng: random.Random) -> Params:
    return {"M": [[rng.randint(-6, 9) for _ in range(2)] for _ in range(2)]}


def _build_det2(p: Params) -> Problem:
    (a, b), (c, d) = p["M"]
    value = a * d - b * c
    prompt = "Compute the determinant of\n" + _code(_matrix("M", p["M"]))
    explanation = (
        f"For a 2×2 matrix, det = ad - bc = {_paren(a)}·{_paren(d)} - {_paren(b)}·{_paren(c)} "
        f"= {a * d} - {_paren(b * c)} = {value}. The determinant is the factor by which the matrix "
        "scales areas; it is 0 exactly when the columns are parallel and the matrix has no inverse."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_det3(rng: random.Random) -> Params:
    return {"M": [[rng.randint(-3, 4) for _ in range(3)] for _ in range(3)]}


def _build_det3(p: Params) -> Problem:
    (a, b, c), (d, e, f), (g, h, i) = p["M"]
    m1, m2, m3 = e * i - f * h, d * i - f * g, d * h - e * g
    value = a * m1 - b * m2 + c * m3
    prompt = (
        "Compute the determinant of\n"
        + _code(_matrix("M", p["M"]))
        + "\n(Expanding along the first row is the quickest way by hand.)"
    )
    explanation = (
        "Expanding along the first row: det = a(ei - fh) - b(di - fg) + c(dh - eg) "
        f"= {_paren(a)}·{_paren(m1)} - {_paren(b)}·{_paren(m2)} + {_paren(c)}·{_paren(m3)} "
        f"= {value}. Mind the alternating signs + - + of the cofactors; forgetting the minus on the "
        "middle term is the classic slip."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_eigen2(rng: random.Random) -> Params:
    while True:
        low, high = sorted(rng.sample(range(-4, 7), 2))
        s, t = rng.randint(-2, 2), rng.randint(-2, 2)
        # P has determinant 1, so A = P·diag(high, low)·P⁻¹ has integer entries.
        p = [[1 + s * t, s], [t, 1]]
        p_inv = [[1, -s], [-t, 1 + s * t]]
        d = [high, low]
        m = [
            [sum(p[r][k] * d[k] * p_inv[k][c] for k in range(2)) for c in range(2)]
            for r in range(2)
        ]
        if max(abs(x) for row in m for x in row) <= 12 and (m[0][1] != 0 or m[1][0] != 0):
            return {"M": m, "which": rng.choice(["larger", "smaller"])}


def _build_eigen2(p: Params) -> Problem:
    (a, b), (c, d) = p["M"]
    trace, det = a + d, a * d - b * c
    root = math.isqrt(trace * trace - 4 * det)
    high, low = (trace + root) // 2, (trace - root) // 2
    value = high if p["which"] == "larger" else low
    prompt = (
        "The matrix\n"
        + _code(_matrix("A", p["M"]))
        + f"\nhas two real eigenvalues. What is the {p['which']} one?"
    )
    explanation = (
        f"The eigenvalues solve λ² - (trace)λ + det = 0, with trace = {a} + {_paren(d)} = {trace} "
        f"and det = {_paren(a)}·{_paren(d)} - {_paren(b)}·{_paren(c)} = {det}. "
        f"So λ = ({trace} ± √{trace * trace - 4 * det})/2 = ({trace} ± {root})/2, giving {high} "
        f"and {low}. A quick check: the eigenvalues always sum to the trace and multiply to the "
        "determinant."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_dot(rng: random.Random) -> Params:
    size = rng.choice([3, 4])
    return {
        "u": [rng.randint(-5, 6) for _ in range(size)],
        "v": [rng.randint(-5, 6) for _ in range(size)],
    }


def _build_dot(p: Params) -> Problem:
    u, v = p["u"], p["v"]
    value = sum(x * y for x, y in zip(u, v, strict=True))
    terms = " + ".join(f"{_paren(x)}·{_paren(y)}" for x, y in zip(u, v, strict=True))
    prompt = f"Compute the dot product u · v for u = {_vector(u)} and v = {_vector(v)}."
    explanation = (
        f"Multiply matching components and add: {terms} = {value}. "
        "The dot product is positive when the vectors point roughly the same way, zero when they "
        "are perpendicular and negative when they point apart."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_cosine(rng: random.Random) -> Params:
    while True:
        u = [rng.randint(-4, 5) for _ in range(3)]
        v = [rng.randint(-4, 5) for _ in range(3)]
        if any(u) and any(v):
            return {"u": u, "v": v}


def _build_cosine(p: Params) -> Problem:
    u, v = p["u"], p["v"]
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    uu, vv = sum(x * x for x in u), sum(y * y for y in v)
    value = dot / math.sqrt(uu * vv)
    prompt = (
        f"Two embedding vectors are u = {_vector(u)} and v = {_vector(v)}. "
        "What is their cosine similarity? (A calculator helps for the square roots.)"
    )
    explanation = (
        f"cos θ = (u · v) / (‖u‖‖v‖). Here u · v = {dot}, ‖u‖ = √{uu} ≈ {_n(math.sqrt(uu))} and "
        f"‖v‖ = √{vv} ≈ {_n(math.sqrt(vv))}, so cos θ ≈ {dot} / {_n(math.sqrt(uu * vv))} ≈ "
        f"{_n(value)}. Cosine similarity ignores length and compares direction only, which is why "
        "it is the usual choice for comparing embeddings."
    )
    return Problem(prompt, value, 3, "a number between -1 and 1, 3 decimals", explanation)


# ---------------------------------------------------------------- calculus


def _draw_gradient(rng: random.Random) -> Params:
    while True:
        coefs = {k: rng.randint(-3, 3) for k in ("a", "b", "c")}
        if any(coefs.values()):
            break
    return {
        **coefs,
        "d": rng.randint(-5, 5),
        "e": rng.randint(-5, 5),
        "x": rng.randint(-3, 3),
        "y": rng.randint(-3, 3),
        "var": rng.choice(["x", "y"]),
    }


def _build_gradient(p: Params) -> Problem:
    a, b, c, d, e, x, y = (p[k] for k in "abcdexy")
    f_text = _signed_terms([(a, "x²"), (b, "xy"), (c, "y²"), (d, "x"), (e, "y")])
    if p["var"] == "x":
        value = 2 * a * x + b * y + d
        rule = f"∂f/∂x = 2·{_paren(a)}·x + {_paren(b)}·y + {_paren(d)}"
        plug = f"2·{_paren(a)}·{_paren(x)} + {_paren(b)}·{_paren(y)} + {_paren(d)}"
        other = "y"
    else:
        value = b * x + 2 * c * y + e
        rule = f"∂f/∂y = {_paren(b)}·x + 2·{_paren(c)}·y + {_paren(e)}"
        plug = f"{_paren(b)}·{_paren(x)} + 2·{_paren(c)}·{_paren(y)} + {_paren(e)}"
        other = "x"
    prompt = (
        f"Let f(x, y) = {f_text}.\n"
        f"What is the {p['var']}-component of the gradient, ∂f/∂{p['var']}, at the point "
        f"({x}, {y})?"
    )
    explanation = (
        f"Differentiate with respect to {p['var']}, treating {other} as a constant: {rule}. "
        f"At ({x}, {y}) that is {plug} = {value}. The gradient stacks these partial derivatives; "
        "gradient descent steps against it."
    )
    return Problem(prompt, value, 0, "an integer", explanation)


def _draw_chain(rng: random.Random) -> Params:
    while True:
        params = {
            "form": rng.choice(["power", "log"]),
            "a": rng.randint(1, 3),
            "b": rng.randint(-3, 3),
            "n": rng.randint(2, 4),
            "x": rng.choice([-2, -1, 1, 2]),
        }
        inner = params["a"] * params["x"] ** 2 + params["b"]
        if params["form"] == "log":
            params["b"] = abs(params["b"]) + 1
            return params
        if (
            inner != 0
            and abs(params["n"] * inner ** (params["n"] - 1) * 2 * params["a"] * params["x"])
            <= 2000
        ):
            return params


def _build_chain(p: Params) -> Problem:
    a, b, n, x = p["a"], p["b"], p["n"], p["x"]
    inner = a * x * x + b
    inner_text = _signed_terms([(a, "x²"), (b, "")])
    if p["form"] == "power":
        outer_slope = n * inner ** (n - 1)
        value = outer_slope * 2 * a * x
        prompt = f"Let h(x) = ({inner_text})^{n}. Using the chain rule, what is h'(x) at x = {x}?"
        explanation = (
            f"With u = {inner_text}, h = u^{n}, so h'(x) = {n}·u^{n - 1}·u'(x) and u'(x) = {2 * a}x. "
            f"At x = {x}: u = {inner}, so h'({x}) = {n}·{_paren(inner)}^{n - 1}·{_paren(2 * a * x)} "
            f"= {value}. The chain rule multiplies the outer derivative (at the inner value) by the "
            "inner derivative; backpropagation is this rule applied layer by layer."
        )
        return Problem(prompt, value, 0, "an integer", explanation)
    value = 2 * a * x / inner
    prompt = (
        f"Let h(x) = ln({inner_text}) (natural log). Using the chain rule, what is h'(x) at "
        f"x = {x}?"
    )
    explanation = (
        f"With u = {inner_text}, h = ln(u), so h'(x) = u'(x)/u = {2 * a}x / ({inner_text}). "
        f"At x = {x}: {_paren(2 * a * x)} / {inner} ≈ {_n(value)}. The chain rule multiplies the "
        "outer derivative (1/u, at the inner value) by the inner derivative; backpropagation is this "
        "rule applied layer by layer."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


# ---------------------------------------------------------------- neural networks and metrics


def _draw_softmax(rng: random.Random) -> Params:
    while True:
        logits = [rng.randint(-2, 3) for _ in range(3)]
        index = rng.randint(1, 3)
        total = sum(math.exp(z) for z in logits)
        if math.exp(logits[index - 1]) / total >= 0.02:
            return {"logits": logits, "index": index}


def _build_softmax(p: Params) -> Problem:
    logits, index = p["logits"], p["index"]
    exps = [math.exp(z) for z in logits]
    total = sum(exps)
    value = exps[index - 1] / total
    prompt = (
        f"A classifier outputs the logits z = {_vector(logits)} for classes 1, 2 and 3. "
        f"What probability does softmax(z) give class {index}? (A calculator helps.)"
    )
    listed = ", ".join(f"e^{_n(z)} ≈ {_n(e)}" for z, e in zip(logits, exps, strict=True))
    explanation = (
        f"softmax(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ. Here {listed}, which sum to ≈ {_n(total)}, so class "
        f"{index} gets {_n(exps[index - 1])} / {_n(total)} ≈ {_n(value)}. Softmax only cares about "
        "differences between logits: adding the same constant to every logit changes nothing."
    )
    return Problem(prompt, value, 3, "a probability between 0 and 1, 3 decimals", explanation)


def _draw_cross_entropy(rng: random.Random) -> Params:
    return {
        "y": [rng.randint(0, 1) for _ in range(3)],
        "p": [rng.randint(1, 9) / 10 for _ in range(3)],
    }


def _build_cross_entropy(p: Params) -> Problem:
    ys, ps = p["y"], p["p"]
    losses = [-math.log(q) if y == 1 else -math.log(1 - q) for y, q in zip(ys, ps, strict=True)]
    value = sum(losses) / len(losses)
    table = ["sample  true label  predicted P(label = 1)"] + [
        f"{i + 1:>6}  {y:>10}  {q:>22}" for i, (y, q) in enumerate(zip(ys, ps, strict=True))
    ]
    prompt = (
        "A binary classifier makes these predictions:\n"
        + _code(table)
        + "\nWhat is the mean binary cross-entropy (log loss), using the natural log?"
    )
    terms = ", ".join(
        f"-ln({_n(q if y == 1 else 1 - q)}) ≈ {_n(loss)}"
        for y, q, loss in zip(ys, ps, losses, strict=True)
    )
    explanation = (
        "Each sample costs -ln of the probability given to its true label: p when the label is 1, "
        f"1 - p when it is 0. The three losses are {terms}, and their mean is ≈ {_n(value)}. "
        "Confident wrong predictions are punished hardest, because -ln(q) grows without bound as q "
        "approaches 0."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


_CONFUSION_SOURCE = (
    "https://developers.google.com/machine-learning/crash-course/classification/"
    "accuracy-precision-recall"
)


def _draw_prf(rng: random.Random) -> Params:
    return {
        "tp": rng.randint(5, 60),
        "fp": rng.randint(1, 30),
        "fn": rng.randint(1, 30),
        "tn": rng.randint(20, 200),
        "metric": rng.choice(["precision", "recall", "F1 score"]),
    }


def _build_prf(p: Params) -> Problem:
    tp, fp, fn, tn, metric = p["tp"], p["fp"], p["fn"], p["tn"], p["metric"]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * tp / (2 * tp + fp + fn)
    table = [
        "              predicted +   predicted -",
        f"actual +      {tp:>11}   {fn:>11}",
        f"actual -      {fp:>11}   {tn:>11}",
    ]
    prompt = (
        "A spam filter is evaluated on a test set (positive = spam):\n"
        + _code(table)
        + f"\nWhat is its {metric} for the spam class?"
    )
    if metric == "precision":
        value = precision
        work = (
            f"Precision = TP / (TP + FP) = {tp} / ({tp} + {fp}) ≈ {_n(value)}: of the mails flagged "
            "as spam, the share that really is spam."
        )
    elif metric == "recall":
        value = recall
        work = (
            f"Recall = TP / (TP + FN) = {tp} / ({tp} + {fn}) ≈ {_n(value)}: of the real spam, the "
            "share the filter caught."
        )
    else:
        value = f1
        work = (
            f"Precision = {tp}/{tp + fp} ≈ {_n(precision)} and recall = {tp}/{tp + fn} ≈ "
            f"{_n(recall)}; F1 = 2PR/(P + R) = 2TP/(2TP + FP + FN) = {2 * tp}/{2 * tp + fp + fn} ≈ "
            f"{_n(value)}."
        )
    explanation = (
        f"{work} The true negatives ({tn}) play no part in precision, recall or F1, which is why "
        "these metrics stay honest when negatives vastly outnumber positives."
    )
    return Problem(prompt, value, 3, "a number between 0 and 1, 3 decimals", explanation)


# ---------------------------------------------------------------- trees


def _entropy_bits(counts: Sequence[int]) -> float:
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def _entropy_terms(counts: Sequence[int]) -> str:
    total = sum(counts)
    return " ".join(f"- {c}/{total}·log₂({c}/{total})" for c in counts if c).removeprefix("- ")


def _draw_node_entropy(rng: random.Random) -> Params:
    return {"counts": [rng.randint(1, 12) for _ in range(rng.choice([2, 3]))]}


def _build_node_entropy(p: Params) -> Problem:
    counts = p["counts"]
    value = _entropy_bits(counts)
    names = ["cat", "dog", "bird"][: len(counts)]
    listed = ", ".join(f"{c} {name}" for c, name in zip(counts, names, strict=True))
    prompt = (
        f"A decision-tree node holds {sum(counts)} training images: {listed}. "
        "What is the entropy of this node's class distribution, in bits (log base 2)?"
    )
    explanation = (
        f"Entropy H = -Σ pᵢ·log₂(pᵢ) = -{_entropy_terms(counts)} ≈ {_n(value)} bits. "
        f"It is 0 for a pure node and largest (log₂ {len(counts)} ≈ {_n(math.log2(len(counts)))}) "
        "when all classes are equally common; trees pick splits that lower it most."
    )
    return Problem(prompt, value, 3, "a number of bits, 3 decimals", explanation)


def _draw_information_gain(rng: random.Random) -> Params:
    while True:
        left = [rng.randint(0, 9), rng.randint(0, 9)]
        right = [rng.randint(0, 9), rng.randint(0, 9)]
        if min(sum(left), sum(right)) < 2:
            continue
        parent = [left[0] + right[0], left[1] + right[1]]
        n = sum(parent)
        gain = _entropy_bits(parent) - (
            sum(left) / n * _entropy_bits(left) + sum(right) / n * _entropy_bits(right)
        )
        if min(parent) > 0 and gain >= 0.02:
            return {"left": left, "right": right}


def _build_information_gain(p: Params) -> Problem:
    left, right = p["left"], p["right"]
    parent = [left[0] + right[0], left[1] + right[1]]
    n, nl, nr = sum(parent), sum(left), sum(right)
    h_parent, h_left, h_right = _entropy_bits(parent), _entropy_bits(left), _entropy_bits(right)
    weighted = nl / n * h_left + nr / n * h_right
    value = h_parent - weighted
    prompt = (
        f"A node holds {parent[0]} churned and {parent[1]} retained customers. Splitting on "
        f'"contract = monthly" sends {left[0]} churned + {left[1]} retained to the left child and '
        f"{right[0]} churned + {right[1]} retained to the right child. "
        "What is the information gain of this split, in bits (log base 2)?"
    )
    explanation = (
        f"Parent entropy H({parent[0]}, {parent[1]}) ≈ {_n(h_parent)} bits; the children have "
        f"H ≈ {_n(h_left)} (left, {nl} samples) and H ≈ {_n(h_right)} (right, {nr} samples). "
        f"Gain = {_n(h_parent)} - ({nl}/{n}·{_n(h_left)} + {nr}/{n}·{_n(h_right)}) ≈ "
        f"{_n(h_parent)} - {_n(weighted)} ≈ {_n(value)} bits. Weight each child by its share of "
        "the samples; averaging the child entropies unweighted is the common mistake."
    )
    return Problem(prompt, value, 3, "a number of bits, 3 decimals", explanation)


# ---------------------------------------------------------------- probability and statistics


def _draw_bayes(rng: random.Random) -> Params:
    return {
        "prevalence": rng.choice([1, 2, 5, 10, 20]),
        "sensitivity": rng.randint(80, 99),
        "specificity": rng.randint(80, 99),
    }


def _build_bayes(p: Params) -> Problem:
    prev, sens, spec = p["prevalence"] / 100, p["sensitivity"] / 100, p["specificity"] / 100
    true_pos = sens * prev
    false_pos = (1 - spec) * (1 - prev)
    value = true_pos / (true_pos + false_pos)
    prompt = (
        f"A fraud detector flags {p['sensitivity']}% of fraudulent transactions (sensitivity) and "
        f"correctly clears {p['specificity']}% of legitimate ones (specificity). "
        f"{p['prevalence']}% of transactions are fraudulent. A transaction is flagged: what is the "
        "probability that it really is fraud?"
    )
    explanation = (
        f"By Bayes' rule, P(fraud | flag) = P(flag | fraud)·P(fraud) / P(flag). "
        f"True flags: {_n(sens)}·{_n(prev)} = {_n(true_pos, 5)}; false flags: "
        f"{_n(1 - spec)}·{_n(1 - prev)} = {_n(false_pos, 5)}; so P ≈ {_n(true_pos, 5)} / "
        f"{_n(true_pos + false_pos, 5)} ≈ {_n(value)}. Reading the sensitivity as the answer "
        "ignores the base rate: when fraud is rare, even a good detector's flags are often false."
    )
    return Problem(
        prompt,
        value,
        3,
        "a probability between 0 and 1, 3 decimals (a percentage like 16.1% also works)",
        explanation,
    )


def _draw_distribution(rng: random.Random) -> Params:
    size = rng.choice([3, 4])
    values = sorted(rng.sample(range(-5, 11), size))
    while True:
        tenths = [rng.randint(1, 7) for _ in range(size - 1)]
        if sum(tenths) <= 9:
            tenths.append(10 - sum(tenths))
            return {"values": values, "tenths": tenths}


def _distribution_table(p: Params) -> str:
    values, probs = p["values"], [t / 10 for t in p["tenths"]]
    width = max(len(_n(v)) for v in [*values, *probs])
    return _code(
        [
            "x      " + "  ".join(_n(v).rjust(width) for v in values),
            "P(x)   " + "  ".join(_n(q).rjust(width) for q in probs),
        ]
    )


def _build_expectation(p: Params) -> Problem:
    values, probs = p["values"], [t / 10 for t in p["tenths"]]
    value = sum(x * q for x, q in zip(values, probs, strict=True))
    prompt = (
        "A random variable X (say, the profit in € of one ad impression) has this distribution:\n"
        + _distribution_table(p)
        + "\nWhat is the expected value E[X]?"
    )
    terms = " + ".join(f"{_paren(x)}·{_n(q)}" for x, q in zip(values, probs, strict=True))
    explanation = (
        f"E[X] = Σ x·P(x) = {terms} = {_n(value)}. The expected value is a probability-weighted "
        "average, so it need not be one of the values X can take; the plain mean of the values "
        "would ignore the probabilities."
    )
    return Problem(prompt, value, 2, "a number, 2 decimals", explanation)


def _build_variance(p: Params) -> Problem:
    values, probs = p["values"], [t / 10 for t in p["tenths"]]
    mean = sum(x * q for x, q in zip(values, probs, strict=True))
    second = sum(x * x * q for x, q in zip(values, probs, strict=True))
    value = second - mean * mean
    prompt = (
        "A random variable X has this distribution:\n"
        + _distribution_table(p)
        + "\nWhat is its variance Var(X)?"
    )
    explanation = (
        f"Var(X) = E[X²] - (E[X])². Here E[X] = Σ x·P(x) = {_n(mean)} and E[X²] = Σ x²·P(x) = "
        f"{_n(second)}, so Var(X) = {_n(second)} - {_paren(mean)}² = {_n(value)}. "
        "Squaring the mean before subtracting is essential: E[X²] - E[X] is a different (and "
        "meaningless) number."
    )
    return Problem(prompt, value, 2, "a number, 2 decimals", explanation)


def _draw_binomial(rng: random.Random) -> Params:
    while True:
        n = rng.randint(4, 10)
        p = rng.randint(1, 9) / 10
        k = rng.randint(0, n)
        if math.comb(n, k) * p**k * (1 - p) ** (n - k) >= 0.02:
            return {"n": n, "p": p, "k": k}


def _build_binomial(p: Params) -> Problem:
    n, q, k = p["n"], p["p"], p["k"]
    ways = math.comb(n, k)
    value = ways * q**k * (1 - q) ** (n - k)
    prompt = (
        f"Each of {n} independent A/B-test visitors converts with probability {_n(q)}. "
        f"What is the probability that exactly {k} of them convert?"
    )
    explanation = (
        f"The count is Binomial(n = {n}, p = {_n(q)}), so P(X = {k}) = C({n}, {k})·p^{k}·"
        f"(1 - p)^{n - k} = {ways}·{_n(q)}^{k}·{_n(1 - q)}^{n - k} ≈ {_n(value)}. "
        f"The C({n}, {k}) = {ways} factor counts which visitors convert; leaving it out gives the "
        "probability of one particular sequence only."
    )
    return Problem(prompt, value, 3, "a probability between 0 and 1, 3 decimals", explanation)


def _draw_zscore(rng: random.Random) -> Params:
    mean = rng.randint(40, 120)
    sd = rng.randint(3, 15)
    while True:
        x = rng.randint(mean - 3 * sd, mean + 3 * sd)
        if x != mean:
            return {"mean": mean, "sd": sd, "x": x}


def _build_zscore(p: Params) -> Problem:
    mean, sd, x = p["mean"], p["sd"], p["x"]
    value = (x - mean) / sd
    prompt = (
        f"API response times have mean {mean} ms and standard deviation {sd} ms. "
        f"What is the z-score of a request that took {x} ms?"
    )
    explanation = (
        f"z = (x - μ) / σ = ({x} - {mean}) / {sd} = {x - mean} / {sd} ≈ {_n(value, 2)}. "
        "A z-score counts standard deviations from the mean, so it is comparable across "
        "features measured in different units — the idea behind standardising inputs."
    )
    return Problem(prompt, value, 2, "a number, 2 decimals", explanation)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _draw_normal_tail(rng: random.Random) -> Params:
    quarters = rng.choice([q for q in range(-8, 9) if q != 0])
    sd = rng.choice([4, 8, 12, 16, 20])
    mean = rng.randint(50, 150)
    return {
        "mean": mean,
        "sd": sd,
        "x": mean + quarters * sd // 4,
        "side": rng.choice(["above", "below"]),
    }


def _build_normal_tail(p: Params) -> Problem:
    mean, sd, x, side = p["mean"], p["sd"], p["x"], p["side"]
    z = (x - mean) / sd
    below = _normal_cdf(z)
    value = 1 - below if side == "above" else below
    prompt = (
        f"Daily sign-ups are roughly normal with mean {mean} and standard deviation {sd}. "
        f"What is the probability that a day has {'more' if side == 'above' else 'fewer'} than "
        f"{x} sign-ups? "
        "(Use a z-table or a calculator.)"
    )
    tail = f"1 - Φ({_n(z, 2)}) = 1 - {_n(below, 4)}" if side == "above" else f"Φ({_n(z, 2)})"
    explanation = (
        f"Standardise first: z = ({x} - {mean}) / {sd} = {_n(z, 2)}. Then P = {tail} ≈ "
        f"{_n(value)}, where Φ is the standard normal CDF. A z-table gives the area below z; for "
        "'above' take the complement."
    )
    return Problem(
        prompt,
        value,
        3,
        "a probability between 0 and 1, 3 decimals (a percentage like 15.9% also works)",
        explanation,
    )


# ---------------------------------------------------------------- optimisation and models


def _draw_gd_step(rng: random.Random) -> Params:
    while True:
        a = rng.randint(1, 4)
        lr = rng.choice([0.01, 0.05, 0.1, 0.125, 0.2, 0.25])
        c, w = rng.randint(-3, 5), rng.randint(-4, 6)
        if w != c and 2 * a * lr <= 1:
            return {"a": a, "c": c, "w": w, "lr": lr}


def _build_gd_step(p: Params) -> Problem:
    a, c, w, lr = p["a"], p["c"], p["w"], p["lr"]
    slope = 2 * a * (w - c)
    value = w - lr * slope
    shifted = "w" if c == 0 else f"w - {c}" if c > 0 else f"w + {-c}"
    loss_text = f"({shifted})²" if a == 1 else f"{a}({shifted})²"
    prompt = (
        f"You minimise L(w) = {loss_text} by gradient descent with learning rate η = {_n(lr)}. "
        f"The current weight is w = {w}. What is w after one gradient-descent step?"
    )
    explanation = (
        f"The gradient is L'(w) = {2 * a}({shifted}), which at w = {w} is {slope}. "
        f"The update is w ← w - η·L'(w) = {w} - {_n(lr)}·{_paren(slope)} = {_n(value)}. "
        f"The step moves w toward the minimum at w = {c}; a learning rate that is too large would "
        "overshoot it."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


def _draw_regression(rng: random.Random) -> Params:
    size = rng.choice([4, 5])
    xs = sorted(rng.sample(range(0, 10), size))
    beta = rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2])
    intercept = rng.randint(-3, 6)
    ys = [round(intercept + beta * x + rng.randint(-2, 2)) for x in xs]
    return {"x": xs, "y": ys}


def _build_regression(p: Params) -> Problem:
    xs, ys = p["x"], p["y"]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    value = sxy / sxx
    width = max(len(str(v)) for v in [*xs, *ys])
    prompt = (
        "Fit a least-squares line y = b₀ + b₁x to these points:\n"
        + _code(
            [
                "x   " + "  ".join(str(v).rjust(width) for v in xs),
                "y   " + "  ".join(str(v).rjust(width) for v in ys),
            ]
        )
        + "\nWhat is the slope b₁?"
    )
    explanation = (
        f"b₁ = Σ(x - x̄)(y - ȳ) / Σ(x - x̄)², with x̄ = {_n(mx)} and ȳ = {_n(my)}. "
        f"Here Σ(x - x̄)(y - ȳ) = {_n(sxy)} and Σ(x - x̄)² = {_n(sxx)}, so b₁ = {_n(sxy)} / "
        f"{_n(sxx)} ≈ {_n(value)}. The slope is the covariance of x and y divided by the variance "
        "of x; the intercept then follows from b₀ = ȳ - b₁x̄."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


def _draw_l2_loss(rng: random.Random) -> Params:
    halves = [h / 2 for h in range(-4, 5) if h != 0]
    return {
        "w": [rng.choice(halves), rng.choice(halves)],
        "lam": rng.choice([0.01, 0.1, 0.5, 1.0]),
        "x": [[rng.randint(-2, 3), rng.randint(-2, 3)] for _ in range(3)],
        "y": [rng.randint(-4, 6) for _ in range(3)],
    }


def _build_l2_loss(p: Params) -> Problem:
    w, lam, xs, ys = p["w"], p["lam"], p["x"], p["y"]
    preds = [w[0] * x1 + w[1] * x2 for x1, x2 in xs]
    residuals = [y - pred for y, pred in zip(ys, preds, strict=True)]
    mse = sum(r * r for r in residuals) / len(residuals)
    penalty = lam * (w[0] ** 2 + w[1] ** 2)
    value = mse + penalty
    table = ["x₁   x₂    y"] + [
        f"{x1:>2}  {x2:>3}  {y:>3}" for (x1, x2), y in zip(xs, ys, strict=True)
    ]
    prompt = (
        f"A linear model without intercept, ŷ = w₁x₁ + w₂x₂, has weights w = {_vector(w)}. "
        "Its ridge (L2-regularised) loss is\n"
        "L = (1/n)·Σ(y - ŷ)² + λ(w₁² + w₂²), with λ = "
        f"{_n(lam)}. The data:\n" + _code(table) + "\nWhat is L?"
    )
    explanation = (
        f"Predictions ŷ = {_vector(preds)}, residuals y - ŷ = {_vector(residuals)}, so the mean "
        f"squared error is {_n(mse)}. The penalty is {_n(lam)}·({_paren(w[0])}² + {_paren(w[1])}²) = "
        f"{_n(penalty)}, giving L = {_n(mse)} + {_n(penalty)} = {_n(value)}. The penalty grows "
        "with the weights, which is how L2 regularisation pulls a model toward simpler fits."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


# ---------------------------------------------------------------- registry

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("matrix-product-entry", "linear-algebra", 2,
               "https://www.3blue1brown.com/lessons/matrix-multiplication",
               _draw_matrix_product, _build_matrix_product),
        Family("determinant-2x2", "linear-algebra", 1,
               "https://www.3blue1brown.com/lessons/determinant", _draw_det2, _build_det2),
        Family("determinant-3x3", "linear-algebra", 3,
               "https://www.3blue1brown.com/lessons/determinant", _draw_det3, _build_det3),
        Family("eigenvalues-2x2", "linear-algebra", 3,
               "https://www.3blue1brown.com/lessons/eigenvalues", _draw_eigen2, _build_eigen2),
        Family("dot-product", "linear-algebra", 1,
               "https://www.3blue1brown.com/lessons/dot-products", _draw_dot, _build_dot),
        Family("cosine-similarity", "linear-algebra", 2,
               "https://scikit-learn.org/stable/modules/metrics.html#cosine-similarity",
               _draw_cosine, _build_cosine),
        Family("gradient-polynomial", "calculus", 2,
               "https://www.khanacademy.org/math/multivariable-calculus/multivariable-derivatives",
               _draw_gradient, _build_gradient),
        Family("chain-rule", "calculus", 3,
               "https://www.3blue1brown.com/lessons/chain-rule-and-product-rule",
               _draw_chain, _build_chain),
        Family("softmax-component", "neural-networks", 2,
               "https://d2l.ai/chapter_linear-classification/softmax-regression.html",
               _draw_softmax, _build_softmax),
        Family("cross-entropy", "metrics", 3,
               "https://scikit-learn.org/stable/modules/model_evaluation.html#log-loss",
               _draw_cross_entropy, _build_cross_entropy),
        Family("precision-recall-f1", "metrics", 2, _CONFUSION_SOURCE, _draw_prf, _build_prf),
        Family("node-entropy", "trees-ensembles", 2,
               "https://scikit-learn.org/stable/modules/tree.html#classification-criteria",
               _draw_node_entropy, _build_node_entropy),
        Family("information-gain", "trees-ensembles", 4,
               "https://scikit-learn.org/stable/modules/tree.html#classification-criteria",
               _draw_information_gain, _build_information_gain),
        Family("bayes-test", "probability", 3,
               "https://seeing-theory.brown.edu/bayesian-inference/index.html",
               _draw_bayes, _build_bayes),
        Family("expected-value", "probability", 2,
               "https://seeing-theory.brown.edu/basic-probability/index.html",
               _draw_distribution, _build_expectation),
        Family("discrete-variance", "statistics", 2,
               "https://seeing-theory.brown.edu/basic-probability/index.html",
               _draw_distribution, _build_variance),
        Family("binomial-probability", "probability", 3,
               "https://seeing-theory.brown.edu/probability-distributions/index.html",
               _draw_binomial, _build_binomial),
        Family("z-score", "statistics", 1,
               "https://www.khanacademy.org/math/statistics-probability/modeling-distributions-of-data",
               _draw_zscore, _build_zscore),
        Family("normal-tail", "statistics", 3,
               "https://www.khanacademy.org/math/statistics-probability/modeling-distributions-of-data",
               _draw_normal_tail, _build_normal_tail),
        Family("gradient-descent-step", "optimization", 2,
               "https://developers.google.com/machine-learning/crash-course/linear-regression/gradient-descent",
               _draw_gd_step, _build_gd_step),
        Family("linear-regression-slope", "linear-models", 3,
               "https://www.statlearning.com/", _draw_regression, _build_regression),
        Family("l2-regularized-loss", "regularization", 3,
               "https://developers.google.com/machine-learning/crash-course/overfitting/regularization",
               _draw_l2_loss, _build_l2_loss),
    )
}  # fmt: skip

_GENERATED_ID_RE = re.compile(r"^gen-([a-z0-9-]+)-(\d+)$")


def generate(family: str, seed: int) -> ChallengeItem:
    """Problem ``seed`` of ``family``; raises ``KeyError`` for an unknown family."""
    try:
        chosen = FAMILIES[family]
    except KeyError:
        raise KeyError(f"unknown problem family {family!r}") from None
    return chosen.generate(seed)


def parse_generated_id(item_id: str) -> tuple[str, int]:
    """Split ``gen-<family>-<seed>`` back into its family and seed, to regenerate the item."""
    match = _GENERATED_ID_RE.match(item_id)
    if not match or match.group(1) not in FAMILIES:
        raise ValueError(f"{item_id!r} is not the id of a generated problem")
    return match.group(1), int(match.group(2))
