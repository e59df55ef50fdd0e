"""The bundled models' open_clip architectures, as data (like open_clip's ``model_configs/*.json``), and their tokenizer."""
from __future__ import annotations

# open_clip architectures as data, like open_clip's own model_configs/*.json. Both fit 20 MB in fp16;
# most of it is the text tower's 49,408-token embedding table.
TEXT_CONFIG = {"context_length": 32, "vocab_size": 49408, "width": 128, "heads": 4, "layers": 4}
ARCHITECTURES = {
    # a small vision transformer on 64×64 images
    "vit": {"embed_dim": 128, "text_cfg": TEXT_CONFIG,
            "vision_cfg": {"image_size": 64, "layers": 6, "width": 192, "patch_size": 8, "head_width": 64}},
    # a small convolutional network (timm's RegNetX-200MF, random init) on 96×96 images
    "cnn": {"embed_dim": 128, "text_cfg": TEXT_CONFIG,
            "vision_cfg": {"image_size": 96, "timm_model_name": "regnetx_002", "timm_model_pretrained": False,
                           "timm_pool": "avg", "timm_proj": "linear"}},
}
MODEL_CONFIG = ARCHITECTURES["cnn"]  # bundled:v3's and the earlier bundled models' (bundled itself: clipnb_train.lit)


def _locked_english() -> dict:
    """The bundled image tower with all-MiniLM-L6-v2 itself as the text tower, through open_clip's own Hugging
    Face text tower (mean pooling, a trained linear projection): the teacher is used, not distilled. It loads
    from the verified teacher folder (``python -m clipnb_train.english fetch``); trained with the text
    transformer frozen (``--freeze text.transformer``), this is the "locked" text side of issue 24."""
    from clipnb.cache import build_dir

    teacher = str(build_dir("teacher") / "all-MiniLM-L6-v2")
    return {"embed_dim": 128, "vision_cfg": ARCHITECTURES["cnn"]["vision_cfg"],
            "text_cfg": {"hf_model_name": teacher, "hf_tokenizer_name": teacher, "hf_model_pretrained": True,
                         "hf_proj_type": "linear", "hf_pooler_type": "mean_pooler", "context_length": 32}}


ARCHITECTURES["cnn-minilm"] = _locked_english()
# A toy of the same family for live runs in notebook 02: it learns visibly in a minute on a CPU.
TINY_CONFIG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "head_width": 32},
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


def tokenizer_for_bundled():
    import open_clip

    return open_clip.get_tokenizer("ViT-B-32", context_length=MODEL_CONFIG["text_cfg"]["context_length"])


def tokenizer_for(architecture: dict):
    """The tokenizer of an architecture: its Hugging Face tokenizer where the text tower is one, else CLIP's."""
    name = architecture["text_cfg"].get("hf_tokenizer_name")
    if not name:
        return tokenizer_for_bundled()
    from open_clip.tokenizer import HFTokenizer

    return HFTokenizer(name, context_length=architecture["text_cfg"]["context_length"])
