/**
 * The dataset writers, by name. Each writer is one file that exports a DatasetWriter
 * (dataset.ts); it is registered by one line in BUILT_IN below, or by a library user with
 * registerDatasetWriter. Sweep files, the sweep's pass selection and merge take names and
 * needs from here, so nothing else lists writers.
 */
import { InputError } from "../errors.js";
import { bopJpgWriter, bopWriter } from "./bop.js";
import { cocoWriter } from "./coco.js";
import type { DatasetFrame, DatasetWriter, ExportProgress, WriterNeed } from "./dataset.js";
import { kittiWriter } from "./kitti-dataset.js";
import { graspsWriter } from "./grasps-dataset.js";
import { semanticKittiWriter } from "./semantickitti-sequences.js";

const BUILT_IN: readonly DatasetWriter[] = [cocoWriter, bopWriter, bopJpgWriter, kittiWriter, semanticKittiWriter, graspsWriter];

const registry = new Map<string, DatasetWriter>(BUILT_IN.map((w) => [w.name, w]));

/** Adds a writer (a name may be registered once). */
export function registerDatasetWriter(writer: DatasetWriter): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(writer.name)) throw new Error(`a dataset writer name is lower case letters, digits, - and _: ${JSON.stringify(writer.name)}`);
  if (registry.has(writer.name)) throw new Error(`a dataset writer named ${JSON.stringify(writer.name)} is already registered`);
  registry.set(writer.name, writer);
}

/** The registered writers' names, in registration order. */
export function datasetWriterNames(): string[] {
  return [...registry.keys()];
}

/** The writer of a name; an unknown name is an InputError listing the known ones. */
export function datasetWriter(name: string): DatasetWriter {
  const w = registry.get(name);
  if (!w) throw new InputError(`unknown dataset writer ${JSON.stringify(name)} (known: ${datasetWriterNames().join(", ")})`);
  return w;
}

/** Whether any of the named writers needs `need`. */
export function writersNeed(names: readonly string[], need: WriterNeed): boolean {
  return names.some((n) => datasetWriter(n).needs.includes(need));
}

/** Why writers cannot run together (two that write the same folder), or undefined. */
export function writersConflict(names: readonly string[]): string | undefined {
  const byFolder = new Map<string, string>();
  for (const n of new Set(names)) {
    const w = datasetWriter(n);
    const other = byFolder.get(w.folder);
    if (other) return `the ${other} and ${n} writers both write OUT/${w.folder}/: choose one`;
    byFolder.set(w.folder, n);
  }
  return undefined;
}

/**
 * Runs the named writers, in the order given (each name once), over `frames`; `progress`
 * hears how far each is. Returns the writers' warnings, each line led by its writer's name.
 */
export async function writeDatasets(outDir: string, frames: DatasetFrame[], names: readonly string[], progress?: ExportProgress): Promise<string[]> {
  const conflict = writersConflict(names);
  if (conflict) throw new InputError(conflict);
  const writers = [...new Set(names)].map(datasetWriter); // all names known before anything is written
  const warnings: string[] = [];
  for (const w of writers) await w.write(outDir, frames, progress, (m) => warnings.push(`${w.name} writer: ${m}`));
  return warnings;
}
