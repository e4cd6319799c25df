"""The slow, stronger classifier's inference: a BERT-style sequence classifier (transformers).

Training (``claimcheck.training.transformer_train``) either fine-tunes a local
Hugging Face checkpoint the user has on disk (``--init PATH``), or trains a small BERT from a config with a character
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

from claimcheck.classifier.artifacts import ModelArtifactError, ModelMetadata, read_metadata

MAX_LEN = 64


def require_torch() -> tuple[Any, Any]:
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


def device_name() -> str:
    torch, _ = require_torch()
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
        torch, _ = require_torch()
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
        _torch, transformers = require_torch()
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
