"""Question topics: the challenge bank's topics plus a few practical ones, and a guess from the text."""

from __future__ import annotations

import re

from bot.features.challenges.bank import TOPICS as CHALLENGE_TOPICS

PRACTICAL = ("career", "tooling", "projects")
TOPICS: tuple[str, ...] = (*CHALLENGE_TOPICS, *PRACTICAL)
# When nothing in the text points anywhere: building things is what most questions are about.
FALLBACK = "projects"

# Word stems that point at a topic. A stem matches a word that starts with it ("overfit"
# matches "overfitting"); multi-word entries match as phrases.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "learning-types": ("supervised", "unsupervised", "reinforcement", "semi-supervised", "self-supervised"),
    "bias-variance": ("overfit", "underfit", "bias", "variance", "generaliz", "generalis"),
    "regularization": ("regulari", "lasso", "ridge", "l1", "l2", "dropout", "weight decay", "early stopping"),
    "validation": ("cross-validat", "cross validat", "validation", "holdout", "hold-out", "k-fold", "kfold",
                   "train/test", "test set", "split"),
    "metrics": ("precision", "recall", "f1", "accuracy", "auc", "roc", "rmse", "mae", "metric",
                "confusion matrix", "threshold", "log loss"),
    "linear-models": ("linear regression", "logistic", "linear model", "coefficient", "ols"),
    "trees-ensembles": ("tree", "forest", "xgboost", "lightgbm", "catboost", "boosting", "bagging",
                        "ensemble", "gradient boosted"),
    "clustering": ("cluster", "k-means", "kmeans", "dbscan", "hierarchical"),
    "dimensionality-reduction": ("pca", "t-sne", "tsne", "umap", "dimensionality", "embedding"),
    "neural-networks": ("neural", "network", "cnn", "rnn", "lstm", "transformer", "attention", "backprop",
                        "pytorch", "tensorflow", "keras", "activation", "layer", "fine-tun", "llm"),
    "optimization": ("gradient descent", "optimi", "learning rate", "sgd", "adam", "converge", "loss function"),
    "linear-algebra": ("matrix", "matrices", "vector", "eigen", "svd", "linear algebra", "dot product",
                       "determinant", "transpose"),
    "calculus": ("derivative", "gradient", "chain rule", "integral", "partial", "calculus", "jacobian"),
    "probability": ("probabilit", "bayes", "distribution", "random variable", "expectation", "likelihood",
                    "conditional"),
    "statistics": ("statistic", "p-value", "hypothesis", "confidence interval", "mean", "median",
                   "standard deviation", "variance", "t-test", "regression to"),
    "data-leakage": ("leak", "leakage", "target leak", "look-ahead"),
    "preprocessing": ("preprocess", "scaling", "scaler", "normaliz", "standardiz", "encoding", "one-hot",
                      "impute", "missing value", "feature engineering", "outlier"),
    "imbalance": ("imbalance", "smote", "oversampl", "undersampl", "class weight", "rare class"),
    "numpy-pandas": ("pandas", "numpy", "dataframe", "groupby", "ndarray", "series", "csv"),
    "scikit-learn": ("scikit", "sklearn", "pipeline", "gridsearch", "estimator", "fit_transform"),
    "kaggle": ("kaggle", "competition", "leaderboard", "submission", "notebook"),
    "career": ("job", "interview", "resume", "cv", "career", "salary", "hiring", "recruiter", "portfolio",
               "switch", "role", "linkedin", "offer"),
    "tooling": ("docker", "git", "conda", "pip", "venv", "environment", "gpu", "cuda", "jupyter", "vscode",
                "install", "colab", "mlflow", "dvc", "linux"),
    "projects": ("project", "dataset", "deploy", "production", "api", "demo", "app", "idea"),
}

_WORD = re.compile(r"[a-z0-9][a-z0-9\-/_]*")


def suggest(text: str) -> str:
    """The topic whose keywords the text mentions most (ties: the order of TOPICS)."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    best, best_score = FALLBACK, 0
    for topic in TOPICS:
        score = 0
        for keyword in KEYWORDS.get(topic, ()):
            if " " in keyword:
                score += 2 * lowered.count(keyword)
            else:
                score += sum(1 for w in words if w.startswith(keyword))
        if score > best_score:
            best, best_score = topic, score
    return best


def parse_topics(text: str) -> tuple[str, ...]:
    """`--topics math,metrics`: topic names, or a roadmap step name meaning all its topics."""
    from bot.core.errors import InvalidInput

    out: list[str] = []
    for raw in re.split(r"[,\s]+", text.strip().lower()):
        if not raw:
            continue
        if raw in TOPICS:
            out.append(raw)
            continue
        step = [t for t, s in CHALLENGE_TOPICS.items() if s == raw]
        if not step:
            raise InvalidInput(f"'{raw[:40]}' isn't a topic. Topics: {', '.join(TOPICS)}.")
        out.extend(step)
    return tuple(dict.fromkeys(out))
