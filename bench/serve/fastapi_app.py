"""The prediction service of serve/ rewritten the way a FastAPI user would write it, for the load
benchmark (bench/serve/run.ts): same bundle, same scoring, same validation rules (pydantic), one
JSON line appended per prediction before the answer. Configured by environment variables:
BUNDLE_DIR (model.json) and LOG_FILE. Run: uvicorn fastapi_app:app."""

import json
import math
import os
from datetime import datetime, timezone
from typing import Optional

from fastapi import FastAPI
from pydantic import BaseModel, Extra, conint

with open(os.path.join(os.environ.get("BUNDLE_DIR", "bundle"), "model.json"), encoding="utf-8") as f:
    MODEL = json.load(f)
with open(os.path.join(os.environ.get("BUNDLE_DIR", "bundle"), "manifest.json"), encoding="utf-8") as f:
    VERSION = json.load(f)["model_id"]

LOG = open(os.environ.get("LOG_FILE", "requests-fastapi.jsonl"), "a", encoding="utf-8")


class Row(BaseModel, extra=Extra.forbid):
    temperature: Optional[float]
    humidity: Optional[float]
    light: Optional[float]
    co2: Optional[float]
    humidity_ratio: Optional[float]
    hour: conint(ge=0, le=23)
    weekday: conint(ge=0, le=6)


def score(row: Row) -> float:
    imp = MODEL["impute"]
    raw = {k: (v if v is not None else imp[k]) for k, v in row.dict().items()}
    angle = 2 * math.pi * raw["hour"] / 24
    x = [raw["temperature"], raw["humidity"], raw["light"], raw["co2"], raw["humidity_ratio"],
         math.sin(angle), math.cos(angle), 1 if raw["weekday"] < 5 else 0, 1 if 8 <= raw["hour"] < 18 else 0]
    z = MODEL["bias"] + sum(w * (v - c) / s for w, v, c, s in zip(MODEL["weights"], x, MODEL["center"], MODEL["scale"]))
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


app = FastAPI()


@app.post("/predict")
async def predict(row: Row):
    p = score(row)
    prediction = 1 if p >= MODEL["decision_threshold"] else 0
    record = {"timestamp": datetime.now(timezone.utc).isoformat(), "model_version": VERSION,
              "score": p, "prediction": prediction, "features": row.dict()}
    LOG.write(json.dumps(record) + "\n")
    LOG.flush()
    return {"model_version": VERSION, "score": p, "occupied": prediction}


@app.get("/health")
async def health():
    return {"status": "ok", "model_version": VERSION}


@app.on_event("shutdown")
def close_log():
    LOG.close()
