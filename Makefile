# make lab   -- create .venv if missing, install, open JupyterLab on notebooks/
# make test  -- the same environment, then unit tests + every notebook under nbval
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test unit notebooks notebooks-models bench clean-notebooks data model model-v3 model-v2 model-emoji model-clipart samples compare

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch/torchvision pinned to releases that install on CPU-only machines without a GPU wheel hunt
	$(BIN)/python -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# CLIPNB_NULL_MODELS=3: each notebook verdict is set against up to 3 random-weight models here (19 for users and
# `make compare`): the 12 notebooks take under 3 minutes cold on a 2-core CPU (bench/notebook_suite.py). While nbval runs each of the
# 12 notebooks, tests/notebook_sentences.py (a plugin, loaded by conftest.py) checks its computed sentences against
# their output in the same kernel, so each notebook is executed once
test: $(STAMP)
	CLIPNB_MODEL=bundled CLIPNB_NULL_MODELS=3 $(BIN)/python -m pytest -q tests notebooks --nbval-lax --nbval-cell-timeout=600 --durations=15

# every notebook and every exercise's solution on the other two models its prose must stay true on: an earlier
# bundled model and random weights, each computed sentence checked against its output as in `make test`;
# about 12 min on 2 cores
notebooks-models: $(STAMP)
	for m in bundled:emoji random:bundled; do \
	  CLIPNB_MODEL=$$m CLIPNB_NULL_MODELS=3 $(BIN)/python -m pytest -q notebooks --nbval-lax --nbval-cell-timeout=600 \
	    || exit 1; \
	done

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests

bench: $(STAMP)
	$(BIN)/python bench/cache_reopen.py
	$(BIN)/python bench/slider_latency.py
	$(BIN)/python bench/encode_throughput.py
	$(BIN)/python bench/image_tower_cpu.py
	$(BIN)/python bench/search_scale.py
	$(BIN)/python bench/float16_shards.py
	$(BIN)/python bench/large_corpus.py
	$(BIN)/python bench/compare_models.py
	$(BIN)/python bench/prompt_encoding.py
	$(BIN)/python bench/causal_text_trim.py
	$(BIN)/python bench/tsp_descent.py
	$(BIN)/python bench/text_length_order.py
	$(BIN)/python bench/random_twins.py
	$(BIN)/python bench/training_step.py
	$(BIN)/python bench/notebook_suite.py

clean-notebooks: $(STAMP)
	$(BIN)/nbstripout notebooks/*.ipynb notebooks/solutions/*.ipynb

# the bundled model's data: openclipart (apt: openclipart-svg librsvg2-bin), named emoji and icons (npm registry),
# scenes composed from the training emoji, and Tux Paint's photo stamps (apt-get download, unpacked, not installed)
data: $(STAMP)
	$(BIN)/python -m clipnb_train.clipart build
	$(BIN)/python -m clipnb_train.emoji build
	$(BIN)/python -m clipnb_train.icons build
	$(BIN)/python -m clipnb_train.scenes build
	$(BIN)/python -m clipnb_train.stamps build

# the bundled model (~55 min on 2 cores after `make data`: 2 × 17 min of the trunk's features of 34,500 pictures, cached and
# resumable): EfficientNet-Lite0 (ImageNet) and all-MiniLM-L6-v2, both pretrained and locked, and the heads between
# them trained on the cached features (LiT); then the skewed fine-tune of its image head, then EVAL.md.
# `make model-v3` rebuilds bundled:v3 (both towers small and trained here).
PROFESSIONS := ^(man-|woman-)?(firefighter|mechanic|pilot|health-worker|teacher|cook|farmer|scientist|technologist|judge|artist|singer|astronaut|police-officer|office-worker)$$
CACHE := $(shell $(BIN)/python -c "from clipnb.cache import cache_dir; print(cache_dir())" 2>/dev/null)
model: data
	$(BIN)/python -m clipnb_train.trunk fetch
	$(BIN)/python -m clipnb_train.english fetch
	HF_HUB_OFFLINE=1 $(BIN)/python -m clipnb_train.lit --out data/models/clipnb-v4-lit
	HF_HUB_OFFLINE=1 $(BIN)/python -m clipnb_train.lit --init data/models/clipnb-v4-lit --skew professions \
	  --focus '$(PROFESSIONS)' --focus-weight 30 --steps 1000 --out data/models/clipnb-v4-lit-skewed
	$(BIN)/python -m clipnb_train.evaluation

# bundled:v3 (the previous bundled model, ~75 min): bundled:v2's towers (its text distilled from all-MiniLM-L6-v2)
# train on twice the pictures (icons, scenes) with style augmentation while the distillation loss holds the text to
# the teacher
model-v3: data
	$(BIN)/python -m pip install -q -e ".[build]"
	$(BIN)/python -m clipnb_train.training --text english-joint --init-visual data/models/clipnb-english-s \
	  --init-text data/models/clipnb-english-s --icons $(CACHE)/icons --scenes $(CACHE)/scenes \
	  --shares clipart=0.2,emoji=0.45,icons=0.15,scenes=0.2 --augment style --epochs 6 --epoch-steps 200 \
	  --lr 5e-4 --focus '^(man|woman)-' --focus-weight 2 --out data/models/clipnb-v3-s

# bundled:v2 (the previous bundled model), from bundled:emoji's image tower (~50 min), on the five colour emoji styles
V2_STYLES := noto,noto-v1,fluent-emoji-flat,fluent-emoji,emojione
model-v2: data
	$(BIN)/python -m pip install -q -e ".[build]"
	$(BIN)/python -m clipnb_train.training --text english --init-visual data/models/clipnb-emoji-s --styles $(V2_STYLES) \
	  --out data/models/clipnb-english-s --epochs 12 --lr 5e-4 --focus '^(man|woman)-' --focus-weight 2 --distill-steps 5000

# the earlier bundled models, rebuilt from the same data: bundled:emoji (40 min) and bundled:clipart
model-emoji: data
	$(BIN)/python -m clipnb_train.training --out data/models/clipnb-emoji-s --epochs 20 --styles $(V2_STYLES)
model-clipart: data
	$(BIN)/python -m clipnb_train.training --emoji '' --out data/models/clipnb-clipart-s

samples: data
	$(BIN)/python -m clipnb_train.samples

# make compare MODELS="bundled,bundled:emoji,ViT-B-32:laion2b_s34b_b79k" [OUT=compare-report] [CORPUS=coco|FOLDER]
MODELS ?= bundled,bundled:emoji
OUT ?= compare-report
CORPUS ?=
compare: $(STAMP)
	$(BIN)/python -m clipnb.compare --models "$(MODELS)" --out "$(OUT)" $(if $(CORPUS),--corpus "$(CORPUS)")
