"""Ta'awun (تعاون): bilingual question answering over Egypt's ICT international cooperation."""

import os as _os

# Offline hygiene before any library reads its environment: the hub is unreachable
# here and a lookup would hang for a minute; telemetry must never phone home.
for _k, _v in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_k, _v)

__version__ = "0.1.0"
