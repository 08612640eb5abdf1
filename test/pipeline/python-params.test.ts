// Python params files, against the values DVC 3 reads from them (its _py.py over Python's ast:
// module-level and class-level literal assignments, `self.x = literal` in `__init__`; anything
// that is not a literal is skipped). The expected values were produced by that algorithm run
// under CPython on these exact files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../engine/errors.js';
import { parsePythonParams } from '../../engine/pipeline/python-params.js';
import { toPlain } from '../../engine/pipeline/yaml-tree.js';
import type { YNode } from '../../engine/pipeline/yaml-tree.js';
import { resolveText, stage } from './helpers.js';

const TRAIN_CONFIG = `
"""Training configuration read by train.py and by DVC as a params file."""
import os
from pathlib import Path

SEED = 42
DATA_DIR = Path("data")           # not a literal: skipped
EPOCHS: int = 25
LEARNING_RATE = 3e-4
BATCH_SIZES = [16, 32,
               64]
IMAGE_SHAPE = (224, 224, 3)
AUGMENT = {
    "flip": True,
    "rotate": 15.0,
    "crop": None,  # trailing comma below
}
MODEL_NAME = "resnet" "50"
LOG_DIR = os.environ.get("LOG_DIR", "logs")
USE_GPU = True; VERBOSE = False
a = b = 0
if SEED:
    HIDDEN = 1
`;

const MODEL_PARAMS = `
from dataclasses import dataclass, field


@dataclass
class Optimizer:
    name: str = "adamw"
    lr: float = 1.0e-3
    betas: tuple = (0.9, 0.999)
    weight_decay = 0.01


class Model:
    """Hyper-parameters of the network."""

    layers = [128, 64]
    dropout = 0.2

    def __init__(self, units=256):
        self.units = 256
        self.activation = 'relu'
        self.name = f"mlp-{units}"
        local = 3

    def describe(self):
        self.ignored = 1
        return "model"

    class Head:
        classes = 10


def helper():
    return 1
`;

function floatAt(node: YNode, ...keys: string[]): boolean {
  let n: YNode | undefined = node;
  for (const k of keys) n = n?.kind === 'map' ? n.entries.find((e) => e.key === k)?.value : undefined;
  assert.ok(n?.kind === 'scalar', `no scalar at ${keys.join('.')}`);
  return n.float;
}

describe('Python params files', () => {
  test('module-level literals, as DVC reads them; non-literals and chained assignments skipped', () => {
    const tree = parsePythonParams('train_config.py', TRAIN_CONFIG);
    assert.deepEqual(toPlain(tree), {
      SEED: 42,
      EPOCHS: 25,
      LEARNING_RATE: 0.0003,
      BATCH_SIZES: [16, 32, 64],
      IMAGE_SHAPE: [224, 224, 3],
      AUGMENT: { flip: true, rotate: 15.0, crop: null },
      MODEL_NAME: 'resnet50',
      USE_GPU: true,
      VERBOSE: false,
    });
    assert.equal(floatAt(tree, 'AUGMENT', 'rotate'), true, '15.0 stays a float (it prints as 15.0)');
    assert.equal(floatAt(tree, 'SEED'), false);
  });

  test('classes are nested mappings; __init__ contributes its self.x literals', () => {
    assert.deepEqual(toPlain(parsePythonParams('model_params.py', MODEL_PARAMS)), {
      Optimizer: { name: 'adamw', lr: 0.001, betas: [0.9, 0.999], weight_decay: 0.01 },
      Model: { layers: [128, 64], dropout: 0.2, units: 256, activation: 'relu', Head: { classes: 10 } },
    });
  });

  test('strings: escapes, raw strings, triple quotes; positions point into the .py file', () => {
    const tree = parsePythonParams('p.py', 'A = "tab\\there"\nB = r"C:\\\\new"\nC = """two\nlines"""\nD = 0x1F\nE = -2\n');
    assert.deepEqual(toPlain(tree), { A: 'tab\there', B: 'C:\\\\new', C: 'two\nlines', D: 31, E: -2 });
    const e = tree.entries.find((x) => x.key === 'E')!;
    assert.deepEqual(e.keyPos, { file: 'p.py', line: 6, col: 1 }, 'the triple-quoted string spans lines 3-4');
  });

  test('a file Python cannot tokenize is a located error', () => {
    assert.throws(() => parsePythonParams('bad.py', 'A = 1\nB = "open\n'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.format(), 'bad.py:2:5: unterminated string literal');
      return true;
    });
  });

  test('a stage reads keys of a .py params file, nested through classes', () => {
    const p = resolveText('stages:\n  train:\n    cmd: python train.py\n    params:\n      - model_params.py:\n          - Optimizer.lr\n          - Model.units\n', {
      'model_params.py': MODEL_PARAMS,
    });
    assert.deepEqual(stage(p, 'train').params, { 'model_params.py': { 'Optimizer.lr': 0.001, 'Model.units': 256 } });
  });
});
