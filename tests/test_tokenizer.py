from __future__ import annotations

import jieba

from claimcheck.nlp.tokenizer import JiebaTokenizer, make_pipeline


def test_user_words_stay_whole() -> None:
    nlp = make_pipeline(["数最多", "全网最低价"])
    words = [t.text for t in nlp("这是人数最多的直播间，全网最低价")]
    assert "全网最低价" in words
    assert "数最多" in words


def test_private_dictionary_does_not_leak_into_global_jieba() -> None:
    word = "卡拉克提斯面霜"
    nlp = make_pipeline([word])
    assert word in [t.text for t in nlp(f"这个{word}很好")]
    assert word not in list(jieba.cut(f"这个{word}很好"))
    other = make_pipeline([])
    assert word not in [t.text for t in other(f"这个{word}很好")]


def test_doc_text_is_input_and_offsets_are_characters() -> None:
    nlp = make_pipeline([])
    text = "家人们 hello，上链接！"
    doc = nlp(text)
    assert doc.text == text
    assert [t.idx for t in doc] == sorted(t.idx for t in doc)
    assert all(text[t.idx : t.idx + len(t.text)] == t.text for t in doc)


def test_tokenizer_is_registered_in_spacy_config() -> None:
    nlp = make_pipeline([])
    assert isinstance(nlp.tokenizer, JiebaTokenizer)
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "claimcheck.jieba_tokenizer.v1"
