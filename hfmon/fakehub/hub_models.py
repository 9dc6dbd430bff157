"""The public models the demo's Endpoints serve, with what the Hub's model info says of their weights.

Parameter counts by safetensors dtype, as `GET /api/models/{repo_id}` lists them under `safetensors.parameters`
(illustrative values of the right size). A model with `parameters` None has no safetensors info on the Hub (a
diffusers pipeline here): its size is unknown to a client, as it is for real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class ModelDef:
    """A public model repository on the fake Hub."""

    id: str
    pipeline_tag: str
    library_name: str
    parameters: tuple[tuple[str, int], ...] | None  # (dtype, count); None: no safetensors info
    created_at: datetime = datetime(2024, 1, 1, tzinfo=UTC)

    @property
    def entity_id(self) -> str:
        """A stable 24-hex `_id`."""
        return hashlib.sha1(f"model/{self.id}".encode()).hexdigest()[:24]

    @property
    def sha(self) -> str:
        """The head commit."""
        return hashlib.sha1(self.id.encode()).hexdigest()


HUB_MODELS: tuple[ModelDef, ...] = (
    # ada/llama-chat serves it on an aws nvidia-l4 x1 (24 GB): 16.06 GB of BF16 weights, right-sized
    ModelDef("meta-llama/Llama-3.1-8B-Instruct", "text-generation", "transformers", (("BF16", 8_030_261_248),)),
    # ada-labs/qwen-prod on an aws nvidia-a100 x1 (80 GB): 65.5 GB of BF16 weights, right-sized
    ModelDef("Qwen/Qwen2.5-32B-Instruct", "text-generation", "transformers", (("BF16", 32_763_876_352),)),
    # ada-labs/reranker on a gcp nvidia-l4 x1 (24 GB, $0.70/h): 2.3 GB of F32 weights fit a T4 x1 (16 GB, $0.50/h)
    ModelDef("BAAI/bge-reranker-v2-m3", "text-classification", "sentence-transformers", (("F32", 567_754_752),)),
    ModelDef("BAAI/bge-small-en-v1.5", "feature-extraction", "sentence-transformers", (("F32", 33_360_000),)),
    ModelDef("facebook/bart-large-cnn", "summarization", "transformers", (("F32", 406_290_432),)),
    ModelDef("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification", "transformers",
             (("F32", 66_955_010),)),
    ModelDef("openai-community/gpt2", "text-generation", "transformers", (("F32", 137_022_720),)),
    ModelDef("stabilityai/sd-turbo", "text-to-image", "diffusers", None),
)
