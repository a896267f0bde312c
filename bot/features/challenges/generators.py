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

from bot.features.challenges.bank import TOPICS, ChallengeItem, fixed_decimals

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
            answer=_fx(problem.answer, problem.decimals),
            # Grading uses half a unit of the format's decimals around `exact`; integers are exact.
            tolerance=0.5 * 10.0**-problem.decimals if problem.decimals else 0.0,
            exact=float(problem.answer),
            format=problem.format,
            explanation=problem.explanation,
            source=self.source,
            hint=HINTS.get(self.name),
        )


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _fx(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` places, trailing zeros kept ("0.250"), never "-0.000"."""
    return str(round(value)) if decimals == 0 else fixed_decimals(value, decimals)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _sup(power: int) -> str:
    """An integer exponent as superscript, the way the bank writes x²: 3 → "³"."""
    return str(power).translate(_SUPERSCRIPTS)


def _power(base: str, power: int) -> str:
    """``base`` raised to ``power``, written without a needless ¹."""
    return base if power == 1 else base + _sup(power)


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
        f"{_fx(value, 3)}. Cosine similarity ignores length and compares direction only, which is why "
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
        rule = "∂f/∂x = " + _signed_terms([(2 * a, "x"), (b, "y"), (d, "")])
        plug = f"2·{_paren(a)}·{_paren(x)} + {_paren(b)}·{_paren(y)} + {_paren(d)}"
        other = "y"
    else:
        value = b * x + 2 * c * y + e
        rule = "∂f/∂y = " + _signed_terms([(b, "x"), (2 * c, "y"), (e, "")])
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
        params: Params = {
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
        prompt = (
            f"Let h(x) = {_power(f'({inner_text})', n)}. Using the chain rule, what is h'(x) at "
            f"x = {x}?"
        )
        explanation = (
            f"With u = {inner_text}, h = {_power('u', n)}, so h'(x) = {n}·{_power('u', n - 1)}·u'(x) "
            f"and u'(x) = {2 * a}x. At x = {x}: u = {inner}, so h'({x}) = "
            f"{n}·{_power(f'({inner})', n - 1)}·{_paren(2 * a * x)} "
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
        f"At x = {x}: {_paren(2 * a * x)} / {inner} ≈ {_fx(value, 3)}. The chain rule multiplies the "
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
    listed = ", ".join(f"exp({_n(z)}) ≈ {_n(e)}" for z, e in zip(logits, exps, strict=True))
    explanation = (
        f"softmax(z)ᵢ = exp(zᵢ) / Σⱼ exp(zⱼ). Here {listed}, which sum to ≈ {_n(total)}, so class "
        f"{index} gets {_n(exps[index - 1])} / {_n(total)} ≈ {_fx(value, 3)}. Softmax only cares about "
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
        f"1 - p when it is 0. The three losses are {terms}, and their mean is ≈ {_fx(value, 3)}. "
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
            f"Precision = TP / (TP + FP) = {tp} / ({tp} + {fp}) ≈ {_fx(value, 3)}: of the mails flagged "
            "as spam, the share that really is spam."
        )
    elif metric == "recall":
        value = recall
        work = (
            f"Recall = TP / (TP + FN) = {tp} / ({tp} + {fn}) ≈ {_fx(value, 3)}: of the real spam, the "
            "share the filter caught."
        )
    else:
        value = f1
        work = (
            f"Precision = {tp}/{tp + fp} ≈ {_n(precision)} and recall = {tp}/{tp + fn} ≈ "
            f"{_n(recall)}; F1 = 2PR/(P + R) = 2TP/(2TP + FP + FN) = {2 * tp}/{2 * tp + fp + fn} ≈ "
            f"{_fx(value, 3)}."
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
        f"Entropy H = -Σ pᵢ·log₂(pᵢ) = -{_entropy_terms(counts)} ≈ {_fx(value, 3)} bits. "
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
        f"{_n(h_parent)} - {_n(weighted)} ≈ {_fx(value, 3)} bits. Weight each child by its share of "
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
        f"{_n(true_pos + false_pos, 5)} ≈ {_fx(value, 3)}. Reading the sensitivity as the answer "
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
        f"E[X] = Σ x·P(x) = {terms} = {_fx(value, 2)}. The expected value is a probability-weighted "
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
        f"{_n(second)}, so Var(X) = {_n(second)} - {_paren(mean)}² = {_fx(value, 2)}. "
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
        f"The count is Binomial(n = {n}, p = {_n(q)}), so P(X = {k}) = C({n}, {k})·"
        f"{_power('p', k)}·{_power('(1 - p)', n - k)} = "
        f"{ways}·{_power(_n(q), k)}·{_power(_n(1 - q), n - k)} ≈ "
        f"{_fx(value, 3)}. "
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
        f"z = (x - μ) / σ = ({x} - {mean}) / {sd} = {x - mean} / {sd} ≈ {_fx(value, 2)}. "
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
        f"Page load times are roughly normal with mean {mean} ms and standard deviation {sd} ms. "
        f"What is the probability that a page load takes {'longer' if side == 'above' else 'less'}"
        f" than {x} ms? (Use a z-table or a calculator.)"
    )
    tail = f"1 - Φ({_n(z, 2)}) = 1 - {_n(below, 4)}" if side == "above" else f"Φ({_n(z, 2)})"
    explanation = (
        f"Standardise first: z = ({x} - {mean}) / {sd} = {_n(z, 2)}. Then P = {tail} ≈ "
        f"{_fx(value, 3)}, where Φ is the standard normal CDF. A z-table gives the area below z; for "
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
    squared = "w²" if c == 0 else f"({shifted})²"
    loss_text = squared if a == 1 else f"{a}{squared}"
    slope_text = f"{2 * a}w" if c == 0 else f"{2 * a}({shifted})"
    prompt = (
        f"You minimise L(w) = {loss_text} by gradient descent with learning rate η = {_n(lr)}. "
        f"The current weight is w = {w}. What is w after one gradient-descent step?"
    )
    explanation = (
        f"The gradient is L'(w) = {slope_text}, which at w = {w} is {slope}. "
        f"The update is w ← w - η·L'(w) = {w} - {_n(lr)}·{_paren(slope)} = {_fx(value, 3)}. "
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
        f"{_n(sxx)} ≈ {_fx(value, 3)}. The slope is the covariance of x and y divided by the variance "
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
        f"{_n(penalty)}, giving L = {_n(mse)} + {_n(penalty)} = {_fx(value, 3)}. The penalty grows "
        "with the weights, which is how L2 regularisation pulls a model toward simpler fits."
    )
    return Problem(prompt, value, 3, "a number, 3 decimals", explanation)


# ---------------------------------------------------------------- deep learning: sizes and costs


def _draw_dense_params(rng: random.Random) -> Params:
    sizes = [rng.choice([20, 32, 50, 64, 100, 784])]
    for _ in range(rng.choice([1, 2])):
        sizes.append(rng.choice([16, 32, 64, 128, 256]))
    sizes.append(rng.choice([1, 2, 3, 10]))
    return {"sizes": sizes}


def _build_dense_params(p: Params) -> Problem:
    sizes = p["sizes"]
    pairs = list(zip(sizes, sizes[1:], strict=False))
    counts = [a * b + b for a, b in pairs]
    value = sum(counts)
    layers = ",\n".join(f"    nn.Linear({a}, {b}), nn.ReLU()" for a, b in pairs[:-1])
    last = f"    nn.Linear({pairs[-1][0]}, {pairs[-1][1]}),"
    code = ["model = nn.Sequential(", *([layers + ","] if layers else []), last, ")"]
    prompt = (
        "How many trainable parameters does this PyTorch model have?\n"
        + _code(code)
        + "\n(`nn.Linear` has a bias by default.)"
    )
    terms = " + ".join(f"({a}·{b} + {b})" for a, b in pairs)
    explanation = (
        f"Each nn.Linear(a, b) holds an a×b weight matrix plus b biases: {terms} = {value}. "
        f"Forgetting the biases gives {sum(a * b for a, b in pairs)}, and ReLU layers have no "
        "parameters at all. The same count is what `sum(p.numel() for p in model.parameters())` "
        "prints."
    )
    return Problem(prompt, value, 0, "a whole number of parameters", explanation)


def _draw_conv_params(rng: random.Random) -> Params:
    return {
        "c_in": rng.choice([1, 3, 16, 32, 64]),
        "c_out": rng.choice([8, 16, 32, 64, 128]),
        "k": rng.choice([1, 3, 5, 7]),
        "bias": rng.random() < 0.7,
        "size": rng.choice([28, 32, 64, 224]),
    }


def _build_conv_params(p: Params) -> Problem:
    c_in, c_out, k, bias, size = p["c_in"], p["c_out"], p["k"], p["bias"], p["size"]
    weights = k * k * c_in * c_out
    value = weights + (c_out if bias else 0)
    call = f"nn.Conv2d({c_in}, {c_out}, kernel_size={k}" + ("" if bias else ", bias=False") + ")"
    prompt = (
        f"A batch of {size}×{size} images with {c_in} channel{'s' if c_in > 1 else ''} goes "
        f"through `{call}`. How many trainable parameters does this layer have?"
    )
    bias_text = f" + {c_out} biases = {value}" if bias else " (no bias)"
    explanation = (
        f"Each of the {c_out} filters is {k}×{k}×{c_in}, so the weights number "
        f"{k}·{k}·{c_in}·{c_out} = {weights}{bias_text}. The image size ({size}×{size}) does not "
        "appear: the same filters slide over every position, which is why convolutions need far "
        "fewer parameters than a dense layer on the same input."
    )
    return Problem(prompt, value, 0, "a whole number of parameters", explanation)


def _draw_attention_params(rng: random.Random) -> Params:
    d = rng.choice([64, 96, 128, 192, 256, 384, 512, 640, 768, 1024, 1280, 2048])
    heads = rng.choice([h for h in (2, 4, 8, 12, 16) if d % h == 0])
    return {"d": d, "heads": heads, "bias": rng.random() < 0.6}


def _build_attention_params(p: Params) -> Problem:
    d, heads, bias = p["d"], p["heads"], p["bias"]
    per = d * d + (d if bias else 0)
    value = 4 * per
    prompt = (
        f"A multi-head self-attention layer has d_model = {d} and {heads} heads. It has four "
        f"projections (query, key, value and output), each a Linear({d}, {d}) "
        + ("with a bias" if bias else "without a bias")
        + ". How many trainable parameters does the layer have?"
    )
    each = f"{d}·{d} + {d} = {per}" if bias else f"{d}·{d} = {per}"
    explanation = (
        f"Each projection has {each} parameters, and there are four of them: 4·{per} = {value}. "
        f"The {heads} heads only split the {d} dimensions into {heads} slices of {d // heads}; "
        "they add no parameters, so the count is 4·d² (plus 4·d biases) whatever the head count."
    )
    return Problem(prompt, value, 0, "a whole number of parameters", explanation)


def _draw_conv_output(rng: random.Random) -> Params:
    while True:
        params = {
            "size": rng.choice([28, 32, 64, 100, 128, 224]),
            "k": rng.choice([1, 3, 5, 7]),
            "stride": rng.choice([1, 2, 2, 3]),
            "pad": rng.choice([0, 1, 2, 3]),
        }
        if params["size"] + 2 * params["pad"] >= params["k"]:
            return params


def _build_conv_output(p: Params) -> Problem:
    size, k, stride, pad = p["size"], p["k"], p["stride"], p["pad"]
    span = size + 2 * pad - k
    value = span // stride + 1
    prompt = (
        f"A {size}×{size} feature map goes through `nn.Conv2d(16, 32, kernel_size={k}, "
        f"stride={stride}, padding={pad})`. What is the height of the output feature map?"
    )
    floor_note = f"; {span}/{stride} is not whole, so it is rounded down" if span % stride else ""
    explanation = (
        f"Output size = ⌊(W + 2P - K) / S⌋ + 1 = ⌊({size} + 2·{pad} - {k}) / {stride}⌋ + 1 = "
        f"⌊{span}/{stride}⌋ + 1 = {value}{floor_note}. The channel counts (16 in, 32 out) only set "
        "the depth of the output, never its height or width."
    )
    return Problem(prompt, value, 0, "a whole number of pixels", explanation)


_PRECISION_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}


def _draw_attention_memory(rng: random.Random) -> Params:
    return {
        "batch": rng.choice([1, 2, 4, 8, 16]),
        "heads": rng.choice([8, 12, 16, 32]),
        "n": rng.choice([512, 1024, 2048, 4096]),
        "dtype": rng.choice(["fp32", "fp16", "bf16"]),
    }


def _build_attention_memory(p: Params) -> Problem:
    batch, heads, n, dtype = p["batch"], p["heads"], p["n"], p["dtype"]
    size = _PRECISION_BYTES[dtype]
    entries = batch * heads * n * n
    value = entries * size / 2**20
    prompt = (
        f"In a transformer layer, the attention weights softmax(QKᵀ/√d) form one n×n matrix per "
        f"head and per sequence. With batch size {batch}, {heads} heads and sequences of "
        f"n = {n} tokens stored in {dtype} ({_n(size)} bytes per number), how many MiB "
        "(1 MiB = 2²⁰ bytes) does one layer's attention-weight tensor take?"
    )
    explanation = (
        f"The tensor holds batch·heads·n² = {batch}·{heads}·{n}² = {entries} numbers of {_n(size)} "
        f"bytes, i.e. {entries * size:.0f} bytes = {_fx(value, 0)} MiB. It grows with the square "
        "of the sequence length: doubling the context quadruples it, which is why long contexts "
        "need memory-efficient attention kernels that never store the whole matrix."
    )
    return Problem(prompt, value, 0, "a whole number of MiB", explanation)


def _draw_attention_flops(rng: random.Random) -> Params:
    d = rng.choice([256, 512, 768, 1024, 2048])
    return {
        "n": rng.choice([128, 256, 512, 1000, 1024, 2048, 4096]),
        "d": d,
        "heads": rng.choice([h for h in (4, 8, 12, 16) if d % h == 0]),
    }


def _build_attention_flops(p: Params) -> Problem:
    n, d, heads = p["n"], p["d"], p["heads"]
    head_dim = d // heads
    per_matmul = 2 * n * n * d
    value = 2 * per_matmul / 1e9
    prompt = (
        f"One self-attention layer processes a sequence of n = {n} tokens with d_model = {d} "
        f"split over {heads} heads (head size {head_dim}). Counting a multiply-add as 2 FLOPs, how "
        "many GFLOPs (10⁹ FLOPs) do the two attention matrix products take together: the scores "
        "QKᵀ and the weighted sum of V? Ignore the projections and the softmax."
    )
    explanation = (
        f"Per head, QKᵀ multiplies ({n}×{head_dim})·({head_dim}×{n}): 2·{n}²·{head_dim} FLOPs; "
        f"over {heads} heads that is 2·n²·d = {per_matmul} FLOPs, and the product with V costs the "
        f"same. Together 4·n²·d = {2 * per_matmul} FLOPs ≈ {_fx(value, 2)} GFLOPs. The n² term is "
        "why attention, not the projections, dominates the cost once n grows past d."
    )
    return Problem(prompt, value, 2, "GFLOPs, 2 decimals", explanation)


def _draw_model_memory(rng: random.Random) -> Params:
    training = rng.random() < 0.3
    return {
        "billions": rng.choice([0.5, 1, 1.3, 1.5, 2, 3, 7, 8, 13, 14, 34, 40, 70, 405]),
        "dtype": "fp32" if training else rng.choice(list(_PRECISION_BYTES)),
        "training": training,
    }


def _build_model_memory(p: Params) -> Problem:
    billions, dtype, training = p["billions"], p["dtype"], p["training"]
    if training:
        per: float = 16
        value = billions * per
        prompt = (
            f"You fine-tune every weight of a {_n(billions)}-billion-parameter model in fp32 with "
            "the Adam optimizer. Counting the weights, their gradients and Adam's two moment "
            "estimates (all fp32), and nothing else, how many GB (10⁹ bytes) does that take?"
        )
        explanation = (
            "Each parameter needs 4 bytes for the weight, 4 for its gradient and 4 + 4 for Adam's "
            f"first and second moments: 16 bytes. {_n(billions)}·10⁹ · 16 bytes = "
            f"{_fx(value, 2)} GB, before activations. Training needs several times the memory "
            "of inference, which is why adapters such as LoRA train only a small set of weights."
        )
    else:
        per = _PRECISION_BYTES[dtype]
        value = billions * per
        prompt = (
            f"A language model has {_n(billions)} billion parameters. How many GB (10⁹ bytes) do "
            f"its weights alone take when stored in {dtype}?"
        )
        explanation = (
            f"{dtype} stores each parameter in {_n(per)} byte{'s' if per != 1 else ''}, so the "
            f"weights take {_n(billions)}·10⁹ · {_n(per)} bytes = {_fx(value, 2)} GB. Halving "
            "the bits halves the memory: fp32 uses 4 bytes, fp16 and bf16 2, int8 1 and int4 half "
            "a byte, and activations and the KV cache come on top."
        )
    return Problem(prompt, value, 2, "GB, 2 decimals", explanation)


# ---------------------------------------------------------------- experiments and evaluation

_Z_POWER = {80: 0.84, 90: 1.28}


def _ab_sample_size(p1: float, p2: float, power: int) -> float:
    spread = p1 * (1 - p1) + p2 * (1 - p2)
    return (1.96 + _Z_POWER[power]) ** 2 * spread / (p2 - p1) ** 2


def _draw_ab_sample_size(rng: random.Random) -> Params:
    while True:
        base = rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30])
        lift = rng.choice([1, 2, 3, 4, 5])
        params = {"base": base, "target": base + lift, "power": rng.choice([80, 90])}
        raw = _ab_sample_size(base / 100, (base + lift) / 100, params["power"])
        if 0.01 < raw - math.floor(raw) < 0.99:  # no answer sits on a rounding knife-edge
            return params


def _build_ab_sample_size(p: Params) -> Problem:
    p1, p2, power = p["base"] / 100, p["target"] / 100, p["power"]
    z_beta = _Z_POWER[power]
    spread = p1 * (1 - p1) + p2 * (1 - p2)
    raw = _ab_sample_size(p1, p2, power)
    value = math.ceil(raw)
    prompt = (
        f"Checkout converts {p['base']}% of visitors. You want an A/B test to detect a lift to "
        f"{p['target']}% with a two-sided α = 0.05 (z = 1.96) and {power}% power (z = {z_beta}). "
        "Using n = (z_α/2 + z_β)²·(p₁(1 - p₁) + p₂(1 - p₂)) / (p₂ - p₁)², how many visitors "
        "does each group need? Round up. (A calculator helps.)"
    )
    explanation = (
        f"(1.96 + {z_beta})² = {_n((1.96 + z_beta) ** 2, 4)}, the variance term is "
        f"{_n(p1)}·{_n(1 - p1)} + {_n(p2)}·{_n(1 - p2)} = {_n(spread, 4)} and the effect² is "
        f"{_n(p2 - p1)}² = {_n((p2 - p1) ** 2, 6)}, so n ≈ {_n(raw, 1)}, rounded up to {value}. "
        "The effect enters squared: halving the lift you want to detect quadruples the sample."
    )
    return Problem(prompt, value, 0, "a whole number of visitors per group", explanation)


def _draw_ab_power(rng: random.Random) -> Params:
    while True:
        base = rng.choice([3, 4, 5, 6, 8, 10, 12, 15, 20, 25])
        lift = rng.choice([1, 2, 3, 4])
        n = rng.choice([500, 1000, 1500, 2000, 3000, 4000, 5000, 8000, 10000, 20000])
        params = {"base": base, "target": base + lift, "n": n}
        if 0.1 < _ab_power(params) < 0.99:
            return params


def _ab_power(p: Params) -> float:
    p1, p2, n = p["base"] / 100, p["target"] / 100, p["n"]
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    return _normal_cdf(abs(p2 - p1) / se - 1.96)


def _build_ab_power(p: Params) -> Problem:
    p1, p2, n = p["base"] / 100, p["target"] / 100, p["n"]
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    z = abs(p2 - p1) / se
    value = _ab_power(p)
    prompt = (
        f"An A/B test puts n = {n} visitors in each group. Control converts {p['base']}%; the "
        f"variant truly converts {p['target']}%. With a two-sided α = 0.05 (z = 1.96), what is the "
        "test's power, approximately Φ(|p₂ - p₁| / SE - 1.96) with "
        "SE = √((p₁(1 - p₁) + p₂(1 - p₂)) / n)? (A calculator helps.)"
    )
    explanation = (
        f"SE = √(({_n(p1)}·{_n(1 - p1)} + {_n(p2)}·{_n(1 - p2)}) / {n}) ≈ {_n(se, 5)}, so the "
        f"effect is {_n(z, 3)} standard errors and the power is Φ({_n(z, 3)} - 1.96) = "
        f"Φ({_n(z - 1.96, 3)}) ≈ {_fx(value, 2)}. Power is the chance the test notices a lift "
        "that is really there; below 0.8 a 'no significant difference' result says little."
    )
    return Problem(prompt, value, 2, "a probability between 0 and 1, 2 decimals", explanation)


def _draw_threshold_metrics(rng: random.Random) -> Params:
    while True:
        scores = rng.sample(range(5, 100, 5), 8)
        labels = [1 if rng.random() < s / 100 + 0.1 else 0 for s in scores]
        threshold = rng.choice([30, 40, 50, 60, 70])
        predicted = [s >= threshold for s in scores]
        tp = sum(1 for y, hat in zip(labels, predicted, strict=True) if y and hat)
        if tp and sum(labels) and sum(predicted):
            return {
                "scores": scores,
                "labels": labels,
                "threshold": threshold,
                "metric": rng.choice(["precision", "recall", "F1 score"]),
            }


def _build_threshold_metrics(p: Params) -> Problem:
    scores = [s / 100 for s in p["scores"]]
    labels, t, metric = p["labels"], p["threshold"] / 100, p["metric"]
    predicted = [s >= t for s in scores]
    tp = sum(1 for y, hat in zip(labels, predicted, strict=True) if y and hat)
    fp = sum(1 for y, hat in zip(labels, predicted, strict=True) if not y and hat)
    fn = sum(1 for y, hat in zip(labels, predicted, strict=True) if y and not hat)
    value = {
        "precision": tp / (tp + fp),
        "recall": tp / (tp + fn),
        "F1 score": 2 * tp / (2 * tp + fp + fn),
    }[metric]
    table = ["score   " + "  ".join(f"{s:.2f}" for s in scores)] + [
        "label   " + "  ".join(f"{y:>4}" for y in labels)
    ]
    prompt = (
        "A fraud model scores eight transactions (label 1 = fraud):\n"
        + _code(table)
        + f"\nYou flag every transaction with score ≥ {_n(t)}. What is the {metric} of the "
        "flags?"
    )
    formula = {
        "precision": f"TP / (TP + FP) = {tp}/{tp + fp}",
        "recall": f"TP / (TP + FN) = {tp}/{tp + fn}",
        "F1 score": f"2TP / (2TP + FP + FN) = {2 * tp}/{2 * tp + fp + fn}",
    }[metric]
    explanation = (
        f"At threshold {_n(t)} the flags give TP = {tp}, FP = {fp} and FN = {fn}, so the "
        f"{metric} is {formula} ≈ {_fx(value, 3)}. Raising the threshold trades recall for "
        "precision; the confusion matrix, and every metric built on it, exists only for a chosen "
        "threshold."
    )
    return Problem(prompt, value, 3, "a number between 0 and 1, 3 decimals", explanation)


def _draw_lr_schedule(rng: random.Random) -> Params:
    kind = rng.choice(["step", "cosine", "warmup"])
    base = rng.choice([0.1, 0.05, 0.01, 0.003])
    if kind == "step":
        every = rng.choice([10, 20, 30])
        return {"kind": kind, "base": base, "every": every, "gamma": rng.choice([0.1, 0.5]),
                "epoch": rng.randint(every, 4 * every)}  # fmt: skip
    if kind == "cosine":
        total = rng.choice([50, 100, 200])
        return {"kind": kind, "base": base, "total": total, "epoch": rng.randint(1, total - 1)}
    warmup = rng.choice([500, 1000, 2000])
    return {"kind": kind, "base": base, "warmup": warmup, "epoch": rng.randint(1, warmup - 1)}


def _lr(p: Params) -> float:
    base, epoch = p["base"], p["epoch"]
    if p["kind"] == "step":
        return base * p["gamma"] ** (epoch // p["every"])
    if p["kind"] == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * epoch / p["total"]))
    return base * epoch / p["warmup"]


def _build_lr_schedule(p: Params) -> Problem:
    base, epoch, value = p["base"], p["epoch"], _lr(p) * 1000
    if p["kind"] == "step":
        every, gamma = p["every"], p["gamma"]
        drops = epoch // every
        prompt = (
            f"`StepLR(optimizer, step_size={every}, gamma={_n(gamma)})` starts at a learning rate "
            f"of {_n(base)} and is stepped once per epoch. What is the learning rate during epoch "
            f"{epoch} (epochs count from 0)?"
        )
        work = (
            f"The rate is multiplied by {_n(gamma)} every {every} epochs; by epoch {epoch} that "
            f"happened ⌊{epoch}/{every}⌋ = {drops} times: {_n(base)}·{_power(_n(gamma), drops)}"
        )
    elif p["kind"] == "cosine":
        total = p["total"]
        prompt = (
            f"Cosine annealing takes the learning rate from {_n(base)} to 0 over {total} epochs: "
            f"η(t) = ½·{_n(base)}·(1 + cos(π·t/{total})). What is η at epoch t = {epoch}?"
        )
        cosine = math.cos(math.pi * epoch / total)
        sign = "+" if cosine >= 0 else "-"
        work = (
            f"cos(π·{epoch}/{total}) ≈ {_n(cosine, 4)}, so "
            f"η = ½·{_n(base)}·(1 {sign} {_n(abs(cosine), 4)})"
        )
    else:
        warmup = p["warmup"]
        prompt = (
            f"Linear warm-up raises the learning rate from 0 to {_n(base)} over the first "
            f"{warmup} steps: η(t) = {_n(base)}·t/{warmup}. What is η at step t = {epoch}?"
        )
        work = f"η = {_n(base)}·{epoch}/{warmup}"
    prompt += " Give it in units of 10⁻³ (0.0042 is 4.2)."
    explanation = (
        f"{work} ≈ {_n(value / 1000, 7)}, which is {_fx(value, 3)}·10⁻³. Schedules start high to "
        "move fast and end low to settle; warm-up keeps the first noisy steps of Adam from "
        "wrecking the initial weights."
    )
    return Problem(prompt, value, 3, "a number in units of 10⁻³, 3 decimals", explanation)


def _draw_ece(rng: random.Random) -> Params:
    bins = []
    for low in (0.5, 0.6, 0.7, 0.8, 0.9):
        count = rng.choice([0, 10, 20, 20, 40, 50])
        if count:
            conf = round(low + rng.randint(1, 9) / 100, 2)
            bins.append({"low": low, "count": count, "conf": conf,
                         "correct": rng.randint(count // 3, count)})  # fmt: skip
    if len(bins) < 2:
        return _draw_ece(rng)
    return {"bins": bins}


def _build_ece(p: Params) -> Problem:
    bins = p["bins"]
    total = sum(b["count"] for b in bins)
    gaps = [abs(b["correct"] / b["count"] - b["conf"]) for b in bins]
    value = sum(b["count"] / total * gap for b, gap in zip(bins, gaps, strict=True))
    table = ["confidence bin   predictions   mean confidence   correct"] + [
        f"{b['low']:.1f}–{b['low'] + 0.1:.1f}        {b['count']:>11}   {b['conf']:>15.2f}   "
        f"{b['correct']:>7}"
        for b in bins
    ]
    prompt = (
        f"A classifier's {total} test predictions, grouped by their confidence:\n"
        + _code(table)
        + "\nWhat is its expected calibration error, ECE = Σ (nᵦ/N)·|accuracyᵦ - confidenceᵦ|?"
    )
    terms = " + ".join(
        f"{b['count']}/{total}·|{_n(b['correct'] / b['count'])} - {_n(b['conf'])}|" for b in bins
    )
    explanation = (
        f"Per bin, accuracy = correct / predictions; weight each bin's gap by its share of the "
        f"predictions: {terms} ≈ {_fx(value, 3)}. A perfectly calibrated model is right 80% of "
        "the time when it says 0.8, giving ECE = 0; averaging the gaps without weights lets a "
        "tiny bin count as much as a big one."
    )
    return Problem(prompt, value, 3, "a number between 0 and 1, 3 decimals", explanation)


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
               "https://scikit-learn.org/stable/modules/linear_model.html#ordinary-least-squares",
               _draw_regression, _build_regression),
        Family("l2-regularized-loss", "regularization", 3,
               "https://developers.google.com/machine-learning/crash-course/overfitting/regularization",
               _draw_l2_loss, _build_l2_loss),
        Family("dense-layer-parameters", "neural-networks", 2,
               "https://d2l.ai/chapter_builders-guide/parameters.html",
               _draw_dense_params, _build_dense_params),
        Family("conv-layer-parameters", "neural-networks", 2,
               "https://d2l.ai/chapter_convolutional-neural-networks/channels.html",
               _draw_conv_params, _build_conv_params),
        Family("attention-parameters", "neural-networks", 3,
               "https://d2l.ai/chapter_attention-mechanisms-and-transformers/multihead-attention.html",
               _draw_attention_params, _build_attention_params),
        Family("conv-output-size", "neural-networks", 2,
               "https://d2l.ai/chapter_convolutional-neural-networks/padding-and-strides.html",
               _draw_conv_output, _build_conv_output),
        Family("attention-memory", "neural-networks", 4,
               "https://d2l.ai/chapter_attention-mechanisms-and-transformers/self-attention-and-positional-encoding.html#comparing-cnns-rnns-and-self-attention",
               _draw_attention_memory, _build_attention_memory),
        Family("attention-flops", "neural-networks", 4,
               "https://d2l.ai/chapter_attention-mechanisms-and-transformers/self-attention-and-positional-encoding.html#comparing-cnns-rnns-and-self-attention",
               _draw_attention_flops, _build_attention_flops),
        Family("model-memory-precision", "neural-networks", 2,
               "https://huggingface.co/docs/transformers/main/en/model_memory_anatomy",
               _draw_model_memory, _build_model_memory),
        Family("ab-test-sample-size", "statistics", 4,
               "https://www.statsmodels.org/stable/stats.html#power-and-sample-size-calculations",
               _draw_ab_sample_size, _build_ab_sample_size),
        Family("ab-test-power", "statistics", 4,
               "https://www.statsmodels.org/stable/stats.html#power-and-sample-size-calculations",
               _draw_ab_power, _build_ab_power),
        Family("threshold-metrics", "metrics", 3,
               "https://developers.google.com/machine-learning/crash-course/classification/thresholding",
               _draw_threshold_metrics, _build_threshold_metrics),
        Family("learning-rate-schedule", "optimization", 3,
               "https://d2l.ai/chapter_optimization/lr-scheduler.html",
               _draw_lr_schedule, _build_lr_schedule),
        Family("expected-calibration-error", "metrics", 4,
               "https://scikit-learn.org/stable/modules/calibration.html#calibration-curves",
               _draw_ece, _build_ece),
    )
}  # fmt: skip

# One nudge per family where it helps: the method, never the numbers.
HINTS: dict[str, str] = {
    "determinant-2x2": "For [a b; c d] the determinant is ad − bc.",
    "dot-product": "Multiply matching entries, then add the products.",
    "cosine-similarity": "Dot product divided by the product of the two lengths (√ of each sum of squares).",
    "softmax-component": "Exponentiate every score, then divide each by the sum of the exponentials.",
    "bayes-test": "P(A|B) = P(B|A)·P(A) / P(B); get P(B) by adding up both ways B can happen.",
    "binomial-probability": "C(n, k) · pᵏ · (1 − p)ⁿ⁻ᵏ.",
    "z-score": "How many standard deviations from the mean: (x − μ) / σ.",
    "gradient-descent-step": "New value = old value − learning rate × gradient at the old value.",
    "dense-layer-parameters": "Each layer has inputs × outputs weights plus one bias per output.",
    "conv-output-size": "(input + 2·padding − kernel) / stride, rounded down, plus 1.",
    "conv-layer-parameters": "kernel height × kernel width × input channels per filter, plus a bias, times the filters.",
    "determinant-3x3": "Expand along the first row: each entry times the 2×2 determinant left when its row and column are removed, signs + − +.",
    "node-entropy": "−Σ p·log₂(p) over the class proportions in the node.",
    "expected-value": "Σ value × probability over every outcome.",
    "discrete-variance": "E[X²] − (E[X])², or Σ p·(x − μ)².",
    "precision-recall-f1": "Precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = their harmonic mean.",
    "chain-rule": "Differentiate the outer function at the inner one, times the inner function's derivative.",
    "model-memory-precision": "Parameters × bytes per parameter (fp32 = 4, fp16/bf16 = 2, int8 = 1).",
}

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
