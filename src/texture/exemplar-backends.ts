/**
 * The exemplar-based texture backends, patch-diffusion and rpn: both take a built-in material
 * (procedural exemplars, exemplars.ts) or user exemplars, resolved here once for both.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import { VERSION } from "../version.js";
import type { CommonTextureOptions, TextureBackend } from "./backends.js";
import { isMaterial, materialExemplars, materialLayout, MATERIALS, LAYOUT_MATERIALS } from "./exemplars.js";
import { loadExemplarFolder } from "./exemplar-files.js";
import type { GenerateTextureOptions, GeneratedTexture, TextureMeta } from "./generate.js";
import { toRgb8, type RgbImage } from "./image.js";
import { textureMetrics } from "./metrics.js";
import { intOption } from "./options.js";
import { checkExemplars, patchDiffusion, planPatchDiffusion, type TextureLabels } from "./patch-diffusion.js";
import { randomPhaseNoise } from "./rpn.js";

/** Seed of the built-in materials' procedural exemplars: fixed, so a material is one data set. */
export const EXEMPLAR_SEED = "simforge-texture-exemplars";

/** sha256 of an exemplar's 8-bit pixels (with its size), as recorded in meta. */
export function exemplarHash(img: RgbImage): string {
  return createHash("sha256").update(`${img.width}x${img.height}\n`).update(toRgb8(img)).digest("hex");
}

/** Checked exemplars, with their labels (a layout material's, or the user's) and where they came from. */
interface Exemplars {
  exemplars: RgbImage[];
  labels: TextureLabels | undefined;
  exemplarSource: TextureMeta["exemplarSource"];
}

/** Exactly one of material and exemplars, resolved to checked exemplar images. */
async function resolveExemplars(opts: GenerateTextureOptions, { size, patch }: CommonTextureOptions): Promise<Exemplars> {
  if ((opts.material === undefined) === (opts.exemplars === undefined)) {
    throw new InputError("give exactly one of material and exemplars", { field: opts.material === undefined ? "material" : "exemplars" });
  }
  let exemplars: RgbImage[];
  let labels: TextureLabels | undefined = opts.labels;
  let exemplarSource: TextureMeta["exemplarSource"] = "user";
  if (opts.material !== undefined) {
    if (typeof opts.material !== "string" || !isMaterial(opts.material)) throw new InputError(`unknown material ${JSON.stringify(opts.material)} (known: ${MATERIALS.join(", ")})`, { field: "material" });
    if (opts.labels !== undefined) throw new InputError("labels go with user exemplars; layout materials make their own", { field: "labels" });
    const exSize = intOption(opts.exemplarSize, "exemplarSize", 16, 1024, 128);
    const count = intOption(opts.exemplarCount, "exemplarCount", 1, 8, 2);
    const made = materialExemplars(opts.material, exSize, count, EXEMPLAR_SEED);
    exemplars = made.map((m) => m.image);
    exemplarSource = { size: exSize, count, seed: EXEMPLAR_SEED };
    if (LAYOUT_MATERIALS.includes(opts.material)) {
      labels = { exemplars: made.map((m) => m.labels!), output: materialLayout(opts.material, size, opts.seed)! };
    }
  } else if (typeof opts.exemplars === "string") {
    exemplars = (await loadExemplarFolder(opts.exemplars, { patch })).images;
  } else {
    exemplars = checkExemplars(opts.exemplars, patch);
  }
  checkExemplars(exemplars, patch);
  return { exemplars, labels, exemplarSource };
}

/** What an exemplar backend makes of the exemplars: the image, its parameters, and its label layout if it follows one. */
interface Synthesis {
  image: RgbImage;
  params: TextureMeta["params"];
  layout: Uint8Array | null;
}

/** A backend that resolves exemplars, synthesises from them, and records them and the metrics in meta. */
function exemplarBackend(name: string, summary: string, synthesise: (ex: Exemplars, opts: GenerateTextureOptions, common: CommonTextureOptions) => Promise<Synthesis>): TextureBackend {
  return {
    name,
    summary,
    async generate(opts, common): Promise<GeneratedTexture> {
      const ex = await resolveExemplars(opts, common);
      const { image, params, layout } = await synthesise(ex, opts, common);
      return {
        image,
        labels: layout,
        meta: {
          backend: name,
          material: opts.material ?? null,
          seed: opts.seed,
          size: common.size,
          params,
          exemplarHashes: ex.exemplars.map(exemplarHash),
          exemplarSource: ex.exemplarSource,
          layout: layout !== null,
          version: VERSION,
          metrics: opts.metrics === false ? null : textureMetrics(image, ex.exemplars, { labels: layout }),
        },
      };
    },
  };
}

/** Training-free patch diffusion (patch-diffusion.ts): the default; follows label layouts. */
export const patchDiffusionBackend = exemplarBackend("patch-diffusion", "training-free, no weights", async ({ exemplars, labels }, opts, { size, patch }) => {
  const pdOpts = { size, seed: opts.seed, steps: opts.steps, patch, threads: opts.threads, labels };
  const params = planPatchDiffusion(exemplars, pdOpts);
  return { image: await patchDiffusion(exemplars, pdOpts), params, layout: labels?.output ?? null };
});

/** Random phase noise (rpn.ts) of the first exemplar: no layout support. */
export const rpnBackend = exemplarBackend("rpn", "random phase noise", async ({ exemplars, labels }, opts, { size }) => {
  if (labels !== undefined && opts.material === undefined) throw new InputError("the rpn backend has no layout support", { field: "labels" });
  intOption(opts.threads, "threads", 1, 64, 1);
  return { image: randomPhaseNoise(exemplars[0]!, { size, seed: opts.seed }), params: { size, exemplar: 0 }, layout: null };
});
