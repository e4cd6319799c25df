"""Training the slow classifier: a char-vocab BERT from config, or fine-tuning a local checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.classifier.artifacts import ModelArtifactError
from claimcheck.classifier.transformer_model import MAX_LEN, TransformerClassifier, device_name, require_torch

_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_char_vocab(texts: list[str], min_count: int = 1) -> list[str]:
    """Specials, every character seen in ``texts``, and ##-pieces for ASCII letters/digits."""
    from collections import Counter

    counts = Counter(ch for t in texts for ch in t)
    chars = sorted(ch for ch, n in counts.items() if n >= min_count and not ch.isspace())
    ascii_pieces = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    return _SPECIALS + [c for c in chars if c not in _SPECIALS] + ascii_pieces


def make_model(
    labels: tuple[str, ...], train_texts: list[str], init: Path | None, seed: int = 0
) -> TransformerClassifier:
    """A fresh model: from a local checkpoint (``init``) or a small BERT from config."""
    torch, transformers = require_torch()
    torch.manual_seed(seed)
    id2label = dict(enumerate(labels))
    label2id = {v: k for k, v in id2label.items()}
    if init is not None:
        if not Path(init).is_dir():
            raise ModelArtifactError(f"--init {init}: not a local checkpoint folder")
        try:
            tok = transformers.AutoTokenizer.from_pretrained(init, local_files_only=True)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                init,
                local_files_only=True,
                num_labels=len(labels),
                id2label=id2label,
                label2id=label2id,
                ignore_mismatched_sizes=True,
            )
        except (OSError, ValueError) as exc:
            raise ModelArtifactError(f"--init {init}: cannot load a checkpoint from it ({exc})") from None
        return TransformerClassifier(model=model, tokenizer=tok, labels=labels)
    import inspect
    import tempfile

    vocab = build_char_vocab(train_texts)
    params = inspect.signature(transformers.BertTokenizerFast.__init__).parameters
    if "vocab" in params:  # transformers >= 5 takes the vocabulary itself
        tok = transformers.BertTokenizerFast(
            vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=False, tokenize_chinese_chars=True
        )
    else:  # transformers 4 reads a vocab.txt
        with tempfile.TemporaryDirectory() as tmp:
            vocab_file = Path(tmp) / "vocab.txt"
            vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
            tok = transformers.BertTokenizerFast(
                vocab_file=str(vocab_file), do_lower_case=False, tokenize_chinese_chars=True
            )
    if len(tok) != len(vocab):
        raise ModelArtifactError(f"tokenizer built {len(tok)} tokens from a vocabulary of {len(vocab)}")
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=256,
        max_position_embeddings=MAX_LEN + 2,
        hidden_dropout_prob=0.1,
        num_labels=len(labels),
        id2label=id2label,
        label2id=label2id,
    )
    model = transformers.BertForSequenceClassification(config)
    return TransformerClassifier(model=model, tokenizer=tok, labels=labels)


def fine_tune(
    clf: TransformerClassifier,
    train: tuple[list[str], list[str]],
    dev: tuple[list[str], list[str]],
    epochs: int,
    lr: float,
    batch_size: int = 32,
    seed: int = 0,
    log: Any = print,
) -> dict[str, float]:
    """Train with AdamW, keep the epoch with the best dev accuracy."""
    torch, _ = require_torch()
    rng = np.random.default_rng(seed)
    device = device_name()
    model = clf.model.to(device)
    label_ids = {label: i for i, label in enumerate(clf.labels)}
    id_of = {label: model.config.label2id[label] for label in clf.labels}
    y_train = np.array([id_of[y] for y in train[1]])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    best_acc, best_state = -1.0, None
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(train[0]))
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            batch = clf.tokenizer(
                [train[0][j] for j in idx], padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt"
            ).to(device)
            out = model(**batch, labels=torch.tensor(y_train[idx], device=device))
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            total += out.loss.item() * len(idx)
        proba = clf.predict_proba(dev[0])
        acc = float(np.mean(proba.argmax(1) == np.array([label_ids[y] for y in dev[1]])))
        log(f"epoch {epoch + 1}/{epochs}: train loss {total / len(order):.4f}, dev accuracy {acc:.4f}")
        if acc > best_acc:
            best_acc = acc
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"dev_accuracy": best_acc}
