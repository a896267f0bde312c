"""Which postings are ML roles, and their level, remote flag and location.

The title decides first: clear ML titles (machine learning, MLOps, data/applied scientist, AI
engineer, computer vision, …) are in; titles of other functions (recruiting, sales, legal,
marketing, product management) and other engineering (backend, data engineering, analytics)
are out. Titles that could go either way ("Research Engineer", "Research Scientist",
"Robotics Engineer") are settled by the description: ML words there tip them in.

Measured on tests/features/jobs/titles.tsv with `python -m bench.jobs_filter` (see README).
"""

from __future__ import annotations

import re

# Titles that name an ML role outright.
_ML_TITLE = re.compile(
    r"machine[- ]learning|\bml\b|\bmlops\b|\bml ?ops\b|deep[- ]learning|\bllms?\b|\bgen ?ai\b"
    r"|generative ai|\bai\b(?!\s+(?:sales|marketing|policy|solutions? (?:consultant|architect)"
    r"|product|program|operations|governance))|artificial intelligence|computer vision"
    r"|\bnlp\b|natural language|data scien|applied scien|\bresearch scientist,? (?:ai|ml|machine)"
    r"|reinforcement learning|recommend(?:er|ation) systems?|\bperception\b|speech recognition"
    r"|\bmle\b|model (?:training|serving|inference)|inference (?:engineer|infrastructure)"
    r"|ai/ml|ml/ai|neural|foundation models?|\brlhf\b|\bml\w*\s*platform",
    re.IGNORECASE,
)

# Functions that are not ML practice even when the title names ML ("Recruiter, Machine Learning").
_OTHER_FUNCTION = re.compile(
    r"recruit|sourcer|talent|sales|account (?:executive|manager)|marketing|counsel|legal|attorney"
    r"|paralegal|business development|partnerships?\b|customer success|support specialist"
    r"|product manager|program manager|project manager|product marketing|\bdesigner\b"
    r"|writer|communications|finance|accountant|payroll|office|executive assistant"
    r"|solutions? (?:consultant|engineer|architect)|sales engineer|go[- ]to[- ]market|\bgtm\b|policy",
    re.IGNORECASE,
)

# Titles that may or may not be ML: the description decides.
_AMBIGUOUS = re.compile(
    r"research (?:engineer|scientist)|researcher|robotics|\bscientist\b|algorithm"
    r"|ranking|search relevance|quantitative|autonomy|data engineer|software engineer,? (?:ai|data)"
    r"|forward deployed|member of technical staff",
    re.IGNORECASE,
)

_ML_WORDS = re.compile(
    r"machine learning|\bml\b|deep learning|neural network|pytorch|tensorflow|\bjax\b|\bllms?\b"
    r"|large language model|transformer|computer vision|\bnlp\b|reinforcement learning"
    r"|model training|fine-tun|embedding|recommendation|classifier|scikit-learn|\bgpus?\b"
    r"|inference|generative|diffusion|foundation model",
    re.IGNORECASE,
)

LEVELS: tuple[str, ...] = ("intern", "new-grad", "junior", "mid", "senior", "staff+")

_LEVEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("intern", re.compile(r"\bintern(ship)?\b|\bco-?op\b|\bapprentice", re.I)),
    ("new-grad", re.compile(r"new ?grad|graduate|university|early career|entry[- ]level|\bresidency\b"
                            r"|\bresident\b|campus", re.I)),
    ("staff+", re.compile(r"\bstaff\b|principal|distinguished|\bfellow\b|\bhead of\b|director"
                          r"|\bvp\b|vice president|\blead\b|manager|architect|\bchief\b", re.I)),
    ("senior", re.compile(r"\bsenior\b|\bsr\.?\b|\biii\b|\biv\b|\blevel ?3\b|\bl5\b", re.I)),
    ("junior", re.compile(r"\bjunior\b|\bjr\.?\b|\bassociate\b|\bi\b(?!\s*/)|\blevel ?1\b", re.I)),
)

_REMOTE = re.compile(r"\bremote\b|work from home|\bwfh\b|anywhere|distributed", re.I)


def is_ml_title(title: str, description: str = "") -> bool:
    """True for an ML role: decided on the title, the description breaking ties."""
    if _OTHER_FUNCTION.search(title):
        return False
    if _ML_TITLE.search(title):
        return True
    if _AMBIGUOUS.search(title):
        return len(set(m.group(0).lower() for m in _ML_WORDS.finditer(description))) >= 2
    return False


def level_of(title: str) -> str:
    for level, rule in _LEVEL_RULES:
        if rule.search(title):
            return level
    return "mid"


def looks_remote(*texts: str | None) -> bool:
    return any(text and _REMOTE.search(text) for text in texts)
