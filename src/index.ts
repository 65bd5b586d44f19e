/**
 * simforge as a library:
 *
 *   import { renderFrame } from "simforge";
 *   const frame = await renderFrame("scenes/demo.json", { out: "out/demo" });
 *
 * Open a Renderer to keep one browser page across many frames; runSweep for long,
 * parallel, resumable runs written as COCO / BOP / KITTI datasets.
 */
export { renderFrame, renderScenes, renderFiles, writeDataset, sceneList, resolveScene } from "./api.js";
export type { FrameResult, RenderFrameOptions, RenderScenesOptions, RenderFilesOptions, FrameSource, LoadedScene } from "./api.js";
export { frameSeed, Rng } from "./math/rng.js";
export { randomize, planSceneFile, sceneFileFrames } from "./randomize/frames.js";
export { sampleTemplate } from "./randomize/template.js";
export { registerDistribution, distributionNames, findDistribution } from "./randomize/distribution-registry.js";
export type { Distribution, DrawContext } from "./randomize/distribution.js";
export { settle, type SettleReport } from "./physics/settle.js";
export { Renderer, semanticFromInstance } from "./render/renderer.js";
export type { PassOptions, RenderedFrame } from "./render/renderer.js";
export type { SessionInfo, SessionOptions } from "./render/session.js";
export { findBrowser, resolveBrowser, type GpuMode } from "./render/browser.js";
export { parseScene, sceneJsonSchema } from "./scene/validate.js";
export { loadSceneFile, checkSceneFiles, resolveSceneUris, relativizeSceneUris } from "./scene/load.js";
export type * from "./scene/schema.js";
export { annotate, maskStats } from "./sensors/annotations.js";
export type { FrameAnnotations, ObjectAnnotation, Box2D } from "./sensors/annotations.js";
export { intrinsicsOf, kMatrix, cameraPoseMatrix, project, type Intrinsics } from "./math/camera.js";
export { writeFrame, depthToPng16 } from "./writers/frame.js";
export type { Manifest, FrameEntry } from "./writers/manifest.js";
export { runSweep, type SweepOptions, type SweepResult, type StopReason } from "./sweep/run.js";
export { loadSweep, type SweepConfig, type GridCell } from "./sweep/config.js";
export { sweepJsonSchema } from "./sweep/schema.js";
export { mergeShards } from "./sweep/merge.js";
export { parseShard, resolveShard, shardFrames, type Shard } from "./sweep/shard.js";
export { checkFrame, checkDataset, formatCheck, type FrameCheck, type DatasetCheck } from "./sweep/check.js";
export { writeReport } from "./sweep/report.js";
export { writeCoco } from "./writers/coco.js";
export { writeBop } from "./writers/bop.js";
export { writeKittiDataset } from "./writers/kitti-dataset.js";
export type { DatasetFrame, DatasetWriter, WriterNeed } from "./writers/dataset.js";
export { writeDatasets, registerDatasetWriter, datasetWriterNames, datasetWriter } from "./writers/registry.js";
export { registerPointCloudFormat, pointCloudFormatNames, type PointCloudFormat } from "./formats/point-cloud-formats.js";
export { encodeRle, decodeRle } from "./formats/rle.js";
export { amodalMask } from "./render/renderer.js";
export * from "./texture/index.js";
export { ensureTexture, texturePath, produceTexture, writeTexture, textureCacheDir, type TextureRequest } from "./texture/bank.js";
export { loadExemplarFolder } from "./texture/exemplar-files.js";
export { textureReport, materialSheet } from "./texture/contact-sheet.js";
export { onnxTexture } from "./texture/onnx/pipeline.js";
export { InputError, RuntimeError, DiskFullError, exitCodeFor } from "./errors.js";
export { VERSION } from "./version.js";
