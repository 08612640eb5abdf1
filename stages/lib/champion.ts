// The champion is the model the last `package` run shipped. On a fresh clone it does not exist,
// and every stage that reads it says so instead of failing.

import { readJsonIfExists } from './io.js';
import { CHAMPION_MODEL } from './layout.js';
import { parseModel, type OccupancyModel } from './model.js';

export async function readChampion(path = CHAMPION_MODEL): Promise<OccupancyModel | null> {
  const value = await readJsonIfExists(path);
  return value === undefined ? null : parseModel(value, path);
}
