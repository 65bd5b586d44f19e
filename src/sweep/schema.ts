/**
 * The sweep file's schema (zod), built from the registries so that the writers and point
 * cloud formats a sweep may name are the registered ones. config.ts validates with it (one
 * error naming the file and the field, as for scenes); scenes/sweep.schema.json is
 * generated from it for editors (test/sweep.config.test.ts keeps the two equal).
 */
import { z } from "zod";
import { MISSING, describeValue } from "../scene/schema.js";
import { inputJsonSchema } from "../scene/validate.js";
import { datasetWriterNames } from "../writers/registry.js";
import { pointCloudFormatNames } from "../formats/point-cloud-formats.js";

const got = (v: unknown) => (v === undefined ? "" : `, got ${describeValue(v)}`);

/** A positive integer, said as `what` in errors. */
function positiveInt(what: string) {
  const error = (iss: { input?: unknown }) => (iss.input === undefined ? `${MISSING} (expected ${what}, a positive integer)` : `expected ${what} (a positive integer)${got(iss.input)}`);
  return z.number({ error }).int({ error }).min(1, { error });
}

/** The sweep file schema for the writers and formats registered now. */
export function sweepFileSchema() {
  const writers = datasetWriterNames();
  const formats = pointCloudFormatNames();
  const writerList = `${writers.join(", ")}; frames/ is always written`;
  return z
    .strictObject({
      $schema: z.string().optional().describe("optional path or URL of sweep.schema.json, for editors"),
      description: z.string().optional(),
      template: z
        .string({ error: "expected the path of a template (relative to this file)" })
        .min(1, { error: "expected the path of a template (relative to this file)" })
        .describe("the template (or concrete scene) to draw frames from, relative to the sweep file"),
      frames: positiveInt("the number of frames").optional().describe("how many frames (a sweep may be extended later); with sequences: sequences x frames_per_sequence, and may be left out"),
      sequences: positiveInt("the number of sequences").optional().describe("driving sequences: each one world drawn from frameSeed(seed, s), driven by the template's drive block (frame i is frame i mod frames_per_sequence of sequence i div frames_per_sequence)"),
      frames_per_sequence: positiveInt("the number of frames per sequence").optional().describe("frames of each sequence, at the drive's rate"),
      seed: z.union([z.number(), z.string()], { error: "expected a number or a string" }).default(0).describe("frame i is drawn from frameSeed(seed, i)"),
      writers: z
        .array(z.enum(writers as [string, ...string[]], { error: (iss) => `unknown writer ${describeValue(iss.input)} (known: ${writerList})` }), {
          error: `expected a list of writers (${writerList})`,
        })
        .default([])
        .describe("dataset writers run over the done frames"),
      workers: positiveInt("the number of workers").optional().describe("browsers rendering at once (default: the number of cores)"),
      grid: z
        .record(z.string(), z.array(z.unknown(), { error: "expected a non-empty list of values" }).min(1, { error: "expected a non-empty list of values" }), {
          error: 'expected { "<template field path>": [value, value, ...], ... }',
        })
        .optional()
        .describe("template field path -> values (or distributions); the cells are the product of the axes, frame i belongs to cell i mod cells"),
      outputs: z
        .strictObject({
          rgb: z.boolean().default(true),
          labels: z.boolean().default(true).describe("instance and semantic masks and annotations.json"),
          normals: z.boolean().default(false),
          lidarFormats: z
            .array(z.enum(formats as [string, ...string[]]), { error: `expected a list of point cloud formats (${formats.join(", ")})` })
            .default([])
            .describe("extra point cloud files per LiDAR (KITTI .bin and SemanticKITTI .label are always written)"),
          previews: z.boolean().optional().describe("depth and instance previews for people (off in sweeps)"),
        })
        .prefault({}),
      watchdog: z
        .strictObject({
          frameTimeout: z.number({ error: "expected seconds > 0" }).gt(0, { error: "expected seconds > 0" }).default(120).describe("seconds before a frame's browser is restarted"),
          retries: z.number({ error: "expected an integer >= 0" }).int({ error: "expected an integer >= 0" }).min(0, { error: "expected an integer >= 0" }).default(2),
        })
        .prefault({}),
      recycle: z
        .strictObject({
          frames: positiveInt("frames per browser").default(1000),
          memoryMB: positiveInt("megabytes").default(3072),
        })
        .prefault({}),
      check: z.boolean().default(true).describe("QA-check every frame as it is written"),
    });
}

export type SweepFile = z.output<ReturnType<typeof sweepFileSchema>>;

/** The JSON Schema of a sweep file (the input side: defaulted fields are optional). */
export function sweepJsonSchema(): Record<string, unknown> {
  return inputJsonSchema(sweepFileSchema());
}
