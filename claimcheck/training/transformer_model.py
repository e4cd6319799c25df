"""The slow, stronger classifier: a BERT-style sequence classifier (transformers).

Either fine-tunes a local Hugging Face checkpoint the user has on disk
(``--init PATH``), or trains a small BERT from a config with a character
vocabulary built from the training split. Saved with ``save_pretrained``
(safetensors) and always loaded with ``local_files_only=True``: no code path
here reaches a model hub. torch and transformers are an optional extra and are
imported only inside these functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.training.artifacts import ModelArtifactError, ModelMetadata, read_metadata

MAX_LEN = 64
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _require_torch() -> tuple[Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError:
        raise ModelArtifactError(
            "the transformers model needs the optional extra: pip install -e '.[transformers]'"
        ) from None
    transformers.logging.set_verbosity_error()
    return torch, transformers


def build_char_vocab(texts: list[str], min_count: int = 1) -> list[str]:
    """Specials, every character seen in ``texts``, and ##-pieces for ASCII letters/digits."""
    from collections import Counter

    counts = Counter(ch for t in texts for ch in t)
    chars = sorted(ch for ch, n in counts.items() if n >= min_count and not ch.isspace())
    ascii_pieces = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    return _SPECIALS + [c for c in chars if c not in _SPECIALS] + ascii_pieces


def device_name() -> str:
    torch, _ = _require_torch()
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class TransformerClassifier:
    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    metadata: ModelMetadata | None = None
    batch_size: int = 64

    @property
    def version(self) -> str:
        return self.metadata.version_tag if self.metadata else "transformers@unsaved"

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        torch, _ = _require_torch()
        out = np.zeros((len(texts), len(self.labels)))
        if not texts:
            return out
        id2label = self.model.config.id2label
        cols = [self.labels.index(id2label[i]) for i in range(len(id2label))]
        device = next(self.model.parameters()).device
        self.model.eval()
        with torch.no_grad():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(
                    texts[i : i + self.batch_size],
                    padding=True,
                    truncation=True,
                    max_length=MAX_LEN,
                    return_tensors="pt",
                ).to(device)
                probs = torch.softmax(self.model(**batch).logits, dim=-1).cpu().numpy()
                out[i : i + len(probs), cols] = probs
        return out

    def save(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(directory, safe_serialization=True)
        self.tokenizer.save_pretrained(directory)
        return sorted(p for p in directory.iterdir() if p.is_file() and p.name != "metadata.json")

    @classmethod
    def load(cls, directory: str | Path, labels: tuple[str, ...]) -> TransformerClassifier:
        root = Path(directory)
        meta = read_metadata(root, "transformers", labels)
        _torch, transformers = _require_torch()
        try:
            tok = transformers.AutoTokenizer.from_pretrained(root, local_files_only=True)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                root, local_files_only=True, use_safetensors=True
            )
        except (OSError, ValueError) as exc:
            raise ModelArtifactError(f"{root}: cannot load the transformers model ({exc})") from None
        if set(model.config.id2label.values()) != set(labels):
            raise ModelArtifactError(f"{root}: model labels {sorted(model.config.id2label.values())} do not fit")
        model.to(device_name())
        model.eval()
        return cls(model=model, tokenizer=tok, labels=labels, metadata=meta)


def make_model(
    labels: tuple[str, ...], train_texts: list[str], init: Path | None, seed: int = 0
) -> TransformerClassifier:
    """A fresh model: from a local checkpoint (``init``) or a small BERT from config."""
    torch, transformers = _require_torch()
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
    torch, _ = _require_torch()
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
