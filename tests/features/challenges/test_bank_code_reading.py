"""Every code-reading item's claimed behaviour, executed with NumPy, pandas and scikit-learn.

Each check runs the snippet its prompt shows (on tiny data, fixed seeds) and
asserts what the answer key claims, runs the explanation's corrected line and
asserts it behaves as promised, and where a tempting wrong option makes a
checkable claim, that the claim is false.
"""

from __future__ import annotations

import io
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline as imb_make_pipeline
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
    train_test_split,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

BANK = (
    Path(__file__).resolve().parents[3]
    / "bot"
    / "features"
    / "challenges"
    / "bank"
    / "code_reading.toml"
)
ITEMS: dict[str, dict[str, Any]] = {
    item["id"]: item for item in tomllib.loads(BANK.read_text(encoding="utf-8"))["challenge"]
}


def _key(item_id: str) -> float:
    assert ITEMS[item_id]["kind"] == "numeric"
    return float(ITEMS[item_id]["answer"])


def _correct(item_id: str) -> str:
    item = ITEMS[item_id]
    assert item["kind"] == "choice"
    return item["choices"]["ABCDE".index(item["answer"])]


def check_01() -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(40, 2)
    X[::5, 0] = np.nan
    X[30:, 0] += 50  # rows that will fall in the test split shift the mean a lot
    y = rng.randint(0, 2, 40)
    all_means = SimpleImputer(strategy="mean").fit(X).statistics_
    idx_tr, idx_te = train_test_split(np.arange(40), random_state=0)
    train_means = SimpleImputer(strategy="mean").fit(X[idx_tr]).statistics_
    assert not np.allclose(all_means, train_means)  # the test rows moved the fill values
    pipe = make_pipeline(SimpleImputer(strategy="mean"), LogisticRegression()).fit(
        X[idx_tr], y[idx_tr]
    )
    assert np.allclose(pipe[0].statistics_, train_means)
    assert _correct("code-reading-01").startswith("Test rows helped compute the means")


def check_02() -> None:
    row = np.array([[5.0, 100.0, -3.0]])
    assert np.array_equal(StandardScaler().fit_transform(row), np.zeros((1, 3)))
    fitted = StandardScaler().fit(np.array([[1.0, 50.0, 0.0], [3.0, 150.0, -2.0]]))
    assert not np.allclose(fitted.transform(row), 0)
    assert "row of zeros" in _correct("code-reading-02")


def check_03() -> None:
    rng = np.random.RandomState(0)
    cities = rng.choice([f"c{i}" for i in range(60)], size=200)
    X = pd.DataFrame({"city": cities})
    y = rng.randint(0, 2, 200)  # labels carry no information about the city
    leaky = TargetEncoder().fit(X, y).transform(X).ravel()
    crossfit = TargetEncoder().fit_transform(X, y).ravel()
    assert not np.allclose(leaky, crossfit)
    # The in-sample encodings correlate with the row's own (random) label; cross-fitted ones do not.
    assert np.corrcoef(leaky, y)[0, 1] > 0.3
    assert np.corrcoef(crossfit, y)[0, 1] < np.corrcoef(leaky, y)[0, 1] - 0.2
    assert "fit_transform cross-fits" in _correct("code-reading-03")


def check_04() -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5)  # pure noise
    y = (rng.rand(300) < 0.1).astype(int)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    assert y_res.mean() == 0.5
    knn = KNeighborsClassifier(n_neighbors=3)
    leaky = cross_val_score(knn, X_res, y_res, cv=5, scoring="recall").mean()
    honest = cross_val_score(
        imb_make_pipeline(SMOTE(random_state=0), knn), X, y, cv=5, scoring="recall"
    ).mean()
    assert leaky > 0.95 and honest < 0.6
    assert "synthetic points" in _correct("code-reading-04")


def check_05() -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(100, 10_000)
    y = np.array([0, 1] * 50)
    X_sel = SelectKBest(f_classif, k=20).fit_transform(X, y)
    leaky = cross_val_score(LogisticRegression(), X_sel, y, cv=5).mean()
    honest = cross_val_score(
        make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression()), X, y, cv=5
    ).mean()
    assert leaky == pytest.approx(0.88, abs=0.1)
    assert abs(honest - 0.5) < 0.15
    assert "Pipeline" in _correct("code-reading-05")


def check_06() -> None:
    n = 100
    shuffled = KFold(n_splits=5, shuffle=True, random_state=0)
    assert any(tr.max() > te.min() for tr, te in shuffled.split(np.arange(n)))
    folds = list(TimeSeriesSplit(n_splits=5).split(np.arange(n)))
    assert all(tr.max() < te.min() for tr, te in folds)
    # No row is repeated across validation folds: option B is false.
    validation = np.concatenate([te for _, te in shuffled.split(np.arange(n))])
    assert sorted(validation) == list(range(n))


def check_07() -> None:
    train = pd.DataFrame({"color": ["red", "green", "blue", "red", "blue", "green"]})
    y_train = [0, 1, 1, 0, 1, 0]
    test = pd.DataFrame({"color": ["red", "green"]})
    X_train = pd.get_dummies(train[["color"]])
    X_test = pd.get_dummies(test[["color"]])
    assert X_train.shape[1] == 3 and X_test.shape[1] == 2
    model = LogisticRegression().fit(X_train, y_train)
    with pytest.raises(ValueError):
        model.predict(X_test)
    enc = OneHotEncoder(handle_unknown="ignore").fit(train[["color"]])
    fixed = LogisticRegression().fit(enc.transform(train[["color"]]), y_train)
    assert len(fixed.predict(enc.transform(test[["color"]]))) == 2
    assert _correct("code-reading-07").startswith("predict raises a ValueError")


def check_08() -> None:
    X = np.arange(1000).reshape(-1, 1)
    y = np.arange(1000)  # the label equals the feature, so alignment is visible
    X_tr, X_te = train_test_split(X, test_size=0.2, random_state=1)
    y_tr, y_te = train_test_split(y, test_size=0.2, random_state=2)
    assert len(X_tr) == 800 and len(X_te) == 200  # 20% held out, not 36%
    assert np.mean(X_tr.ravel() == y_tr) < 0.01
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
    assert np.array_equal(X_tr.ravel(), y_tr)
    assert _correct("code-reading-08").startswith("Each call shuffles on its own")


def check_09() -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    y = (X[:, 0] + rng.randn(200) > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    proba = clf.predict_proba(X)
    wrong = roc_auc_score(y, proba[:, 0])
    right = roc_auc_score(y, proba[:, 1])
    assert list(clf.classes_) == [0, 1]
    assert wrong == pytest.approx(1 - right)
    assert 1 - 0.13 == pytest.approx(_key("code-reading-09"))


def check_10() -> None:
    patients = np.repeat(np.arange(50), 20)
    y = patients % 2
    X = np.zeros((1000, 1))
    strat = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    assert any(set(patients[tr]) & set(patients[te]) for tr, te in strat.split(X, y))
    by_patient = list(strat.split(X, patients))  # option C: stratify on the patient id
    assert all(len(set(patients[te])) == 50 for _, te in by_patient)  # every patient in every fold
    grouped = GroupKFold(n_splits=5)
    assert all(
        not set(patients[tr]) & set(patients[te]) for tr, te in grouped.split(X, y, groups=patients)
    )
    assert "GroupKFold" in _correct("code-reading-10")


def check_11() -> None:
    df = pd.DataFrame(
        {
            "age": [20, 30, 40, 50],
            "income": [1.0, 2.0, 3.0, 4.0],
            "plan": ["free", "pro", "team", "pro"],
            "tenure": [1, 2, 3, 4],
            "n_logins": [5, 6, 7, 8],
        }
    )
    ct = ColumnTransformer(
        [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["plan"])]
    )
    assert ct.fit_transform(df).shape[1] == _key("code-reading-11")
    kept = ColumnTransformer(
        [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["plan"])],
        remainder="passthrough",
    )
    assert kept.fit_transform(df).shape[1] == 7


def check_12() -> None:
    rng = np.random.RandomState(0)
    X_tr = rng.randn(100, 1)
    X_te = rng.randn(100, 1) + 10  # the test data drifted by 10 standard deviations
    scaler = StandardScaler()
    scaler.fit_transform(X_tr)
    refitted = StandardScaler().fit_transform(X_te)
    assert abs(refitted.mean()) < 1e-9  # the drift is hidden
    assert scaler.transform(X_te).mean() > 8  # the fix keeps it visible
    scaler.fit(X_te)  # refitting an already fitted scaler is allowed: option B is false
    assert _correct("code-reading-12").startswith("It rescales the test set with its own")


def check_13() -> None:
    rng = np.random.RandomState(0)
    X = rng.randn(200, 20)
    y = rng.randint(0, 2, 200)  # random labels: the true accuracy is 0.5
    grid = {"C": np.logspace(-4, 4, 30)}
    search = GridSearchCV(LogisticRegression(), grid, cv=5).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == means.max() > means.mean()
    # On fresh data the chosen model is as good as a coin, below what best_score_ promised.
    X_new, y_new = rng.randn(2000, 20), rng.randint(0, 2, 2000)
    assert search.score(X_new, y_new) < search.best_score_
    assert "maximum over 30 settings" in _correct("code-reading-13")


def check_14() -> None:
    rng = np.random.RandomState(0)
    batches = [(rng.randn(30, 2), rng.randint(0, 2, 30)) for _ in range(12)]
    clf = LogisticRegression()
    models = [clf.fit(Xp, yp) for Xp, yp in batches]
    assert all(m is clf for m in models)
    last = LogisticRegression().fit(*batches[-1])
    assert np.allclose(models[0].coef_, last.coef_)
    fixed = [clone(clf).fit(Xp, yp) for Xp, yp in batches]
    assert len({id(m) for m in fixed}) == 12
    assert not np.allclose(fixed[0].coef_, fixed[-1].coef_)


def check_15() -> None:
    df = pd.DataFrame({"age": [30, 70, 65], "senior": [0, 0, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df[df["age"] > 60]["senior"] = 1
    assert df["senior"].tolist() == [0, 0, 0]
    df.loc[df["age"] > 60, "senior"] = 1
    assert df["senior"].tolist() == [0, 1, 1]
    assert _correct("code-reading-15").startswith("[0, 0, 0]")


def check_16() -> None:
    df = pd.DataFrame({"user": ["u1", "u1", "u2"], "x": [1.0, 3.0, 10.0]})
    df["user_mean"] = df.groupby("user")["x"].mean()
    assert df["user_mean"].isna().all()
    df["user_mean"] = df.groupby("user")["x"].transform("mean")
    assert df["user_mean"].tolist() == [2.0, 2.0, 10.0]
    assert _correct("code-reading-16").startswith("NaN, NaN, NaN")


def check_17() -> None:
    events = pd.DataFrame({"event": [1, 2, 3], "user_id": [1, 1, 2]})
    users = pd.DataFrame({"user_id": [1, 1, 2], "plan": ["a", "b", "c"]})
    assert len(events.merge(users, on="user_id", how="left")) == 5  # silent fan-out
    assert len(events.merge(users, on="user_id", how="inner")) == 5
    assert len(events.merge(users, on="user_id", how="left", indicator="match_status")) == 5
    with pytest.raises(pd.errors.MergeError):
        events.merge(users, on="user_id", how="left", validate="many_to_one")
    assert _correct("code-reading-17") == 'validate="many_to_one"'


def check_18() -> None:
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, 5.0], "b": [1, 2, 3, np.nan, 5]})
    df.dropna()
    assert len(df) == _key("code-reading-18")
    df = df.dropna()
    assert len(df) == 3


def check_19() -> None:
    df = pd.DataFrame({"ts": [3, 1, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = df.sort_values("ts", inplace=True)
    assert df is None
    with pytest.raises(AttributeError):
        df.head()  # type: ignore[attr-defined]
    assert "AttributeError" in _correct("code-reading-19")


def check_20() -> None:
    assert str(pd.Series([1, None, 3]).dtype) == _correct("code-reading-20") == "float64"
    assert pd.Series([1, None, 3], dtype="Int64").tolist()[0] == 1


def check_21() -> None:
    csv = "zip,name\n02134,a\n10001,b\n"
    df = pd.read_csv(io.StringIO(csv))
    assert df["zip"].iloc[0] == 2134 and str(df["zip"].dtype) == "int64"
    fixed = pd.read_csv(io.StringIO(csv), dtype={"zip": str})
    assert fixed["zip"].iloc[0] == "02134"
    assert _correct("code-reading-21").startswith("2134, because")


def check_22() -> None:
    s = pd.Series(["True", "False", "False"])
    assert s.astype(bool).sum() == _key("code-reading-22")
    assert s.map({"True": True, "False": False}).sum() == 1


def check_23() -> None:
    s = pd.Series(["01/02/2024", "25/02/2024"])
    with pytest.raises(ValueError):
        pd.to_datetime(s)
    assert pd.to_datetime(s.iloc[:1]).iloc[0] == pd.Timestamp("2024-01-02")
    fixed = pd.to_datetime(s, format="%d/%m/%Y")
    assert fixed.tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-25")]
    assert _correct("code-reading-23").startswith("It raises a ValueError")


def check_24() -> None:
    s = pd.Series(["a", "a", "b", None])
    assert round(s.value_counts(normalize=True)["a"], 2) == _key("code-reading-24")
    assert s.value_counts(normalize=True, dropna=False)["a"] == 0.5


def check_25() -> None:
    df = pd.DataFrame({"k": ["a", "a", None, "b"], "v": [1, 2, 3, 4]})
    assert df.groupby("k")["v"].sum().sum() == _key("code-reading-25")
    assert df.groupby("k", dropna=False)["v"].sum().sum() == 10


def check_26() -> None:
    df = pd.DataFrame({"user": ["u1", "u1", "u2", "u2"], "amount": [10.0, 20.0, 7.0, 9.0]})
    naive = df["amount"].shift(1)
    assert np.isnan(naive.iloc[0]) and naive.iloc[1] == 10.0  # shift(1) moves values down
    assert naive.iloc[2] == 20.0  # u2's first row gets u1's last amount
    fixed = df.groupby("user")["amount"].shift(1)
    assert fixed.isna().tolist() == [True, False, True, False]
    assert "previous user's last amount" in _correct("code-reading-26")


def check_27() -> None:
    df = pd.DataFrame({"sales": [10, 20, 30, 40]})
    assert df["sales"].rolling(3).mean().iloc[-1] == pytest.approx(_key("code-reading-27"))
    assert df["sales"].shift(1).rolling(3).mean().iloc[-1] == pytest.approx(20)


def check_28() -> None:
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.nan]})
    assert len(df[df["x"] == np.nan]) == _key("code-reading-28")
    assert len(df[df["x"].isna()]) == 2


def check_29() -> None:
    df = pd.DataFrame({"a": range(200), "b": range(200), "target": range(200)})
    X = df[["a", "b"]].iloc[100:]
    y = df["target"].iloc[100:].reset_index(drop=True)
    data = pd.concat([X, y], axis=1)
    assert len(data) == _key("code-reading-29")
    assert data["target"].isna().sum() == 100
    fixed = pd.concat([X, df["target"].iloc[100:]], axis=1)
    assert len(fixed) == 100 and (fixed["a"] == fixed["target"]).all()


def check_30() -> None:
    df = pd.DataFrame({"income_change": [5.0, -2.0, np.nan, np.nan, 1.0]})
    df["grew"] = np.where(df["income_change"] > 0, 1, 0)
    assert df["grew"].sum() == _key("code-reading-30")
    fixed = np.where(df["income_change"].isna(), np.nan, df["income_change"] > 0)
    assert np.isnan(fixed).sum() == 2 and np.nansum(fixed) == 2


def check_31() -> None:
    y_true = np.array([[1.0], [2.0], [3.0]])
    y_pred = np.array([1.0, 2.0, 3.0])
    assert (y_true - y_pred).shape == (3, 3)
    assert round(float(np.mean((y_true - y_pred) ** 2)), 3) == _key("code-reading-31")
    assert np.mean((y_true.ravel() - y_pred) ** 2) == 0


def check_32() -> None:
    C = np.array([[1.0, 1.0, 2.0], [0.0, 3.0, 1.0], [5.0, 5.0, 0.0]])
    P = C / C.sum(axis=1)
    assert np.allclose(P, C / C.sum(axis=1)[np.newaxis, :])  # column j divided by row j's total
    assert not np.allclose(P.sum(axis=1), 1)
    assert not np.allclose(P.sum(axis=0), 1)
    fixed = C / C.sum(axis=1, keepdims=True)
    assert np.allclose(fixed.sum(axis=1), 1)
    with pytest.raises(ValueError):
        np.ones((3, 4)) / np.ones((3, 4)).sum(axis=1)  # a non-square matrix fails loudly


def check_33() -> None:
    a = np.array([1, 2, 3])
    a[0] = 0.9
    assert a.sum() == _key("code-reading-33")
    b = np.array([1, 2, 3], dtype=float)
    b[0] = 0.9
    assert b.sum() == pytest.approx(5.9)


def check_34() -> None:
    X_train = np.array([[1.0, 10.0], [3.0, 30.0]])
    X_norm = X_train
    X_norm -= X_norm.mean(axis=0)
    assert np.allclose(X_train, [[-1.0, -10.0], [1.0, 10.0]])
    assert X_train.flags.writeable
    original = np.array([[1.0, 10.0], [3.0, 30.0]])
    fixed = original - original.mean(axis=0)
    assert np.allclose(original, [[1.0, 10.0], [3.0, 30.0]]) and not np.shares_memory(
        fixed, original
    )


def check_35() -> None:
    probs = np.array([[0.3, 0.7], [0.2, 0.8], [0.4, 0.6]])
    assert probs.argmax() == _key("code-reading-35")
    assert probs.argmax(axis=1).tolist() == [1, 1, 1]


def check_36() -> None:
    img = np.array([200, 50], dtype=np.uint8)
    out = img + 100
    assert out.dtype == np.uint8 and out[0] == _key("code-reading-36")
    fixed = np.clip(img.astype(np.int16) + 100, 0, 255).astype(np.uint8)
    assert fixed.tolist() == [255, 150]


def check_37() -> None:
    def compute_ratio(a: int, b: int) -> float:
        return a / b

    assert compute_ratio(1, 10) + compute_ratio(2, 10) != 0.3
    assert repr(0.1 + 0.2) == "0.30000000000000004"
    assert np.isclose(compute_ratio(1, 10) + compute_ratio(2, 10), 0.3)
    assert "0.30000000000000004" in _correct("code-reading-37")


CHECKS: dict[str, Callable[[], None]] = {
    f"code-reading-{name.removeprefix('check_')}": fn
    for name, fn in dict(globals()).items()
    if name.startswith("check_")
}


def test_every_code_reading_item_has_an_executed_check() -> None:
    assert sorted(CHECKS) == sorted(ITEMS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("item_id", sorted(CHECKS))
def test_code_reading_item_behaves_as_claimed(item_id: str) -> None:
    CHECKS[item_id]()
