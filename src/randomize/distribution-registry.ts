/**
 * The template distributions, by name. Each is a Distribution (distribution.ts), the
 * built-in ones in distributions/; one is registered by one entry in BUILT_IN below, or by a
 * library user with registerDistribution. Sampling (template.ts) and the check for misspelt
 * names (frames.ts) take names from here, so nothing else lists distributions.
 */
import type { Distribution } from "./distribution.js";
import { hsvDistribution, kelvinDistribution } from "./distributions/colours.js";
import { filesDistribution } from "./distributions/files.js";
import { choiceDistribution, intDistribution, logUniformDistribution, normalDistribution, uniformDistribution } from "./distributions/numeric.js";
import { rotationAboutDistribution, shellDistribution, uniformRotationDistribution } from "./distributions/spatial.js";
import { generateDistribution } from "./distributions/textures.js";

/**
 * The built-in distributions. The order matters: a node holding two distribution names is
 * the first of them here (the other is then an unknown field), and error messages list
 * names in this order.
 */
export const BUILT_IN: readonly Distribution[] = [
  uniformDistribution,
  normalDistribution,
  logUniformDistribution,
  intDistribution,
  choiceDistribution,
  hsvDistribution,
  kelvinDistribution,
  uniformRotationDistribution,
  rotationAboutDistribution,
  shellDistribution,
  filesDistribution,
  generateDistribution,
];

/** Keys with another meaning in templates, which no distribution may take. */
const RESERVED = ["spawn", "objects", "physics", "settle"];

const registry = new Map<string, Distribution>(BUILT_IN.map((d) => [d.name, d]));
/** The names in registration order (kept as a list: distributionOf scans it for every object node). */
let names: readonly string[] = [...registry.keys()];

/**
 * Adds a distribution (a name may be registered once). From then on every template object
 * holding its name as a key is that distribution, so pick a name no scene field uses.
 */
export function registerDistribution(distribution: Distribution): void {
  const { name, keys = [] } = distribution;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`a distribution name is letters, digits and _, starting with a letter: ${JSON.stringify(name)}`);
  if (RESERVED.includes(name)) throw new Error(`${JSON.stringify(name)} has another meaning in templates (reserved: ${RESERVED.join(", ")})`);
  if (registry.has(name)) throw new Error(`a distribution named ${JSON.stringify(name)} is already registered`);
  if (keys.includes(name)) throw new Error(`the distribution ${JSON.stringify(name)} lists its own name among its keys`);
  if (typeof distribution.draw !== "function") throw new Error(`the distribution ${JSON.stringify(name)} has no draw function`);
  registry.set(name, distribution);
  names = [...registry.keys()];
}

/** The registered distributions' names, in registration order (the built-in ones first). */
export function distributionNames(): readonly string[] {
  return names;
}

/** The distribution of a name, or undefined. */
export function findDistribution(name: string): Distribution | undefined {
  return registry.get(name);
}
