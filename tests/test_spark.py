"""Spark local mode (claimcheck.spark, `claimcheck batch --engine spark`): the same table gives the same
findings through the Python API, `claimcheck batch` and Spark (issue 15). Needs `java` (CI installs
Debian's openjdk-17-jre-headless); one Spark session serves the whole module."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from claimcheck.batch import screen_frame
from claimcheck.cli import app

pytestmark = [
    pytest.mark.spark,
    # pyspark's own warnings about pandas 3 (it works; its checks have not caught up)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

TEXTS = [
    "全网最低价，能治失眠",
    "今天天气很好，我们聊聊这件衬衫的版型",
    "这款面霜美白祛斑，用了就见效",
    "第一名的品质，无效退款",
    "吃了三天就瘦了十斤，百分之百有效",
    "欢迎来到直播间",
    None,
    "",
    "   ",
    "这件羽绒服是我见过保暖性最好的一件，没有之一。",
    "全网第一的卫衣版型，今天就在我们直播间。",
    "顶级长绒棉衬衫，面料天花板级别。",
    "家人们点点关注，马上开始抽奖",
    "这个保健品能降血压，吃了就不用吃药了",
    "纯天然无添加，零风险，孕妇儿童都能放心吃",
    "国家级产品，领导人都在用",
    "这双鞋子穿着很舒服，尺码偏大半码",
    "喝了这个茶，三天排毒养颜，癌细胞都没了",
    "史上最强的扫地机器人，永不损坏",
    "买二送一，库存不多了，拍完就没了",
    "这款洗发水防脱生发，一周见效",
    "每百克含蛋白质12克，配料表干净",
    "我们的面膜含有玻尿酸，补水保湿",
    "最后三单，错过今天再等一年",
    "这个减肥茶不反弹，月瘦二十斤",
    "主播自己也在用，真心推荐给大家",
    "医生都推荐的牙膏，根治牙周炎",
    "颜色有黑白两种，今天下单明天发货",
    "100%纯棉，绝对不起球不掉色",
    "独家秘方，祖传配方，药到病除",
]
CATEGORIES = [None] * len(TEXTS)
CATEGORIES[2] = "化妆品"
CATEGORIES[4] = "food"
CATEGORIES[13] = "food"
CATEGORIES[20] = "没有这个类目"  # the engine refuses it: an error row everywhere
ERROR_ROWS = {"r6", "r7", "r8", "r20"}
runner = CliRunner()


def _key(row) -> tuple:
    return (str(row.id), int(row.start), int(row.end), row.rule_id, row.category, row.severity)


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("no `java` on PATH: Spark needs a Java runtime (Debian: openjdk-17-jre-headless)")
    from claimcheck.spark import local_session

    started = time.perf_counter()
    session = local_session(2)
    print(f"Spark session started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.DataFrame({"id": [f"r{i}" for i in range(len(TEXTS))], "text": TEXTS, "category": CATEGORIES})


@pytest.fixture(scope="module")
def expected(engine, table) -> tuple[list[tuple], pd.DataFrame]:
    """Findings and per-row verdicts through the Python API (screen_frame, i.e. Engine.screen_many)."""
    findings, verdicts = screen_frame(table.set_index("id"), category="category", engine=engine)
    keys = sorted(_key(r) for r in findings.rename(columns={"row": "id"}).itertuples())
    results = engine.screen_many(TEXTS, categories=CATEGORIES)
    direct = sorted(
        (f"r{i}", f.start, f.end, f.rule_id, str(f.category), str(f.severity))
        for i, r in enumerate(results)
        for f in r.findings
    )
    assert keys == direct and len(keys) > 20
    assert set(verdicts.index[verdicts["error"].notna()]) == ERROR_ROWS
    assert {"block", "pass"} <= set(verdicts["verdict"].dropna())
    return keys, verdicts


def _sdf(spark, table: pd.DataFrame):
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField(name, T.StringType()) for name in ("id", "text", "category")])
    return spark.createDataFrame(table, schema=schema)


def test_screen_dataframe_equals_the_python_api(spark, table, expected) -> None:
    from claimcheck.spark import screen_dataframe
    from claimcheck.types import FINDING_FIELDS

    found = screen_dataframe(_sdf(spark, table), "text", category_col="category", id_col="id")
    assert found.columns == ["id", *FINDING_FIELDS]
    got = found.toPandas()
    assert sorted(_key(r) for r in got.itertuples()) == expected[0]
    merged = got["merged_rule_ids"].dropna()
    assert all(isinstance(json.loads(v), list) for v in merged)  # nested fields are JSON text


def test_screen_rows_gives_verdicts_and_errors_like_screen_frame(spark, table, expected) -> None:
    from claimcheck.spark import screen_rows

    rows = screen_rows(_sdf(spark, table), "text", category_col="category", id_col="id").toPandas().set_index("id")
    verdicts = expected[1]
    rows = rows.loc[verdicts.index]
    assert rows["verdict"].tolist() == verdicts["verdict"].tolist()
    assert rows["n_findings"].tolist() == verdicts["n_findings"].tolist()
    assert rows["error"].tolist() == verdicts["error"].tolist()
    assert sum(len(json.loads(f)) for f in rows["findings"]) == len(expected[0])


def test_screen_dataframe_without_an_id_column(spark, table, expected) -> None:
    from claimcheck.spark import screen_dataframe

    found = screen_dataframe(_sdf(spark, table).select("text", "category"), category_col="category").toPandas()
    assert found.columns[0] == "row" and len(found) == len(expected[0])  # a generated key: unique, not consecutive
    assert found["row"].nunique() == len({key[0] for key in expected[0]})


def test_batch_command_local_and_spark_give_the_same_findings(spark, tmp_path: Path, table, expected) -> None:
    src = tmp_path / "in.csv"
    table.to_csv(src, index=False)
    outputs = {}
    for kind in ("local", "spark"):
        out = tmp_path / f"{kind}.jsonl"
        args = ["batch", str(src), "--out", str(out), "--id-col", "id", "--category-col", "category"]
        res = runner.invoke(app, [*args, "--engine", kind, "--jobs", "2"])
        assert res.exit_code == 0, res.output
        summary = json.loads(res.stdout)
        assert summary["rows"] == len(TEXTS) and summary["errors"] == len(ERROR_ROWS)
        found = pd.read_json(out, lines=True, dtype=False)
        assert sorted(_key(r) for r in found.itertuples()) == expected[0]
        rows = pd.read_json(out.with_name(out.name + ".rows.jsonl"), lines=True, dtype=False)
        outputs[kind] = (
            {k: v for k, v in summary.items() if k not in ("input", "output")},
            rows.sort_values("id").reset_index(drop=True),
            found.sort_values(["id", "start", "end", "rule_id"]).reset_index(drop=True),
        )
    assert outputs["spark"][0] == outputs["local"][0]
    pd.testing.assert_frame_equal(outputs["spark"][1], outputs["local"][1])
    pd.testing.assert_frame_equal(outputs["spark"][2], outputs["local"][2])
    assert spark.sparkContext._jsc is not None  # the command left the test's session running


def test_batch_command_spark_writes_csv_like_local(spark, tmp_path: Path, table) -> None:
    src = tmp_path / "in.jsonl"
    table.to_json(src, orient="records", lines=True, force_ascii=False)
    read = {}
    for kind in ("local", "spark"):
        out = tmp_path / f"{kind}.csv"
        res = runner.invoke(app, ["batch", str(src), "--out", str(out), "--engine", kind, "--category-col", "category"])
        assert res.exit_code == 0, res.output
        read[kind] = pd.read_csv(out, dtype=str).sort_values(["row", "start", "end", "rule_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(read["spark"], read["local"])
