"""Every SQL-for-ML item's claimed behaviour, executed with the stdlib sqlite3.

Each check builds the tiny table its prompt shows, runs the query the item is
about and asserts what the answer key (and the explanation's fix) claims, and,
where the item names a tempting wrong option, that the wrong option really
behaves differently. Numeric keys are compared with the computed value.
"""

from __future__ import annotations

import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

BANK = Path(__file__).resolve().parents[3] / "bot" / "features" / "challenges" / "bank" / "sql.toml"
ITEMS: dict[str, dict[str, Any]] = {
    item["id"]: item for item in tomllib.loads(BANK.read_text(encoding="utf-8"))["challenge"]
}


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    try:
        yield conn
    finally:
        conn.close()


def _rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return conn.execute(sql, params).fetchall()


def _one(conn: sqlite3.Connection, sql: str, *params: object) -> Any:
    rows = _rows(conn, sql, *params)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def _numeric_key(item_id: str) -> float:
    item = ITEMS[item_id]
    assert item["kind"] == "numeric"
    return float(item["answer"])


def _choice_key(item_id: str) -> int:
    item = ITEMS[item_id]
    assert item["kind"] == "choice"
    return "ABCDE".index(item["answer"])


def _users_orders(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, balance INTEGER, country TEXT);
        INSERT INTO users VALUES (1, 100, 'FR'), (2, 50, 'DE'), (3, 70, 'FR');
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, amount REAL, status TEXT);
        INSERT INTO orders VALUES
          (10, 1, 5.0, 'paid'), (11, 1, 6.0, 'refunded'), (12, 1, 7.0, 'paid'),
          (13, 2, 8.0, 'refunded'), (14, 2, 9.0, 'refunded');
        """
    )


def check_01(conn: sqlite3.Connection) -> None:
    _users_orders(conn)
    # The four options, in order; only the LEFT JOIN from users keeps user 3.
    queries = [
        "SELECT u.id, o.amount FROM users u JOIN orders o ON o.user_id = u.id",
        "SELECT u.id, o.amount FROM users u LEFT JOIN orders o ON o.user_id = u.id",
        "SELECT u.id, o.amount FROM orders o LEFT JOIN users u ON o.user_id = u.id",
        "SELECT u.id, o.amount FROM users u, orders o WHERE o.user_id = u.id",
    ]
    keeps_all = [{row[0] for row in _rows(conn, q)} == {1, 2, 3} for q in queries]
    assert keeps_all == [i == _choice_key("sql-for-ml-01") for i in range(4)]
    assert (3, None) in _rows(conn, queries[1])


def check_02(conn: sqlite3.Connection) -> None:
    _users_orders(conn)
    total = _one(conn, "SELECT SUM(u.balance) FROM users u LEFT JOIN orders o ON o.user_id = u.id")
    assert total == _numeric_key("sql-for-ml-02") == 3 * 100 + 2 * 50 + 70
    assert _one(conn, "SELECT SUM(balance) FROM users") == 220  # the true total


def check_03(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE a (k TEXT); INSERT INTO a VALUES ('x'), ('x'), ('y');
        CREATE TABLE b (k TEXT); INSERT INTO b VALUES ('x'), ('x'), ('x'), ('z');
        """
    )
    rows = _rows(conn, "SELECT * FROM a LEFT JOIN b ON a.k = b.k")
    assert len(rows) == _numeric_key("sql-for-ml-03")
    assert ("y", None) in rows and all(row[1] != "z" for row in rows)


def check_04(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, balance INTEGER);
        INSERT INTO users VALUES (1, 50), (2, 50), (3, 70);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
        INSERT INTO orders VALUES (10, 1), (11, 1), (12, 2);
        """
    )
    fixed = _rows(
        conn,
        """
        SELECT u.id, u.balance, COALESCE(c.n_orders, 0) FROM users u
        LEFT JOIN (SELECT user_id, COUNT(*) AS n_orders FROM orders GROUP BY user_id) c
          ON c.user_id = u.id ORDER BY u.id
        """,
    )
    assert fixed == [(1, 50, 2), (2, 50, 1), (3, 70, 0)]
    assert sum(row[1] for row in fixed) == 170
    # The tempting SUM(DISTINCT balance) merges users 1 and 2, who share a balance.
    distinct = _one(
        conn, "SELECT SUM(DISTINCT u.balance) FROM users u LEFT JOIN orders o ON o.user_id = u.id"
    )
    assert distinct == 120 != 170
    assert _choice_key("sql-for-ml-04") == 1


def check_05(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (3),(NULL),(3),(5),(NULL);"
    )
    got = _rows(conn, "SELECT COUNT(*), COUNT(x), COUNT(DISTINCT x) FROM t")[0]
    choice = ITEMS["sql-for-ml-05"]["choices"][_choice_key("sql-for-ml-05")]
    assert ", ".join(map(str, got)) == choice == "5, 3, 2"


def check_06(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE t (spend REAL); INSERT INTO t VALUES (10),(NULL),(20),(NULL),(30);"
    )
    assert _one(conn, "SELECT AVG(spend) FROM t") == pytest.approx(_numeric_key("sql-for-ml-06"))
    assert _one(conn, "SELECT SUM(spend) / COUNT(*) FROM t") == pytest.approx(12)


def check_07(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE customers (spend REAL); "
        "INSERT INTO customers VALUES (10),(NULL),(20),(NULL),(30);"
    )
    options = [
        "AVG(spend)",
        "COALESCE(AVG(spend), 0)",
        "SUM(spend) / COUNT(spend)",
        "AVG(COALESCE(spend, 0))",
    ]
    values = [_one(conn, f"SELECT {expr} FROM customers") for expr in options]
    assert values == pytest.approx([20, 20, 20, 12])
    assert options[_choice_key("sql-for-ml-07")] == "AVG(COALESCE(spend, 0))"


def check_08(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE customers (id INTEGER, churn_date TEXT); "
        "INSERT INTO customers VALUES (1, NULL), (2, '2024-01-02'), (3, NULL);"
    )
    assert _one(conn, "SELECT COUNT(*) FROM customers WHERE churn_date = NULL") == 0
    assert _one(conn, "SELECT COUNT(*) FROM customers WHERE churn_date IS NULL") == 2
    assert _one(conn, "SELECT COUNT(*) FROM customers") == 3  # COUNT(*) does count NULL rows
    assert _one(conn, "SELECT NULL = NULL") is None
    assert _choice_key("sql-for-ml-08") == 1


def check_09(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users VALUES (1),(2),(3),(4);
        CREATE TABLE referrals (referrer_id INTEGER);
        INSERT INTO referrals VALUES (1), (1), (NULL);
        """
    )
    assert (
        _rows(conn, "SELECT id FROM users WHERE id NOT IN (SELECT referrer_id FROM referrals)")
        == []
    )
    fixed = _rows(
        conn,
        "SELECT id FROM users WHERE NOT EXISTS "
        "(SELECT 1 FROM referrals r WHERE r.referrer_id = users.id) ORDER BY id",
    )
    assert fixed == [(2,), (3,), (4,)]
    # Duplicates alone are harmless: without the NULL, NOT IN works.
    conn.execute("DELETE FROM referrals WHERE referrer_id IS NULL")
    assert (
        len(_rows(conn, "SELECT id FROM users WHERE id NOT IN (SELECT referrer_id FROM referrals)"))
        == 3
    )
    assert _choice_key("sql-for-ml-09") == 2


def check_10(conn: sqlite3.Connection) -> None:
    _users_orders(conn)
    where = _rows(
        conn,
        "SELECT u.id, o.amount FROM users u LEFT JOIN orders o ON o.user_id = u.id "
        "WHERE o.status = 'paid'",
    )
    assert {row[0] for row in where} == {1}
    on = _rows(
        conn,
        "SELECT u.id, o.amount FROM users u LEFT JOIN orders o "
        "ON o.user_id = u.id AND o.status = 'paid'",
    )
    assert {row[0] for row in on} == {1, 2, 3}
    assert (2, None) in on and (3, None) in on
    assert _choice_key("sql-for-ml-10") == 0


def check_11(conn: sqlite3.Connection) -> None:
    conn.executescript("CREATE TABLE s (score INTEGER); INSERT INTO s VALUES (90),(85),(85),(80);")
    ranks = _rows(
        conn,
        "SELECT score, RANK() OVER (ORDER BY score DESC), DENSE_RANK() OVER (ORDER BY score DESC) "
        "FROM s ORDER BY score DESC",
    )
    assert ranks == [(90, 1, 1), (85, 2, 2), (85, 2, 2), (80, 4, 3)]
    assert ranks[-1][1] == _numeric_key("sql-for-ml-11")


def check_12(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE events (user_id INTEGER, ts TEXT, plan TEXT);
        INSERT INTO events VALUES
          (1, '2024-01-01', 'free'), (1, '2024-02-01', 'pro'), (1, '2024-03-01', 'team'),
          (2, '2024-01-05', 'free'), (2, '2024-01-06', 'pro');
        """
    )
    windows = [
        "ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC)",
        "ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts ASC)",
        "ROW_NUMBER() OVER (ORDER BY user_id, ts DESC)",
        "RANK() OVER (PARTITION BY plan ORDER BY ts DESC)",
    ]
    latest = {(1, "team"), (2, "pro")}
    results = [
        set(
            _rows(conn, f"SELECT user_id, plan FROM (SELECT *, {w} AS rn FROM events) WHERE rn = 1")
        )
        for w in windows
    ]
    assert [r == latest for r in results] == [i == _choice_key("sql-for-ml-12") for i in range(4)]


def check_13(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE p (user_id INTEGER, day INTEGER, amount INTEGER); "
        "INSERT INTO p VALUES (1, 1, 5), (1, 2, 8), (1, 3, 4), (2, 1, 100);"
    )
    diffs = _rows(
        conn,
        "SELECT amount - LAG(amount) OVER (PARTITION BY user_id ORDER BY day) FROM p "
        "WHERE user_id = 1 ORDER BY day",
    )
    assert diffs == [(None,), (3,), (-4,)]
    assert diffs[2][0] == _numeric_key("sql-for-ml-13")


def check_14(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE p (user_id INTEGER, day INTEGER, amount INTEGER); "
        "INSERT INTO p VALUES (1,1,10), (2,1,7), (1,2,20), (2,3,4), (1,3,5);"
    )
    value = _one(
        conn,
        "SELECT r FROM (SELECT user_id, day, SUM(amount) OVER "
        "(PARTITION BY user_id ORDER BY day) AS r FROM p) WHERE user_id = 1 AND day = 3",
    )
    assert value == _numeric_key("sql-for-ml-14")
    unpartitioned = _one(
        conn,
        "SELECT r FROM (SELECT user_id, day, SUM(amount) OVER (ORDER BY day) AS r "
        "FROM p) WHERE user_id = 1 AND day = 3",
    )
    assert unpartitioned == 46


def check_15(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE t (id INTEGER, day INTEGER, amount INTEGER); "
        "INSERT INTO t VALUES (1,1,10), (2,2,20), (3,2,30), (4,3,40);"
    )
    default = dict(_rows(conn, "SELECT id, SUM(amount) OVER (ORDER BY day) FROM t"))
    assert default[2] == default[3] == _numeric_key("sql-for-ml-15")
    fixed = dict(
        _rows(
            conn,
            "SELECT id, SUM(amount) OVER (ORDER BY day, id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
        )
    )
    assert fixed == {1: 10, 2: 30, 3: 60, 4: 100}


def check_16(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE purchases (user_id INTEGER, day INTEGER, amount INTEGER);
        INSERT INTO purchases VALUES
          (1, 1, 1), (1, 1, 1), (1, 3, 1), (1, 9, 1), (1, 10, 1), (1, 10, 1), (1, 12, 1);
        """
    )
    days = [d for (d,) in _rows(conn, "SELECT day FROM purchases ORDER BY day")]

    def truth(day: int) -> int:
        return sum(1 for d in days if day - 7 <= d <= day - 1)

    frames = ITEMS["sql-for-ml-16"]["choices"]
    correct = _choice_key("sql-for-ml-16")
    for index, frame in enumerate(frames):
        got = _rows(
            conn,
            f"SELECT day, COUNT(*) OVER (PARTITION BY user_id ORDER BY day {frame}) "
            "FROM purchases ORDER BY day",
        )
        matches = all(count == truth(day) for day, count in got)
        assert matches == (index == correct), frame


def check_17(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE tx (user_id INTEGER, ts TEXT, amount REAL); "
        "INSERT INTO tx VALUES (1, '2024-01-01', 10), (1, '2024-01-02', 20), (1, '2024-01-03', 90);"
    )
    leaky = _rows(conn, "SELECT AVG(amount) OVER (PARTITION BY user_id) FROM tx ORDER BY ts")
    assert [v for (v,) in leaky] == pytest.approx([40, 40, 40])  # the first row sees the 90
    fixed = _rows(
        conn,
        "SELECT AVG(amount) OVER (PARTITION BY user_id ORDER BY ts "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM tx ORDER BY ts",
    )
    assert [v for (v,) in fixed] == [None, 10, 15]
    assert len(leaky) == 3  # every row is kept, so option C's claim is false
    assert _choice_key("sql-for-ml-17") == 0


def _scores(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE labels (user_id INTEGER, label_time TEXT);
        INSERT INTO labels VALUES (7, '2024-03-10 09:00');
        CREATE TABLE credit_scores (user_id INTEGER, scored_at TEXT, score INTEGER);
        INSERT INTO credit_scores VALUES
          (7, '2024-01-05 10:00', 610), (7, '2024-03-01 12:00', 640),
          (7, '2024-03-10 18:30', 700), (7, '2024-03-12 08:00', 720);
        """
    )


AS_OF = """
SELECT (SELECT s.score FROM credit_scores s
        WHERE s.user_id = l.user_id AND s.scored_at <= l.label_time
        ORDER BY s.scored_at DESC LIMIT 1)
FROM labels l
"""


def check_18(conn: sqlite3.Connection) -> None:
    _scores(conn)
    assert _one(conn, AS_OF) == 640
    latest = _one(
        conn,
        "SELECT score FROM credit_scores WHERE scored_at = (SELECT MAX(scored_at) FROM credit_scores)",
    )
    nearest = _one(
        conn,
        "SELECT s.score FROM labels l JOIN credit_scores s ON s.user_id = l.user_id "
        "ORDER BY ABS(julianday(s.scored_at) - julianday(l.label_time)) LIMIT 1",
    )
    same_day = _one(
        conn,
        "SELECT s.score FROM labels l JOIN credit_scores s "
        "ON s.user_id = l.user_id AND DATE(s.scored_at) = DATE(l.label_time)",
    )
    assert (latest, nearest, same_day) == (720, 700, 700)  # all three leak the future
    assert _choice_key("sql-for-ml-18") == 2


def check_19(conn: sqlite3.Connection) -> None:
    _scores(conn)
    assert _one(conn, AS_OF) == _numeric_key("sql-for-ml-19")


def check_20(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE events (id INTEGER, event_date TEXT);
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
        INSERT INTO events SELECT i, DATE('2024-04-01', '+' || i || ' days') FROM n;
        """
    )
    train_max = _one(conn, "SELECT MAX(event_date) FROM events WHERE event_date < '2024-06-01'")
    test_min = _one(conn, "SELECT MIN(event_date) FROM events WHERE event_date >= '2024-06-01'")
    assert train_max < test_min
    # A modulo sample mixes periods: its test rows span the whole table.
    assert _one(conn, "SELECT MIN(event_date) FROM events WHERE id % 5 = 0") < train_max
    assert _choice_key("sql-for-ml-20") == 2


def check_21(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE sessions (session_id INTEGER, user_id INTEGER);
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
        INSERT INTO sessions SELECT i, i % 7 FROM n;
        """
    )

    def overlap(test_condition: str) -> int:
        return _one(
            conn,
            f"SELECT COUNT(DISTINCT user_id) FROM sessions WHERE {test_condition} AND user_id IN "
            f"(SELECT user_id FROM sessions WHERE NOT ({test_condition}))",
        )

    assert overlap("session_id % 5 = 0") > 0
    assert overlap("user_id % 5 = 0") == 0
    assert _choice_key("sql-for-ml-21") == 1


def check_22(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE orders (user_id INTEGER); "
        "INSERT INTO orders VALUES (1),(1),(1),(2),(2),(3),(3),(3),(3);"
    )
    choices = ITEMS["sql-for-ml-22"]["choices"]
    for bad in choices[:2]:
        with pytest.raises(sqlite3.OperationalError):
            conn.execute(bad)
    assert len(_rows(conn, choices[2])) == 3  # a flag per user, no filtering
    assert _rows(conn, choices[_choice_key("sql-for-ml-22")] + " ORDER BY user_id") == [(1,), (3,)]


def check_23(conn: sqlite3.Connection) -> None:
    conn.executescript("CREATE TABLE impressions (ad_id INTEGER, clicked INTEGER);")
    conn.executemany("INSERT INTO impressions VALUES (?, ?)", [(1, int(i < 3)) for i in range(200)])
    assert _one(conn, "SELECT SUM(clicked) / COUNT(*) FROM impressions GROUP BY ad_id") == 0
    fixed = _one(conn, "SELECT AVG(clicked * 1.0) FROM impressions GROUP BY ad_id")
    assert fixed == pytest.approx(0.015)
    assert _choice_key("sql-for-ml-23") == 1


def check_24(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE t (country TEXT); INSERT INTO t VALUES ('FR'),('FR'),(NULL),('DE'),(NULL);"
    )
    groups = _rows(conn, "SELECT country, COUNT(*) FROM t GROUP BY country")
    assert len(groups) == _numeric_key("sql-for-ml-24")
    assert (None, 2) in groups


def check_25(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER); INSERT INTO users VALUES (1), (2);
        CREATE TABLE refunds (user_id INTEGER, amount REAL); INSERT INTO refunds VALUES (1, 9.5);
        """
    )
    rows = dict(
        _rows(
            conn,
            "SELECT u.id, SUM(r.amount) FROM users u LEFT JOIN refunds r ON r.user_id = u.id "
            "GROUP BY u.id",
        )
    )
    assert rows == {1: 9.5, 2: None}
    fixed = dict(
        _rows(
            conn,
            "SELECT u.id, COALESCE(SUM(r.amount), 0) FROM users u "
            "LEFT JOIN refunds r ON r.user_id = u.id GROUP BY u.id",
        )
    )
    assert fixed == {1: 9.5, 2: 0}
    assert _choice_key("sql-for-ml-25") == 2


def check_26(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE tx (user_id INTEGER, ts TEXT, amount INTEGER); "
        "INSERT INTO tx VALUES (1,'2024-01-01',10), (1,'2024-01-05',20), (2,'2024-01-02',7);"
    )
    bad = _rows(
        conn, "SELECT user_id, LAG(amount) OVER (ORDER BY user_id, ts) FROM tx ORDER BY user_id, ts"
    )
    assert bad[2] == (2, 20)  # user 2's first row gets user 1's last amount
    fixed = _rows(
        conn,
        "SELECT user_id, LAG(amount) OVER (PARTITION BY user_id ORDER BY ts) FROM tx "
        "ORDER BY user_id, ts",
    )
    assert fixed == [(1, None), (1, 10), (2, None)]
    assert _choice_key("sql-for-ml-26") == 2


def check_27(conn: sqlite3.Connection) -> None:
    conn.executescript("CREATE TABLE t (d INTEGER); INSERT INTO t VALUES (1),(4),(9);")
    prev = _rows(conn, f"SELECT {ITEMS['sql-for-ml-27']['answer']}(d) OVER (ORDER BY d) FROM t")
    assert prev == [(None,), (1,), (4,)]


def check_28(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE events (ts TEXT);
        INSERT INTO events VALUES
          ('2024-05-30 23:10'), ('2024-05-31'), ('2024-05-31 13:00'), ('2024-06-01 00:05');
        """
    )
    assert _one(conn, "SELECT COUNT(*) FROM events WHERE ts <= '2024-05-31'") == _numeric_key(
        "sql-for-ml-28"
    )
    assert _one(conn, "SELECT COUNT(*) FROM events WHERE ts < '2024-06-01'") == 3


def check_29(conn: sqlite3.Connection) -> None:
    conn.executescript(
        "CREATE TABLE t (day INTEGER, amount INTEGER); "
        "INSERT INTO t VALUES (1,1), (2,2), (5,3), (9,4), (10,5);"
    )
    rows = dict(
        _rows(
            conn,
            "SELECT day, SUM(amount) OVER (ORDER BY day ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
        )
    )
    assert rows[10] == _numeric_key("sql-for-ml-29")
    fixed = dict(
        _rows(
            conn,
            "SELECT day, SUM(amount) OVER (ORDER BY day RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
        )
    )
    assert fixed[10] == 9


CHECKS: dict[str, Callable[[sqlite3.Connection], None]] = {
    f"sql-for-ml-{name.removeprefix('check_')}": fn
    for name, fn in dict(globals()).items()
    if name.startswith("check_")
}


def test_every_sql_item_has_an_executed_check() -> None:
    assert sorted(CHECKS) == sorted(ITEMS)


@pytest.mark.parametrize("item_id", sorted(CHECKS))
def test_sql_item_behaves_as_claimed(item_id: str, db: sqlite3.Connection) -> None:
    CHECKS[item_id](db)
